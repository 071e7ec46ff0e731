<?php
/**
 * Who is looking, in the panel's own words: role, login, scope. Plesk's session is the
 * authority; the Node service only ever sees this, signed (Token.php).
 *
 * pm_Session / pm_Client / pm_Domain: Extensions Guide, "Retrieve Data from Plesk ›
 * Session" and the extensions reference (pm_Client::isAdmin/isReseller/isClient,
 * getLogin since 17.0; pm_Domain::getDomainsByClient since 17.0).
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
            $impersonatedBy = $client->getLogin();
            $client = pm_Client::getByClientId(pm_Session::getImpersonatedClientId());
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
     * The subscription a button on a subscription page was pressed for, if this user may
     * see it; null otherwise. The parameter name the button passes is not documented, so
     * both spellings seen in Plesk URLs are accepted, and access is always re-checked.
     *
     * @param mixed $domainId
     * @return string|null the main domain name
     */
    public static function subscriptionFor($domainId)
    {
        if (!is_scalar($domainId) || !preg_match('/^[1-9][0-9]{0,9}$/', (string) $domainId)) {
            return null;
        }
        $client = pm_Session::getClient();
        if (!$client->hasAccessToDomain((int) $domainId)) {
            return null;
        }
        return pm_Domain::getByDomainId((int) $domainId)->getName();
    }
}
