<?php
/**
 * Where spamtrace appears in Plesk (plesk/pm-api-stubs pm/Hook/CustomButtons.php: the
 * PLACE_* and SECTION_* constants; getButtons() keys place, section, title, description,
 * link, contextParams, visibility):
 * - the admin's navigation (server management) and the reseller's navigation;
 * - the hosting panel's navigation, where a customer (or an admin or reseller working as
 *   one) finds the page listing all of its subscriptions;
 * - a domain's page (PLACE_DOMAIN_PROPERTIES with contextParams: site_id), for add-on
 *   domains and subdomains too (the controller resolves them to their subscription), but
 *   not on an alias card: Plesk passes alias_id there, and the visibility callback hides
 *   the button as Plesk's own sample does (plesk/ext-backup-hook plib/hooks/CustomButtons.php).
 */
class Modules_Spamtrace_CustomButtons extends pm_Hook_CustomButtons
{
    public function getButtons()
    {
        $link = pm_Context::getActionUrl('index', 'index');
        return [
            [
                'place' => self::PLACE_ADMIN_NAVIGATION,
                'section' => self::SECTION_NAV_SERVER_MANAGEMENT,
                'title' => 'Spam origins',
                'description' => 'Who on this server sends spam, with the evidence',
                'link' => $link,
            ],
            [
                'place' => self::PLACE_RESELLER_NAVIGATION,
                'section' => self::SECTION_NAV_GENERAL,
                'title' => 'Spam origins',
                'description' => 'Spam sent by your customers, with the evidence',
                'link' => $link,
            ],
            [
                'place' => self::PLACE_HOSTING_PANEL_NAVIGATION,
                'title' => 'Spam origins',
                'description' => 'Mail your subscriptions sent that looks like spam',
                'link' => $link,
            ],
            [
                'place' => self::PLACE_DOMAIN_PROPERTIES,
                'title' => 'Spam origins',
                'description' => 'Mail this subscription sent that looks like spam',
                'link' => $link,
                'contextParams' => true,
                'visibility' => [$this, 'isDomainButtonVisible'],
            ],
        ];
    }

    /** Hidden on alias cards (alias_id) and wherever no site_id is passed. */
    public function isDomainButtonVisible($options)
    {
        return is_array($options) && isset($options['site_id']) && !isset($options['alias_id']);
    }
}
