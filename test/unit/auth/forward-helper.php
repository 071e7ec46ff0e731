<?php
// Test helper: the extension's own forwarding code (plesk/plib/library/Token.php and
// Forwarder.php) run by php-cli.
//   php forward-helper.php sign KEYFILE WHO_JSON METHOD PATH BASE SID LOCALE NOW
//   php forward-helper.php path REQUEST_URI BASE        (prints the service path or "null")
require __DIR__ . '/../../../plesk/plib/library/Token.php';
require __DIR__ . '/../../../plesk/plib/library/Forwarder.php';

try {
    if ($argv[1] === 'sign') {
        $key = Modules_Spamtrace_Token::readKey($argv[2]);
        $who = json_decode($argv[3], true);
        echo Modules_Spamtrace_Token::issueForwarded($who, $argv[4], $argv[5], $argv[6], $argv[7], $argv[8], (int) $argv[9], $key);
    } elseif ($argv[1] === 'path') {
        $p = Modules_Spamtrace_Forwarder::servicePath($argv[2], $argv[3]);
        echo $p === null ? 'null' : $p;
    } elseif ($argv[1] === 'relay') {
        echo Modules_Spamtrace_Forwarder::relayable($argv[2], $argv[3]) ? 'yes' : 'no';
    } else {
        exit(2);
    }
} catch (RuntimeException $e) {
    fwrite(STDERR, $e->getMessage() . "\n");
    exit(1);
}
