<?php
// Runs after "plesk bin extension --install" (Extensions Guide, "Extension Structure":
// plib/scripts/post-install.php): installs and starts the Node service as root through
// the extension's privileged helper. Failure is reported and makes the install fail,
// rather than leaving a page that cannot open.
pm_Context::init('spamtrace');
$result = pm_ApiCli::callSbin('spamtrace-service', ['install'], pm_ApiCli::RESULT_FULL);
if ($result['code'] !== 0) {
    echo "spamtrace: installing the service failed: " . trim($result['stderr']) . "\n";
    exit(1);
}
echo trim($result['stdout']) . "\n";
exit(0);
