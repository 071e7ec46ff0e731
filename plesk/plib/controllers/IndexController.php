<?php
/**
 * The extension's page: the spamtrace UI in a same-origin iframe whose every request goes
 * through the panel itself (htdocs/index.php -> plib/library/Forwarder.php), plus, for the
 * admin, the state of the service (running, or exactly why it does not start).
 *
 * pm_Controller_Action (plesk/pm-api-stubs pm/Controller/Action.php): $_accessLevel
 * "Possible values: 'admin', 'reseller', 'client'", set explicitly as Plesk's ext-* samples
 * do; every panel user may open it, and what each sees is decided by the service from the
 * signed identity. _getParam comes from Zend_Controller_Action.
 */
class IndexController extends pm_Controller_Action
{
    protected $_accessLevel = ['admin', 'reseller', 'client'];

    public function indexAction()
    {
        $manifest = Modules_Spamtrace_Manifest::read(pm_Context::getPlibDir() . 'panel-manifest');
        $who = Modules_Spamtrace_Identity::current();

        $next = $manifest['entry.' . $who['role']];
        $subscription = Modules_Spamtrace_Identity::subscriptionFor([
            'site_id' => $this->_getParam('site_id'),
            'dom_id' => $this->_getParam('dom_id'),
            'alias_id' => $this->_getParam('alias_id'),
        ]);
        if ($subscription !== null) {
            $next .= (strpos($next, '?') === false ? '?' : '&') . 'subscription=' . rawurlencode($subscription);
        }

        $this->view->pageTitle = 'spamtrace';
        $this->view->frameUrl = rtrim(pm_Context::getBaseUrl(), '/') . '/index.php' . Modules_Spamtrace_Forwarder::PREFIX . $next;
        $this->view->service = $who['role'] === 'admin' ? Modules_Spamtrace_ServiceState::read() : null;
    }
}
