<?php
// Runs before the extension is removed (Extensions Guide, "Extension Structure":
// plib/scripts/pre-uninstall.php): stops and removes the service unit. Configuration,
// keys and the findings database stay (spamtrace-service uninstall says where).
pm_Context::init('spamtrace');
$result = pm_ApiCli::callSbin('spamtrace-service', ['uninstall'], pm_ApiCli::RESULT_FULL);
if ($result['code'] !== 0) {
    // Removing the extension must not be blocked by a service that is already gone.
    echo "spamtrace: removing the service reported: " . trim($result['stderr']) . "\n";
}
exit(0);
