import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JUNK, parseAccessLine } from '../../../../src/collect/accesslog/parse-line';
import type { WebRequest } from '../../../../src/domain/weblog';

function ok(line: string): WebRequest {
  const r = parseAccessLine(line, '/logs/access_log', 7);
  assert.equal(r.ok, true, `should parse: ${line} (${r.ok ? '' : r.reason})`);
  return (r as { request: WebRequest }).request;
}

function junk(line: string): string {
  const r = parseAccessLine(line);
  assert.equal(r.ok, false, `should be junk: ${line}`);
  return (r as { reason: string }).reason;
}

test('an Apache combined line gives every field, the time in UTC from its offset', () => {
  const r = ok('93.120.196.244 - - [22/Feb/2014:06:30:16 +0100] "POST /wp-content/uploads/xmlrpclAag.php?a=1&b=2 HTTP/1.1" 200 372 "-" "Mozilla/5.0 (compatible)"');
  assert.deepEqual(r, {
    time: new Date('2014-02-22T05:30:16Z'),
    client: '93.120.196.244',
    vhost: null,
    method: 'POST',
    path: '/wp-content/uploads/xmlrpclAag.php',
    query: 'a=1&b=2',
    status: 200,
    bytes: 372,
    referer: null,
    userAgent: 'Mozilla/5.0 (compatible)',
    file: '/logs/access_log',
    line: 7,
  });
});

test('the common format (no referer, no agent) and a "-" size parse', () => {
  const r = ok('10.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 304 -');
  assert.equal(r.time.toISOString(), '2000-10-10T20:55:36.000Z');
  assert.equal(r.bytes, null);
  assert.equal(r.status, 304);
  assert.equal(r.referer, null);
  assert.equal(r.userAgent, null);
});

test('vhost_combined (%v:%p) gives the vhost without its port', () => {
  const r = ok('www.example.de:443 1.2.3.4 - - [22/Feb/2014:06:30:16 +0100] "GET / HTTP/1.1" 200 5 "-" "curl/7.26.0"');
  assert.equal(r.vhost, 'www.example.de');
  assert.equal(r.client, '1.2.3.4');
});

test('a vhost prefix without a port (Plesk/Confixx style) is the vhost', () => {
  const r = ok('example.de 1.2.3.4 - - [22/Feb/2014:06:30:16 +0100] "POST /kontakt/ HTTP/1.1" 302 0 "http://example.de/kontakt/" "Mozilla/5.0"');
  assert.equal(r.vhost, 'example.de');
  assert.equal(r.client, '1.2.3.4');
  assert.equal(r.referer, 'http://example.de/kontakt/');
});

test("nginx's combined line (Plesk proxy_access_log) parses; its \\x22 escapes stay as logged", () => {
  const r = ok('203.0.113.9 - - [22/Feb/2014:06:30:16 +0100] "POST /xmlrpc.php HTTP/1.1" 499 0 "-" "Mozilla/5.0 \\x22quoted\\x22"');
  assert.equal(r.userAgent, 'Mozilla/5.0 \\x22quoted\\x22');
  assert.equal(r.status, 499);
});

test('IPv6 clients parse, alone and behind a vhost with a port', () => {
  assert.equal(ok('2001:db8::1 - - [22/Feb/2014:06:30:16 +0100] "GET / HTTP/1.1" 200 5 "-" "-"').client, '2001:db8::1');
  const r = ok('example.de:80 2001:db8:0:0:8:800:200c:417a - - [22/Feb/2014:06:30:16 +0100] "GET / HTTP/1.1" 200 5 "-" "-"');
  assert.equal(r.vhost, 'example.de');
  assert.equal(r.client, '2001:db8:0:0:8:800:200c:417a');
  assert.equal(ok('::ffff:192.0.2.1 - - [22/Feb/2014:06:30:16 +0100] "GET / HTTP/1.1" 200 5').client, '::ffff:192.0.2.1');
});

test('escaped quotes and backslashes inside request, referer and agent are undone', () => {
  const r = ok('1.2.3.4 - - [22/Feb/2014:06:30:16 +0100] "GET /a\\"b\\\\c?q=\\"x\\" HTTP/1.1" 404 10 "http://x/\\"r\\"" "agent \\"quoted\\" \\\\ end\\\\"');
  assert.equal(r.path, '/a"b\\c');
  assert.equal(r.query, 'q="x"');
  assert.equal(r.referer, 'http://x/"r"');
  assert.equal(r.userAgent, 'agent "quoted" \\ end\\');
});

test('a request line without protocol (HTTP/0.9) and one with spaces in the target keep the target', () => {
  assert.equal(ok('1.2.3.4 - - [22/Feb/2014:06:30:16 +0100] "GET /old" 200 5').path, '/old');
  assert.equal(ok('1.2.3.4 - - [22/Feb/2014:06:30:16 +0100] "GET /a b HTTP/1.1" 400 5').path, '/a b');
});

test('a user name holding "[" does not hide the time', () => {
  const r = ok('1.2.3.4 - [bob] [22/Feb/2014:06:30:16 +0100] "GET / HTTP/1.1" 200 5');
  assert.equal(r.time.toISOString(), '2014-02-22T05:30:16.000Z');
});

test('extra fields after the agent (custom formats) are ignored', () => {
  const r = ok('1.2.3.4 - - [22/Feb/2014:06:30:16 +0100] "GET / HTTP/1.1" 200 5 "-" "ua" 0.003 "upstream"');
  assert.equal(r.userAgent, 'ua');
});

test('junk lines are refused with a reason, never thrown', () => {
  assert.equal(junk('this is not a log line'), JUNK.noTime);
  assert.equal(junk(''), JUNK.noTime);
  assert.equal(junk('\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03'), JUNK.noTime);
  assert.equal(junk('1.2.3.4 - - [31/Feb/2014:06:30:16 +0100] "GET / HTTP/1.1" 200 5'), JUNK.noTime);
  assert.equal(junk('1.2.3.4 - - [22/Feb/2014:25:30:16 +0100] "GET / HTTP/1.1" 200 5'), JUNK.noTime);
  assert.equal(junk('1.2.3.4 - - [22/Feb/2014:06:30:16 0100] "GET / HTTP/1.1" 200 5'), JUNK.noTime);
  assert.equal(junk('a b c d e [22/Feb/2014:06:30:16 +0100] "GET / HTTP/1.1" 200 5'), JUNK.prefix);
  assert.equal(junk('1.2.3.4 - [22/Feb/2014:06:30:16 +0100] "GET / HTTP/1.1" 200 5'), JUNK.prefix);
  assert.equal(junk('1.2.3.<4 - - [22/Feb/2014:06:30:16 +0100] "GET / HTTP/1.1" 200 5'), JUNK.prefix);
  assert.equal(junk('1.2.3.4 - john doe [22/Feb/2014:06:30:16 +0100] "GET / HTTP/1.1" 200 5'), JUNK.prefix);
  assert.equal(junk('1.2.3.4 - - [22/Feb/2014:06:30:16 +0100] GET / HTTP/1.1 200 5'), JUNK.noRequest);
  assert.equal(junk('1.2.3.4 - - [22/Feb/2014:06:30:16 +0100] "GET / HTTP/1.1 200 5'), JUNK.unterminated);
  assert.equal(junk('1.2.3.4 - - [22/Feb/2014:06:30:16 +0100] "GET / HTTP/1.1" 2x0 5'), JUNK.status);
  assert.equal(junk('1.2.3.4 - - [22/Feb/2014:06:30:16 +0100] "GET / HTTP/1.1" 1e2 5'), JUNK.status);
  assert.equal(junk('1.2.3.4 - - [22/Feb/2014:06:30:16 +0100] "GET / HTTP/1.1" 200 0x10'), JUNK.size);
  assert.equal(junk('1.2.3.4 - - [22/Feb/2014:06:30:16 +0100] "-" 408 0 "-" "-"'), JUNK.noMethod);
  assert.equal(junk('1.2.3.4 - - [22/Feb/2014:06:30:16 +0100] "\\x16\\x03\\x01" 400 0 "-" "-"'), JUNK.noMethod);
  assert.equal(junk('1.2.3.4 - - [22/Feb/2014:06:30:16 +0100] "get / HTTP/1.1" 200 5'), JUNK.noMethod);
});

// a hang guard, not a speed target (speed lives in npm run bench): a backtracking parser
// would not finish these within the runner's timeout
test('hostile lines are parsed without backtracking: 64 KiB of "[", of \\" and of spaces', { timeout: 30_000 }, () => {
  const hostile = [
    '['.repeat(65536),
    `1.2.3.4 - - [22/Feb/2014:06:30:16 +0100] "${'\\"'.repeat(32768)}" 200 5`,
    `1.2.3.4 - - [22/Feb/2014:06:30:16 +0100] "GET ${' '.repeat(65536)}" 200 5`,
    `${'[22/Feb/2014:06:30:16 +0100'.repeat(2000)}`,
    `${' '.repeat(65536)}[22/Feb/2014:06:30:16 +0100] "GET / HTTP/1.1" 200 5`,
  ];
  for (const line of hostile) parseAccessLine(line);
  assert.equal(parseAccessLine(hostile[1]!).ok, false); // not a METHOD
});
