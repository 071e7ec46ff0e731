/**
 * What the lab's sites serve: real PHP files and static files, as data. web274 (Confixx) runs
 * an old WordPress into whose uploads a bot dropped a mailer; formuser (Plesk) has an innocent
 * contact form; the other Plesk sites are plain pages. The PHP is kept small but behaves like
 * the real thing: the dropped script sends one mail per POST to the recipients the bot names,
 * the contact form one mail to the site owner, wp-login.php answers 200 and sends nothing.
 */
import { CONTACT_FORM_SCRIPT, DROPPED_SCRIPT, WP_LOGIN, webSite } from './web-layout';

export interface SiteFile {
  /** site user (web-layout.ts WEB_SITES) */
  site: string;
  /** path below the docroot, as in the URL */
  urlPath: string;
  content: string | Buffer;
}

/** 1x1 transparent PNG */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

const STYLE = 'body { font-family: sans-serif; margin: 2em auto; max-width: 40em; }\n';

function indexPhp(title: string, text: string): string {
  return String.raw`<?php
// start page (spamtrace lab fixture)
header('Content-Type: text/html; charset=UTF-8');
?><!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8"><title>${title}</title><link rel="stylesheet" href="/style.css"></head>
<body><h1>${title}</h1><p>${text}</p><p>Stand: <?php echo date('d.m.Y'); ?></p></body></html>
`;
}

/**
 * The dropped mailer. Typical of what bots upload through a vulnerable plugin: silences
 * errors, ignores aborts, takes recipients, subject, sender and body from the POST.
 * Fields: a = comma-separated recipients, b = subject, c = From header, d = HTML body.
 */
export const DROPPED_MAILER_PHP = String.raw`<?php
@error_reporting(0); @ini_set('display_errors', '0'); @set_time_limit(0); @ignore_user_abort(true);
// spamtrace lab fixture: a mailer a bot dropped into the WordPress uploads folder.
// One mail per POST: a = recipients (comma separated), b = subject, c = From, d = HTML body.
if (($_SERVER['REQUEST_METHOD'] ?? '') !== 'POST' || !isset($_POST['a'], $_POST['b'], $_POST['d'])) {
    http_response_code(404);
    exit;
}
$one = function ($v) { return trim(str_replace(array("\r", "\n", "\0"), ' ', (string) $v)); };
$to = array();
foreach (explode(',', $one($_POST['a'])) as $r) {
    $r = trim($r);
    if (filter_var($r, FILTER_VALIDATE_EMAIL)) $to[] = $r;
}
if (!$to) { http_response_code(400); echo 'ERR rcpt'; exit; }
$from = isset($_POST['c']) ? $one($_POST['c']) : 'Service <service@secure-login.info>';
$headers = "From: " . $from . "\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=UTF-8";
$ok = @mail(implode(', ', $to), $one($_POST['b']), (string) $_POST['d'], $headers);
// the lab counts a request as one queued mail only when mail() succeeded
if (!$ok) http_response_code(500);
echo $ok ? 'OK ' . count($to) : 'ERR';
`;

/** The contact form: one mail to the site owner per valid POST, then a redirect (302) to the thank-you page. */
export const CONTACT_FORM_PHP = String.raw`<?php
// Kontaktformular (spamtrace lab fixture): one mail to the site owner per POST.
if (($_SERVER['REQUEST_METHOD'] ?? '') !== 'POST') { header('Location: /kontakt.html'); exit; }
$one = function ($v) { return trim(str_replace(array("\r", "\n", "\0"), ' ', (string) $v)); };
$name = $one(isset($_POST['name']) ? $_POST['name'] : '');
$email = $one(isset($_POST['email']) ? $_POST['email'] : '');
$text = isset($_POST['nachricht']) ? (string) $_POST['nachricht'] : '';
if ($name === '' || !filter_var($email, FILTER_VALIDATE_EMAIL) || trim($text) === '') {
    http_response_code(400);
    echo '<p>Bitte alle Felder ausfuellen.</p>';
    exit;
}
$ok = mail(
    '${CONTACT_FORM_SCRIPT.owner}',
    'Kontaktanfrage ueber ${webSite(CONTACT_FORM_SCRIPT.site).domain}',
    "Name: " . $name . "\nE-Mail: " . $email . "\n\n" . $text . "\n",
    "From: Kontaktformular <www@${webSite(CONTACT_FORM_SCRIPT.site).domain}>\r\nReply-To: " . $email . "\r\nContent-Type: text/plain; charset=UTF-8"
);
if (!$ok) { http_response_code(500); echo 'Fehler beim Senden.'; exit; }
header('Location: /danke.html', true, 302);
`;

/** WordPress-style login: every login fails and is answered 200, like WordPress does; sends nothing. */
export const WP_LOGIN_PHP = String.raw`<?php
// WordPress-style login (spamtrace lab fixture): every login fails (200), nothing is sent.
$error = '';
if (($_SERVER['REQUEST_METHOD'] ?? '') === 'POST') {
    $user = htmlspecialchars(isset($_POST['log']) ? (string) $_POST['log'] : '', ENT_QUOTES, 'UTF-8');
    $error = '<div id="login_error"><strong>Fehler</strong>: Das Passwort fuer den Benutzernamen <strong>' . $user . '</strong> ist nicht korrekt.</div>';
}
header('Content-Type: text/html; charset=UTF-8');
?><!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8"><title>Anmelden &lsaquo; WordPress</title></head>
<body class="login"><?php echo $error; ?>
<form name="loginform" id="loginform" action="/wp-login.php" method="post">
<p><label for="user_login">Benutzername oder E-Mail-Adresse</label> <input type="text" name="log" id="user_login"></p>
<p><label for="user_pass">Passwort</label> <input type="password" name="pwd" id="user_pass"></p>
<p><input type="submit" name="wp-submit" id="wp-submit" value="Anmelden"></p>
</form></body></html>
`;

const KONTAKT_HTML = `<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8"><title>Kontakt</title><link rel="stylesheet" href="/style.css"></head>
<body><h1>Kontakt</h1>
<form action="${CONTACT_FORM_SCRIPT.urlPath}" method="post">
<p><label>Name <input name="name"></label></p>
<p><label>E-Mail <input name="email" type="email"></label></p>
<p><label>Nachricht <textarea name="nachricht"></textarea></label></p>
<p><button>Senden</button></p>
</form></body></html>
`;

const DANKE_HTML = '<!DOCTYPE html>\n<html lang="de"><head><meta charset="utf-8"><title>Danke</title></head><body><p>Vielen Dank, wir melden uns.</p></body></html>\n';

export function siteFiles(): SiteFile[] {
  const common = (site: string, title: string, text: string): SiteFile[] => [
    { site, urlPath: '/index.php', content: indexPhp(title, text) },
    { site, urlPath: '/style.css', content: STYLE },
    { site, urlPath: '/images/logo.png', content: PNG },
    { site, urlPath: '/robots.txt', content: 'User-agent: *\nDisallow:\n' },
  ];
  return [
    ...common('web274', 'Pension Seeblick', 'Ferienwohnungen am See (WordPress).'),
    { site: 'web274', urlPath: WP_LOGIN.urlPath, content: WP_LOGIN_PHP },
    { site: 'web274', urlPath: '/wp-content/themes/twentyfourteen/style.css', content: STYLE },
    { site: 'web274', urlPath: '/wp-content/uploads/2014/02/seeblick-1024x768.png', content: PNG },
    { site: DROPPED_SCRIPT.site, urlPath: DROPPED_SCRIPT.urlPath, content: DROPPED_MAILER_PHP },
    { site: 'web274', urlPath: '/kontakt.html', content: KONTAKT_HTML.replace(CONTACT_FORM_SCRIPT.urlPath, 'mailto:info@web274-example.de') },
    ...common('shopuser', 'Shop Example', 'Ersatzteile und Zubehoer.'),
    ...common('newsuser', 'News Example', 'Neuigkeiten jeden Monat.'),
    ...common('formuser', 'Form Example', 'Schreiben Sie uns ueber das Kontaktformular.'),
    { site: CONTACT_FORM_SCRIPT.site, urlPath: CONTACT_FORM_SCRIPT.urlPath, content: CONTACT_FORM_PHP },
    { site: 'formuser', urlPath: '/kontakt.html', content: KONTAKT_HTML },
    { site: 'formuser', urlPath: '/danke.html', content: DANKE_HTML },
    ...common('kundeuser', 'Kunde Beispiel', 'Ihr Handwerksbetrieb.'),
  ];
}
