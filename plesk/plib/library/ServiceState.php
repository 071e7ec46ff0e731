<?php
/**
 * The service's state for the extension page, from the root helper
 * (pm_ApiCli::callSbin, plesk/pm-api-stubs pm/ApiCli.php: "Execute privileged CLI
 * utility", RESULT_FULL gives code, stdout and stderr). `spamtrace-service status` prints
 * "running", or "stopped" followed by what the service's start check says is wrong
 * (a native module that does not load, no Node >= 20, a bad key file).
 */
class Modules_Spamtrace_ServiceState
{
    /** @return array{running:bool, text:string} */
    public static function read()
    {
        try {
            $r = pm_ApiCli::callSbin('spamtrace-service', ['status'], pm_ApiCli::RESULT_FULL);
        } catch (Exception $e) {
            return ['running' => false, 'text' => $e->getMessage()];
        }
        $out = trim((string) $r['stdout'] . "\n" . (string) $r['stderr']);
        return ['running' => (int) $r['code'] === 0, 'text' => substr($out, 0, 4000)];
    }
}
