<?php
/**
 * Signs the panel token the Node service checks (src/auth/panel-token.ts holds the
 * same definition; change both or neither):
 *
 *     token   = B64URL(payload) "." B64URL(HMAC-SHA256(key, B64URL(payload)))
 *     payload = JSON {"v":1,"role","login","scope","iat","exp","jti"[,"impersonatedBy"]}
 *
 * No Plesk classes in here, so php-cli can run this exact code in the tests
 * (test/unit/auth/sign-token.php). Plesk autoloads plib/library/Token.php as
 * Modules_Spamtrace_Token (Extensions Guide, "Extension Structure": plib/library).
 */
class Modules_Spamtrace_Token
{
    const VERSION = 1;
    const MIN_KEY_BYTES = 32;
    const MAX_KEY_BYTES = 4096;
    /** src/auth/forwarded-request.ts: FORWARD_KEY_LABEL */
    const FORWARD_KEY_LABEL = 'spamtrace forwarded request v1';
    /** one forwarded request; the service refuses more than 120 s */
    const FORWARD_TTL = 60;

    /**
     * A token for one user, valid from $now for $ttl seconds.
     *
     * @param string $role admin | reseller | customer
     * @param string $login the Plesk login
     * @param array $scope ['kind' => 'all'] | ['kind' => 'reseller', 'reseller' => login]
     *                     | ['kind' => 'customer', 'customer' => login, 'subscriptions' => [domain, ...]]
     * @param int $now epoch seconds
     * @param int $ttl lifetime in seconds (the service refuses more than 600)
     * @param string $key the secret, see readKey()
     * @param string|null $impersonatedBy admin/reseller login when they act as this customer
     * @return string
     */
    public static function issue($role, $login, array $scope, $now, $ttl, $key, $impersonatedBy = null)
    {
        $claims = [
            'v' => self::VERSION,
            'role' => (string) $role,
            'login' => (string) $login,
            'scope' => $scope,
            'iat' => (int) $now,
            'exp' => (int) $now + (int) $ttl,
            'jti' => bin2hex(random_bytes(16)),
        ];
        if ($impersonatedBy !== null) {
            $claims['impersonatedBy'] = (string) $impersonatedBy;
        }
        return self::sign($claims, $key);
    }

    /**
     * The identity the forwarder sends with one request (src/auth/forwarded-request.ts holds
     * the same definition): the panel token's claims plus the method "m", the service path
     * with query "p", the base path "b" the browser sees, "sid" (SHA-256 hex of the Plesk
     * session id, or "") and "loc" (the panel's locale), signed with a key derived from the
     * panel key so that it can never pass as a sign-in token or the other way round.
     *
     * @param array $who Modules_Spamtrace_Identity::current()
     */
    public static function issueForwarded(array $who, $method, $path, $base, $sid, $locale, $now, $key)
    {
        $claims = [
            'v' => self::VERSION,
            'role' => (string) $who['role'],
            'login' => (string) $who['login'],
            'scope' => $who['scope'],
            'iat' => (int) $now,
            'exp' => (int) $now + self::FORWARD_TTL,
            'jti' => bin2hex(random_bytes(16)),
            'm' => (string) $method,
            'p' => (string) $path,
            'b' => (string) $base,
            'sid' => (string) $sid,
        ];
        if (isset($who['impersonatedBy']) && $who['impersonatedBy'] !== null) {
            $claims['impersonatedBy'] = (string) $who['impersonatedBy'];
        }
        if (is_string($locale) && preg_match('/^[A-Za-z]{2}(?:[-_][A-Za-z]{2})?$/', $locale)) {
            $claims['loc'] = $locale;
        }
        return self::sign($claims, hash_hmac('sha256', self::FORWARD_KEY_LABEL, $key, true));
    }

    /** Signs any claims array; issue() is the one the controller uses. */
    public static function sign(array $claims, $key)
    {
        $json = json_encode($claims, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
        if ($json === false) {
            // Invalid UTF-8 in a login would otherwise become an empty payload.
            throw new RuntimeException('spamtrace: token claims are not valid UTF-8');
        }
        $body = self::base64url($json);
        return $body . '.' . self::base64url(hash_hmac('sha256', $body, $key, true));
    }

    /**
     * The signing key from its file: the file's bytes with one trailing newline removed.
     * Refuses a file others could read or replace (mode must be 0600 or stricter, no
     * symlink): a leaked key lets anyone sign in as the admin.
     *
     * @param string $path
     * @return string
     */
    public static function readKey($path)
    {
        if (!is_string($path) || $path === '' || $path[0] !== '/') {
            throw new RuntimeException('spamtrace: signing key path must be absolute');
        }
        clearstatcache(true, $path);
        if (is_link($path) || !is_file($path)) {
            throw new RuntimeException("spamtrace: signing key $path is missing or not a regular file (run the installer: spamtrace-service install)");
        }
        $mode = fileperms($path) & 0777;
        if (($mode & 0077) !== 0) {
            throw new RuntimeException(sprintf('spamtrace: signing key %s has mode %04o; it must be 0600 (readable by its owner only)', $path, $mode));
        }
        $key = file_get_contents($path, false, null, 0, self::MAX_KEY_BYTES + 2);
        if ($key === false) {
            throw new RuntimeException("spamtrace: signing key $path is not readable by this process");
        }
        if (substr($key, -1) === "\n") {
            $key = substr($key, 0, -1);
        }
        if (strlen($key) < self::MIN_KEY_BYTES || strlen($key) > self::MAX_KEY_BYTES) {
            throw new RuntimeException(sprintf('spamtrace: signing key %s must hold %d to %d bytes', $path, self::MIN_KEY_BYTES, self::MAX_KEY_BYTES));
        }
        return $key;
    }

    /** RFC 4648 section 5, without padding. */
    public static function base64url($bytes)
    {
        return rtrim(strtr(base64_encode($bytes), '+/', '-_'), '=');
    }
}
