<?php
/**
 * Reads panel-manifest (key = value lines, '#' comments), the one file that tells this
 * shim where the Node service is and where the signing key lives. No Plesk classes here,
 * so php-cli can check it against the packaged file (test/integration/plesk-package.test.ts).
 * Autoloaded as Modules_Spamtrace_Manifest from plib/library/ (Extensions Guide,
 * "Extension Structure").
 */
class Modules_Spamtrace_Manifest
{
    const MAX_BYTES = 65536;

    /** @var string[] keys the controller cannot work without */
    public static $required = [
        'service.listen',
        'auth.secret_file',
        'auth.token_ttl_seconds',
        'entry.admin',
        'entry.reseller',
        'entry.customer',
    ];

    /**
     * @param string $path
     * @return array<string,string>
     */
    public static function read($path)
    {
        $text = @file_get_contents($path, false, null, 0, self::MAX_BYTES);
        if ($text === false) {
            throw new RuntimeException("spamtrace: cannot read the panel manifest $path");
        }
        $values = [];
        foreach (preg_split('/\r?\n/', $text) as $n => $line) {
            $line = trim($line);
            if ($line === '' || $line[0] === '#') {
                continue;
            }
            if (!preg_match('/^([a-z][a-z0-9_.]*)\s*=\s*(.*)$/', $line, $m)) {
                throw new RuntimeException(sprintf('spamtrace: panel manifest line %d is not "key = value"', $n + 1));
            }
            $values[$m[1]] = $m[2];
        }
        foreach (self::$required as $key) {
            if (!isset($values[$key]) || $values[$key] === '') {
                throw new RuntimeException("spamtrace: panel manifest $path lacks $key");
            }
        }
        $ttl = (int) $values['auth.token_ttl_seconds'];
        if ($ttl < 10 || $ttl > 600) {
            throw new RuntimeException('spamtrace: auth.token_ttl_seconds must be 10 to 600');
        }
        return $values;
    }
}
