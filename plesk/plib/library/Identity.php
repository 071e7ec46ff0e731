<?php
/**
 * Who is looking, in the panel's own words: role, login, scope. Plesk's session is the
 * authority; the Node service only ever sees this, signed (Token.php).
 *
 * Calls, as documented in plesk/pm-api-stubs:
 * - pm/Session.php getClient() "Retrieve panel client for current session";
 *   isImpersonated() "Check if admin/reseller is impersonated into client in hosting panel";
 *   getImpersonatedClientId() "Retrieve id of admin/reseller which impersonated into a
 *   client". So while an admin or reseller works "as" a customer, getClient() is the
 *   customer and the impersonated client id is the admin's or reseller's own.
 * - pm/Client.php isAdmin/isReseller/isClient, getLogin (17.0), getByClientId,
 *   hasAccessToDomain (12.0).
 * - pm/Domain.php getDomainsByClient($client, $mainDomainsOnly) (17.0), getByDomainId
 *   (17.0), getName, getProperty($name): "webspace_id" is the subscription's main domain id
 *   of an add-on domain or subdomain, 0 on the main domain itself (the property Plesk's
 *   own ext-* samples read, e.g. plesk/ext-security-advisor).
 */
class Modules_Spamtrace_Identity
{
    /**
     * @return array{role:string, login:string, scope:array, impersonatedBy:?string}
     * @throws pm_Exception
     */
    public static function current()
    {
        $client = pm_Session::getClient();
        $impersonatedBy = null;
        // An admin or reseller "logged in as" a customer sees what that customer sees,
        // and the service records who really did it.
        if (pm_Session::isImpersonated()) {
            $by = pm_Session::getImpersonatedClientId();
            $impersonatedBy = $by !== null ? pm_Client::getByClientId($by)->getLogin() : 'unknown';
        }
        $login = $client->getLogin();
        if ($client->isAdmin()) {
            return ['role' => 'admin', 'login' => $login, 'scope' => ['kind' => 'all'], 'impersonatedBy' => $impersonatedBy];
        }
        if ($client->isReseller()) {
            // The service maps a reseller to its customers from its inventory (Plesk's
            // REST API owner_login): no extension API lists a reseller's customers.
            return ['role' => 'reseller', 'login' => $login, 'scope' => ['kind' => 'reseller', 'reseller' => $login], 'impersonatedBy' => $impersonatedBy];
        }
        if ($client->isClient()) {
            $subscriptions = [];
            foreach (pm_Domain::getDomainsByClient($client, true) as $domain) {
                $subscriptions[] = $domain->getName();
            }
            return [
                'role' => 'customer',
                'login' => $login,
                'scope' => ['kind' => 'customer', 'customer' => $login, 'subscriptions' => $subscriptions],
                'impersonatedBy' => $impersonatedBy,
            ];
        }
        throw new pm_Exception('spamtrace: this Plesk user is neither admin, reseller nor customer');
    }

    /**
     * The subscription (its main domain name) a button on a domain's page was pressed for,
     * if this user may see it; null otherwise. PLACE_DOMAIN_PROPERTIES passes site_id,
     * PLACE_DOMAIN passes dom_id; an add-on domain or subdomain resolves to its webspace.
     * An alias card passes alias_id beside site_id: the button is hidden there (hook
     * visibility) and the id is not trusted here either.
     *
     * @param array $params the request parameters
     * @return string|null
     */
    public static function subscriptionFor(array $params)
    {
        if (isset($params['alias_id'])) {
            return null;
        }
        $domainId = isset($params['site_id']) ? $params['site_id'] : (isset($params['dom_id']) ? $params['dom_id'] : null);
        if (!is_scalar($domainId) || !preg_match('/^[1-9][0-9]{0,9}$/', (string) $domainId)) {
            return null;
        }
        $client = pm_Session::getClient();
        if (!$client->hasAccessToDomain((int) $domainId)) {
            return null;
        }
        $domain = pm_Domain::getByDomainId((int) $domainId);
        $webspaceId = (int) $domain->getProperty('webspace_id');
        if ($webspaceId > 0 && $webspaceId !== (int) $domainId) {
            $domain = pm_Domain::getByDomainId($webspaceId);
        }
        return $domain->getName();
    }
}
