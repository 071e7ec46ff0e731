<?php
// Test helper: signs a token with the extension's own code (plesk/plib/library/Token.php),
// reading the key from a file exactly as the controller does.
// Usage: php sign-token.php KEYFILE ROLE LOGIN SCOPE_JSON NOW TTL [IMPERSONATED_BY]
require __DIR__ . '/../../../plesk/plib/library/Token.php';

if ($argc < 7) {
    fwrite(STDERR, "usage: sign-token.php KEYFILE ROLE LOGIN SCOPE_JSON NOW TTL [IMPERSONATED_BY]\n");
    exit(2);
}
try {
    $key = Modules_Spamtrace_Token::readKey($argv[1]);
    $scope = json_decode($argv[4], true);
    if (!is_array($scope)) {
        throw new RuntimeException('scope is not a JSON object');
    }
    echo Modules_Spamtrace_Token::issue($argv[2], $argv[3], $scope, (int) $argv[5], (int) $argv[6], $key, $argc > 7 ? $argv[7] : null);
} catch (RuntimeException $e) {
    fwrite(STDERR, $e->getMessage() . "\n");
    exit(1);
}
