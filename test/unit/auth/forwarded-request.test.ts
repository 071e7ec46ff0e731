/**
 * The forwarded identity across the language boundary: signed by the extension's own PHP
 * (plesk/plib/library/Token.php issueForwarded, run by php-cli), verified by the service;
 * bound to method and path, short-lived, one use, never interchangeable with a sign-in token.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { packageRoot } from '../../../src/package-root';
import { forwardedCsrf, signForwarded, verifyForwarded, type ForwardCheck } from '../../../src/auth/forwarded-request';
import { signPanelToken, verifyPanelToken } from '../../../src/auth/panel-token';

const dir = mkdtempSync(join(tmpdir(), 'spamtrace-fwd-'));
const KEY_TEXT = randomBytes(32).toString('base64');
const KEY = Buffer.from(KEY_TEXT);
const keyFile = join(dir, 'panel-secret');
writeFileSync(keyFile, `${KEY_TEXT}\n`, { mode: 0o600 });
const NOW = 1_790_000_000;
const BASE = '/modules/spamtrace/index.php/ui';
const SID = 'b'.repeat(64);
const skip = spawnSync('php', ['--version']).status === 0 ? false : 'php-cli is not installed (Debian: php-cli)';
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const helper = join(packageRoot(), 'test', 'unit', 'auth', 'forward-helper.php');
function php(args: string[]): string {
  const r = spawnSync('php', [helper, ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}
const RESELLER = { role: 'reseller', login: 'r1', scope: { kind: 'reseller', reseller: 'r1' }, impersonatedBy: null };
const phpToken = (method: string, path: string, who: object = RESELLER, now = NOW) => php(['sign', keyFile, JSON.stringify(who), method, path, BASE, SID, 'de-DE', String(now)]);
/** the store's one-use rule, in memory */
const oneUse = (): ForwardCheck['claimJti'] => {
  const seen = new Set<string>();
  return (jti) => (seen.has(jti) ? false : (seen.add(jti), true));
};
const check = (method: string, path: string, over: Partial<ForwardCheck> = {}): ForwardCheck => ({ method, path, now: NOW + 5, claimJti: oneUse(), ...over });

test('a forwarded identity signed by the PHP forwarder verifies with who, base path, session binding and locale', { skip }, () => {
  const v = verifyForwarded(phpToken('GET', '/reseller?x=1'), KEY, check('GET', '/reseller?x=1'));
  assert.equal(v.ok, true, JSON.stringify(v));
  if (!v.ok) return;
  assert.equal(v.forwarded.identity.login, 'r1');
  assert.deepEqual(v.forwarded.identity.scope, { kind: 'reseller', reseller: 'r1' });
  assert.equal(v.forwarded.base, BASE);
  assert.equal(v.forwarded.sid, SID);
  assert.equal(v.forwarded.locale, 'de-DE');
  assert.equal(v.forwarded.identity.exp - v.forwarded.identity.iat, 60);
});

test('a forwarded identity is bound to its method and its path with query', { skip }, () => {
  const token = phpToken('GET', '/subscriptions/web274');
  assert.match(JSON.stringify(verifyForwarded(token, KEY, check('POST', '/subscriptions/web274'))), /bound to method/);
  assert.match(JSON.stringify(verifyForwarded(token, KEY, check('GET', '/subscriptions/kunde'))), /another path/);
  assert.match(JSON.stringify(verifyForwarded(token, KEY, check('GET', '/subscriptions/web274?a=1'))), /another path/);
});

test('a forwarded identity is good for one request: the second use is a replay', { skip }, () => {
  const token = phpToken('GET', '/reseller');
  const claimJti = oneUse();
  assert.equal(verifyForwarded(token, KEY, check('GET', '/reseller', { claimJti })).ok, true);
  assert.match(JSON.stringify(verifyForwarded(token, KEY, check('GET', '/reseller', { claimJti }))), /replayed/);
});

test('an expired forwarded identity is refused', { skip }, () => {
  assert.match(JSON.stringify(verifyForwarded(phpToken('GET', '/'), KEY, check('GET', '/', { now: NOW + 61 }))), /expired/);
});

test('a sign-in token is no forwarded identity, and a forwarded identity is no sign-in token', { skip }, () => {
  const login = signPanelToken({ v: 1, role: 'admin', login: 'admin', scope: { kind: 'all' }, iat: NOW, exp: NOW + 60, jti: 'a'.repeat(32), m: 'GET', p: '/', b: BASE, sid: '' }, KEY);
  assert.match(JSON.stringify(verifyForwarded(login, KEY, check('GET', '/'))), /bad-signature/);
  const fwd = phpToken('GET', '/', { role: 'admin', login: 'admin', scope: { kind: 'all' } });
  assert.equal(verifyPanelToken(fwd, KEY, NOW + 5).ok, false);
});

test('a forwarded identity living longer than 120 s, or with a base path that is not plain, is refused', () => {
  const claims = { v: 1, role: 'admin', login: 'admin', scope: { kind: 'all' }, iat: NOW, jti: 'c'.repeat(32), m: 'GET', p: '/', sid: '' };
  assert.match(JSON.stringify(verifyForwarded(signForwarded({ ...claims, exp: NOW + 300, b: BASE }, KEY), KEY, check('GET', '/'))), /lifetime-too-long/);
  for (const b of ['//evil.example/x', '/a/../b', 'https://evil.example', '/ui/', '/ui"x']) {
    const v = verifyForwarded(signForwarded({ ...claims, exp: NOW + 60, b }, KEY), KEY, check('GET', '/'));
    assert.match(JSON.stringify(v), /base path/, b);
  }
});

test('the CSRF token of a forwarded user differs per user and per Plesk session and is stable within one', () => {
  const id = (login: string, sid: string) => ({ identity: { role: 'reseller' as const, login, scope: { kind: 'reseller' as const, reseller: login }, iat: 0, exp: 1, jti: 'x' }, base: BASE, sid, locale: null });
  assert.equal(forwardedCsrf(KEY, id('r1', SID)), forwardedCsrf(KEY, id('r1', SID)));
  assert.notEqual(forwardedCsrf(KEY, id('r1', SID)), forwardedCsrf(KEY, id('r2', SID)));
  assert.notEqual(forwardedCsrf(KEY, id('r1', SID)), forwardedCsrf(KEY, id('r1', 'c'.repeat(64))));
  assert.notEqual(forwardedCsrf(KEY, id('r1', SID)), forwardedCsrf(randomBytes(32), id('r1', SID)));
});

test('the PHP forwarder maps only URIs below its base path, raw, to service paths', { skip }, () => {
  const cases: [string, string][] = [
    [`${BASE}/subscriptions/web274?action=queue-hold&target=uid%3A4079`, '/subscriptions/web274?action=queue-hold&target=uid%3A4079'],
    [`${BASE}/static/app.css`, '/static/app.css'],
    [BASE, '/'],
    [`${BASE}?subscription=a.de`, '/?subscription=a.de'],
    [`${BASE}x/secret`, 'null'],
    ['/modules/other/index.php/ui/', 'null'],
    [`${BASE}/a b`, 'null'],
    [`${BASE}/\u00e4`, 'null'],
  ];
  for (const [uri, want] of cases) assert.equal(php(['path', uri, BASE]), want, uri);
});

test('the PHP forwarder passes on the service\'s headers it must and never a cookie but the language', { skip }, () => {
  assert.equal(php(['relay', 'content-security-policy', "default-src 'self'"]), 'yes');
  assert.equal(php(['relay', 'location', `${BASE}/reseller`]), 'yes');
  assert.equal(php(['relay', 'set-cookie', 'spamtrace_lang=de; Path=/']), 'yes');
  assert.equal(php(['relay', 'set-cookie', 'spamtrace_sid=abc; Path=/']), 'no');
  assert.equal(php(['relay', 'set-cookie', 'PLESKSESSID=abc; Path=/']), 'no');
  assert.equal(php(['relay', 'x-powered-by', 'Express']), 'no');
});
