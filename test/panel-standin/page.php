<?php
/**
 * The stand-in panel's own pages: a layout with the navigation the extension's custom
 * buttons (plib/hooks/CustomButtons.php) put there for the logged-in role, and domain
 * cards showing the PLACE_DOMAIN_PROPERTIES buttons with their context parameters
 * (site_id, and alias_id on an alias card), visibility callbacks called as Plesk's ext-*
 * samples expect them (plesk/ext-backup-hook plib/hooks/CustomButtons.php reads
 * $options['site_id'] and $options['alias_id']).
 */
final class Standin_Page
{
    /** where each role's navigation is (pm/Hook/CustomButtons.php place constants) */
    private static function navPlaces(pm_Client $client)
    {
        if ($client->isAdmin()) {
            return [pm_Hook_CustomButtons::PLACE_ADMIN_NAVIGATION];
        }
        if ($client->isReseller()) {
            return [pm_Hook_CustomButtons::PLACE_RESELLER_NAVIGATION];
        }
        return [pm_Hook_CustomButtons::PLACE_HOSTING_PANEL_NAVIGATION, pm_Hook_CustomButtons::PLACE_CUSTOMER_HOME];
    }

    public static function buttons()
    {
        pm_Context::init('spamtrace');
        require_once pm_Context::getPlibDir() . 'hooks/CustomButtons.php';
        $hook = new Modules_Spamtrace_CustomButtons();
        return $hook->getButtons();
    }

    private static function visible(array $b, array $options)
    {
        return !isset($b['visibility']) || call_user_func($b['visibility'], $options);
    }

    private static function inPlace(array $b, array $places)
    {
        return count(array_intersect((array) $b['place'], $places)) > 0;
    }

    public static function send($title, $content)
    {
        $nav = '';
        if (pm_Session::isExist()) {
            $client = pm_Session::getClient();
            foreach (self::buttons() as $b) {
                if (self::inPlace($b, self::navPlaces($client)) && self::visible($b, [])) {
                    $nav .= '<a class="standin-button" href="' . htmlspecialchars($b['link']) . '">' . htmlspecialchars($b['title']) . '</a> ';
                }
            }
        }
        header('Content-Type: text/html; charset=utf-8');
        echo "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>" . htmlspecialchars($title)
            . " - Plesk stand-in</title></head><body><nav id=\"standin-nav\">$nav</nav><h1>" . htmlspecialchars($title)
            . "</h1><div id=\"standin-content\">$content</div></body></html>";
    }

    /** /standin/domain?id=N[&alias=M]: a domain's (or alias's) card with the extension's buttons */
    public static function domainCard($id, $aliasId)
    {
        if (!pm_Session::isExist()) {
            return self::error(403, 'log in first');
        }
        $options = ['site_id' => (string) $id];
        if ($aliasId !== null) {
            $options['alias_id'] = (string) $aliasId;
        }
        $html = '';
        foreach (self::buttons() as $b) {
            if (!self::inPlace($b, [pm_Hook_CustomButtons::PLACE_DOMAIN_PROPERTIES]) || !self::visible($b, $options)) {
                continue;
            }
            $link = $b['link'];
            if (!empty($b['contextParams'])) {
                $link .= (strpos($link, '?') === false ? '?' : '&') . http_build_query($options);
            }
            $html .= '<a class="standin-domain-button" href="' . htmlspecialchars($link) . '">' . htmlspecialchars($b['title']) . '</a> ';
        }
        self::send('Domain card', $html === '' ? '<p id="standin-no-buttons">no buttons</p>' : $html);
    }

    public static function error($status, $text)
    {
        http_response_code($status);
        header('Content-Type: text/plain; charset=utf-8');
        echo "stand-in panel: $text\n";
    }
}
