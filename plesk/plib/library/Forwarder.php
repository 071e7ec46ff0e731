<?php
/**
 * Shows the Node service through the panel's own origin: every request to
 * /modules/spamtrace/index.php/ui/PATH is forwarded to the service on loopback
 * (service.listen of the panel manifest) with a signed identity for exactly this request
 * (Token::issueForwarded), and the service's answer goes back to the browser. No extra
 * port, certificate or firewall rule; the service is never reachable from outside and
 * answers nothing without the identity (serve --forwarded-only).
 *
 * The transport (servicePath, send, relayable) uses no Plesk classes, so php-cli runs it in
 * the tests; handle() is the glue to pm_Session (plesk/pm-api-stubs pm/Session.php:
 * isExist, getClient), pm_Context (pm/Context.php: getBaseUrl, getPlibDir) and pm_Locale
 * (pm/Locale.php: getCode).
 *
 * Why a plain script behind htdocs/index.php and not a controller action: the service's
 * paths (/subscriptions/ID/plan, /static/app.css) are not Zend's controller/action/params
 * shape, and the answer must go out byte for byte, without the panel's layout.
 */
class Modules_Spamtrace_Forwarder
{
    /** the part after index.php that is forwarded */
    const PREFIX = '/ui';
    const MAX_BODY_BYTES = 307200;
    const MAX_RESPONSE_BYTES = 33554432;
    const TIMEOUT_SECONDS = 60;

    /** response headers the browser gets from the service; everything else stays behind */
    public static $relayed = [
        'content-type', 'location', 'cache-control', 'content-security-policy', 'x-frame-options',
        'x-content-type-options', 'referrer-policy', 'permissions-policy', 'cross-origin-resource-policy',
        'content-disposition', 'set-cookie',
    ];

    /**
     * The service path (with query) of a request URI under $base, or null when the URI is
     * not below it or holds anything but printable ASCII (the request line is built from it).
     *
     * @param string $requestUri $_SERVER['REQUEST_URI'], raw, e.g. /modules/spamtrace/index.php/ui/scans?x=1
     * @param string $base e.g. /modules/spamtrace/index.php/ui
     * @return string|null e.g. /scans?x=1
     */
    public static function servicePath($requestUri, $base)
    {
        if (!is_string($requestUri) || strlen($requestUri) > 8192) {
            return null;
        }
        if ($requestUri === $base || strpos($requestUri, $base . '?') === 0) {
            $path = '/' . substr($requestUri, strlen($base));
        } elseif (strpos($requestUri, $base . '/') === 0) {
            $path = substr($requestUri, strlen($base));
        } else {
            return null;
        }
        if (!preg_match('#^/[\x21-\x7e]*$#', $path) || strpos($path, '#') !== false) {
            return null;
        }
        return $path;
    }

    /**
     * One HTTP/1.0 exchange with the service (Connection: close, so the answer ends with the
     * connection and is never chunked). fsockopen is core PHP: no curl needed.
     *
     * @param string $listen host:port, e.g. 127.0.0.1:8765
     * @param array<string,string> $headers extra request headers (already checked)
     * @return array{status:int, headers:array<int,array{0:string,1:string}>, body:string}
     */
    public static function send($listen, $method, $path, $token, array $headers, $body, $timeout = self::TIMEOUT_SECONDS)
    {
        if (!preg_match('/^(127\.0\.0\.1|\[::1\]|localhost):([0-9]{1,5})$/', $listen, $m)) {
            throw new RuntimeException('spamtrace: service.listen must be a loopback address with a port');
        }
        $socket = @fsockopen($m[1] === '[::1]' ? 'tcp://[::1]' : 'tcp://' . $m[1], (int) $m[2], $errno, $errstr, 5);
        if ($socket === false) {
            throw new RuntimeException("spamtrace: the service does not answer on $listen ($errstr)");
        }
        stream_set_timeout($socket, $timeout);
        $head = "$method $path HTTP/1.0\r\nHost: $listen\r\nConnection: close\r\nX-Spamtrace-Forwarded: $token\r\n";
        foreach ($headers as $name => $value) {
            $head .= "$name: $value\r\n";
        }
        if ($method === 'POST') {
            $head .= 'Content-Length: ' . strlen($body) . "\r\n";
        }
        fwrite($socket, $head . "\r\n" . ($method === 'POST' ? $body : ''));
        $raw = '';
        while (!feof($socket) && strlen($raw) <= self::MAX_RESPONSE_BYTES) {
            $chunk = fread($socket, 65536);
            if ($chunk === false || ($chunk === '' && stream_get_meta_data($socket)['timed_out'])) {
                break;
            }
            $raw .= $chunk;
        }
        fclose($socket);
        return self::parseResponse($raw);
    }

    /** @return array{status:int, headers:array<int,array{0:string,1:string}>, body:string} */
    public static function parseResponse($raw)
    {
        $end = strpos($raw, "\r\n\r\n");
        if ($end === false || !preg_match('#^HTTP/1\.[01] ([1-5][0-9][0-9])#', $raw, $m)) {
            throw new RuntimeException('spamtrace: the service sent no valid HTTP answer');
        }
        $headers = [];
        foreach (array_slice(explode("\r\n", substr($raw, 0, $end)), 1) as $line) {
            $colon = strpos($line, ':');
            if ($colon === false) {
                continue;
            }
            $headers[] = [strtolower(trim(substr($line, 0, $colon))), trim(substr($line, $colon + 1))];
        }
        return ['status' => (int) $m[1], 'headers' => $headers, 'body' => substr($raw, $end + 4)];
    }

    /**
     * Whether a response header goes to the browser: the listed ones, and of cookies only the
     * service's language choice (the panel's own cookies are never touched).
     */
    public static function relayable($name, $value)
    {
        if (!in_array($name, self::$relayed, true) || preg_match('/[\r\n]/', $value)) {
            return false;
        }
        return $name !== 'set-cookie' || strpos($value, 'spamtrace_lang=') === 0;
    }

    /** The request headers the service needs (and nothing of the panel's: no cookies, no auth). */
    public static function requestHeaders(array $server, array $cookies)
    {
        $out = [];
        $copy = ['HTTP_ACCEPT' => 'Accept', 'HTTP_ACCEPT_LANGUAGE' => 'Accept-Language', 'CONTENT_TYPE' => 'Content-Type'];
        foreach ($copy as $key => $name) {
            if (isset($server[$key]) && is_string($server[$key]) && preg_match('/^[\x20-\x7e]{1,500}$/', $server[$key])) {
                $out[$name] = $server[$key];
            }
        }
        if (isset($cookies['spamtrace_lang']) && is_string($cookies['spamtrace_lang']) && preg_match('/^[a-z]{2}$/', $cookies['spamtrace_lang'])) {
            $out['Cookie'] = 'spamtrace_lang=' . $cookies['spamtrace_lang'];
        }
        return $out;
    }

    /**
     * Forwards the current request. Called by htdocs/index.php after pm_Context::init for
     * URIs under index.php/ui; ends the request.
     */
    public static function handle()
    {
        $base = rtrim(pm_Context::getBaseUrl(), '/') . '/index.php' . self::PREFIX;
        $path = self::servicePath(isset($_SERVER['REQUEST_URI']) ? $_SERVER['REQUEST_URI'] : '', $base);
        $method = isset($_SERVER['REQUEST_METHOD']) ? $_SERVER['REQUEST_METHOD'] : 'GET';
        if ($path === null) {
            return self::fail(404, 'Not found.', 'Nicht gefunden.');
        }
        if (!in_array($method, ['GET', 'HEAD', 'POST'], true)) {
            return self::fail(405, 'Method not allowed.', 'Methode nicht erlaubt.');
        }
        if (!pm_Session::isExist()) {
            return self::fail(403, 'Please log in to Plesk.', 'Bitte in Plesk anmelden.');
        }
        try {
            $manifest = Modules_Spamtrace_Manifest::read(pm_Context::getPlibDir() . 'panel-manifest');
            $who = Modules_Spamtrace_Identity::current();
            $key = Modules_Spamtrace_Token::readKey($manifest['auth.secret_file']);
        } catch (Exception $e) {
            return self::fail(500, $e->getMessage(), $e->getMessage());
        }
        $body = '';
        if ($method === 'POST') {
            $body = (string) file_get_contents('php://input', false, null, 0, self::MAX_BODY_BYTES + 1);
            if (strlen($body) > self::MAX_BODY_BYTES) {
                return self::fail(413, 'The form is too large.', 'Das Formular ist zu groß.');
            }
        }
        $sid = session_id() !== '' ? hash('sha256', session_id()) : '';
        $token = Modules_Spamtrace_Token::issueForwarded($who, $method, $path, $base, $sid, pm_Locale::getCode(), time(), $key);
        try {
            $answer = self::send($manifest['service.listen'], $method, $path, $token, self::requestHeaders($_SERVER, $_COOKIE), $body);
        } catch (RuntimeException $e) {
            return self::fail(502, $e->getMessage() . ' See the spamtrace extension page for the service state.',
                $e->getMessage() . ' Den Zustand des Dienstes zeigt die Seite der spamtrace-Erweiterung.');
        }
        http_response_code($answer['status']);
        foreach ($answer['headers'] as $h) {
            if (self::relayable($h[0], $h[1])) {
                header(self::headerName($h[0]) . ': ' . $h[1], false);
            }
        }
        if ($method !== 'HEAD') {
            echo $answer['body'];
        }
        exit(0);
    }

    private static function headerName($lower)
    {
        return implode('-', array_map('ucfirst', explode('-', $lower)));
    }

    private static function fail($status, $en, $de)
    {
        http_response_code($status);
        header('Content-Type: text/plain; charset=utf-8');
        header('Cache-Control: no-store');
        echo "spamtrace: $en\nspamtrace: $de\n";
        exit(0);
    }
}
