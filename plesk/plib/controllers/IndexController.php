<?php
/**
 * The extension's only page: signs who is looking into a short-lived token and hands it,
 * with a POST into an iframe, to the Node service, which shows the UI. No tracing here.
 *
 * Why POST into a named iframe rather than ?token= in the iframe URL: the token does not
 * end up in access logs, browser history or Referer headers, and a customer with many
 * subscriptions does not hit URL length limits.
 *
 * pm_Controller_Action: Extensions Guide, "Extension Structure" (plib/controllers) and the
 * Hello World sample (plesk bin extension --create).
 */
class IndexController extends pm_Controller_Action
{
    public function indexAction()
    {
        $manifest = Modules_Spamtrace_Manifest::read(pm_Context::getPlibDir() . 'panel-manifest');
        $who = Modules_Spamtrace_Identity::current();
        $key = Modules_Spamtrace_Token::readKey($manifest['auth.secret_file']);
        $token = Modules_Spamtrace_Token::issue(
            $who['role'],
            $who['login'],
            $who['scope'],
            time(),
            (int) $manifest['auth.token_ttl_seconds'],
            $key,
            $who['impersonatedBy']
        );

        $next = $manifest['entry.' . $who['role']];
        $subscription = Modules_Spamtrace_Identity::subscriptionFor($this->_getParam('site_id', $this->_getParam('dom_id')));
        if ($subscription !== null) {
            $next .= (strpos($next, '?') === false ? '?' : '&') . 'subscription=' . rawurlencode($subscription);
        }

        $this->view->pageTitle = 'spamtrace';
        $loginPath = isset($manifest['auth.login_path']) && preg_match('#^/[A-Za-z0-9/_.-]*$#', $manifest['auth.login_path'])
            ? $manifest['auth.login_path'] : '/auth/panel';
        $this->view->loginUrl = self::publicUrl($manifest['service.public_url']) . $loginPath;
        $this->view->token = $token;
        $this->view->next = $next;
    }

    /**
     * service.public_url with "{host}" replaced by the host name this panel page was
     * opened with, so the service's session cookie is first-party (same site, another port).
     * The host must look like a host name; anything else falls back to this server's name.
     */
    private static function publicUrl($template)
    {
        $host = isset($_SERVER['HTTP_HOST']) ? preg_replace('/:[0-9]+$/', '', (string) $_SERVER['HTTP_HOST']) : '';
        if (!preg_match('/^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/', $host)
            && !preg_match('/^\[[0-9A-Fa-f:.]+\]$/', $host)) {
            $host = gethostname();
        }
        return rtrim(str_replace('{host}', $host, $template), '/');
    }
}
