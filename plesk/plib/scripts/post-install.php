<?php
// Runs after "plesk bin extension --install" (Extensions Guide, "Extension Structure":
// plib/scripts/post-install.php); on an upgrade Plesk passes "upgrade VERSION" (the
// previous version). Installs or upgrades and starts the Node service as root through the
// extension's privileged helper (pm_ApiCli::callSbin, plesk/pm-api-stubs pm/ApiCli.php).
// An upgrade keeps the store, the key and the settings.
//
// A service that cannot start (no Node >= 20, a native module built for another Node)
// does not fail the installation: the extension's page shows exactly what is wrong
// (spamtrace-service status) and how to fix it, which a failed install could not.
pm_Context::init('spamtrace');
$verb = (isset($argv[1]) && $argv[1] === 'upgrade') ? 'upgrade' : 'install';
try {
    $result = pm_ApiCli::callSbin('spamtrace-service', [$verb], pm_ApiCli::RESULT_FULL);
} catch (pm_Exception $e) {
    echo "spamtrace: the service helper could not run: " . $e->getMessage() . "\n";
    exit(0);
}
if ((int) $result['code'] !== 0) {
    echo "spamtrace: the extension is installed, but its service is not running: " . trim($result['stderr'])
        . "\nThe extension's page shows the state and what to do.\n";
    exit(0);
}
echo trim($result['stdout']) . "\n";
exit(0);
