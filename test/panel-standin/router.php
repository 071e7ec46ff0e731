<?php
/**
 * The stand-in panel: PHP's built-in web server with this router serves the unpacked
 * extension zip (STANDIN_EXTENSION) under /modules/spamtrace/ as Plesk would, with the
 * pm_* stand-ins of pm.php answering from STANDIN_FIXTURE.
 *
 *   STANDIN_EXTENSION=/tmp/unpacked STANDIN_FIXTURE=fixture.json php -S 127.0.0.1:8880 router.php
 *
 * Stand-in routes (not Plesk's): /standin/login?as=LOGIN[&by=LOGIN] logs in (by: the admin
 * or reseller impersonating the customer "as"), /standin/domain?id=N[&alias=M] shows a
 * domain or alias card with the extension's buttons.
 */
require __DIR__ . '/pm.php';
require __DIR__ . '/page.php';

$uri = isset($_SERVER['REQUEST_URI']) ? $_SERVER['REQUEST_URI'] : '/';
$path = (string) parse_url($uri, PHP_URL_PATH);

if ($path === '/standin/login') {
    $as = isset($_GET['as']) ? (string) $_GET['as'] : '';
    $by = isset($_GET['by']) ? (string) $_GET['by'] : '';
    Standin::clientRow('login', $as);
    setcookie('standin_user', $as, ['path' => '/', 'httponly' => true, 'samesite' => 'Lax']);
    setcookie('standin_by', $by, ['path' => '/', 'httponly' => true, 'samesite' => 'Lax']);
    header('Location: /modules/spamtrace/index.php/index/index', true, 303);
    return true;
}
if ($path === '/standin/domain') {
    Standin_Page::domainCard((int) (isset($_GET['id']) ? $_GET['id'] : 0), isset($_GET['alias']) ? (int) $_GET['alias'] : null);
    return true;
}
$prefix = '/modules/spamtrace/';
if (strpos($path, $prefix) === 0) {
    $rel = substr($path, strlen($prefix));
    if ($rel === 'index.php' || strpos($rel, 'index.php/') === 0) {
        $_SERVER['SCRIPT_NAME'] = $prefix . 'index.php';
        $_SERVER['PATH_INFO'] = substr($rel, strlen('index.php'));
        require Standin::root() . 'htdocs/index.php';
        return true;
    }
    $file = realpath(Standin::root() . 'htdocs/' . $rel);
    $htdocs = realpath(Standin::root() . 'htdocs');
    if ($file !== false && strpos($file, $htdocs . '/') === 0 && is_file($file) && substr($file, -4) !== '.php') {
        readfile($file);
        return true;
    }
}
Standin_Page::error(404, 'not found');
return true;
