<?php
/**
 * Where spamtrace appears in Plesk: the admin's and the reseller's navigation, and a
 * subscription's page (customers and anyone managing that subscription).
 * Extensions Guide, "Add Custom Buttons" (pm_Hook_CustomButtons in plib/hooks/;
 * PLACE_ADMIN_NAVIGATION, PLACE_RESELLER_NAVIGATION, PLACE_DOMAIN_PROPERTIES with
 * contextParams so the page knows which subscription).
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
                'place' => self::PLACE_DOMAIN_PROPERTIES,
                'title' => 'Spam origins',
                'description' => 'Mail this subscription sent that looks like spam',
                'link' => $link,
                'contextParams' => true,
            ],
        ];
    }
}
