/**
 * The panel token across the language boundary: tokens are signed by the extension's own
 * PHP (plesk/plib/library/Token.php, run by php-cli) and verified by the Node service.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHmac, randomBytes } from 'node:crypto';
import { packageRoot } from '../../../src/package-root';
import { signPanelToken, verifyPanelToken } from '../../../src/auth/panel-token';

const dir = mkdtempSync(join(tmpdir(), 'spamtrace-token-'));
const KEY = randomBytes(32).toString('base64');
const keyFile = join(dir, 'panel-secret');
writeFileSync(keyFile, `${KEY}\n`, { mode: 0o600 });
const NOW = 1_790_000_000;
const phpAvailable = spawnSync('php', ['--version']).status === 0;
const skip = phpAvailable ? false : 'php-cli is not installed (Debian: php-cli)';

process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

function phpSign(args: string[]): { status: number | null; token: string; stderr: string } {
  const script = join(packageRoot(), 'test', 'unit', 'auth', 'sign-token.php');
  const r = spawnSync('php', [script, ...args], { encoding: 'utf8' });
  return { status: r.status, token: r.stdout, stderr: r.stderr };
}

function signed(role: string, login: string, scope: object, now = NOW, ttl = 300, key = keyFile, extra: string[] = []): string {
  const r = phpSign([key, role, login, JSON.stringify(scope), String(now), String(ttl), ...extra]);
  assert.equal(r.status, 0, r.stderr);
  return r.token;
}

test('an admin token signed by the PHP controller code verifies in Node with role, login, scope and expiry', { skip }, () => {
  const v = verifyPanelToken(signed('admin', 'admin', { kind: 'all' }), KEY, NOW + 10);
  assert.equal(v.ok, true, JSON.stringify(v));
  if (!v.ok) return;
  assert.equal(v.identity.role, 'admin');
  assert.equal(v.identity.login, 'admin');
  assert.deepEqual(v.identity.scope, { kind: 'all' });
  assert.equal(v.identity.iat, NOW);
  assert.equal(v.identity.exp, NOW + 300);
  assert.match(v.identity.jti, /^[0-9a-f]{32}$/);
});

test('a reseller token carries the reseller scope, a customer token its subscriptions', { skip }, () => {
  const r = verifyPanelToken(signed('reseller', 'res1', { kind: 'reseller', reseller: 'res1' }), KEY, NOW);
  assert.deepEqual(r.ok && r.identity.scope, { kind: 'reseller', reseller: 'res1' });
  const c = verifyPanelToken(
    signed('customer', 'web274', { kind: 'customer', customer: 'web274', subscriptions: ['xxx.de', 'Beispiel.DE'] }),
    KEY,
    NOW,
  );
  assert.deepEqual(c.ok && c.identity.scope, { kind: 'customer', customer: 'web274', subscriptions: ['xxx.de', 'beispiel.de'] });
});

test('a login with umlauts, quotes and slashes survives PHP json_encode and Node JSON.parse', { skip }, () => {
  const login = 'müller "o\'brien" a/b\\c';
  const v = verifyPanelToken(signed('customer', login, { kind: 'customer', customer: login, subscriptions: [] }), KEY, NOW);
  assert.equal(v.ok && v.identity.login, login);
});

test('an admin who opened the panel as a customer is named in impersonatedBy', { skip }, () => {
  const t = signed('customer', 'web9', { kind: 'customer', customer: 'web9', subscriptions: ['a.example'] }, NOW, 300, keyFile, ['admin']);
  const v = verifyPanelToken(t, KEY, NOW);
  assert.equal(v.ok && v.identity.impersonatedBy, 'admin');
});

test('an expired token is refused at its exp second and after', { skip }, () => {
  const t = signed('admin', 'admin', { kind: 'all' });
  assert.equal(verifyPanelToken(t, KEY, NOW + 299).ok, true);
  const v = verifyPanelToken(t, KEY, NOW + 300);
  assert.equal(!v.ok && v.reason, 'expired');
});

test('a token issued in the future beyond the clock skew is refused', { skip }, () => {
  const t = signed('admin', 'admin', { kind: 'all' }, NOW + 120);
  const v = verifyPanelToken(t, KEY, NOW);
  assert.equal(!v.ok && v.reason, 'not-yet-valid');
  assert.equal(verifyPanelToken(signed('admin', 'admin', { kind: 'all' }, NOW + 20), KEY, NOW).ok, true);
});

test('a token living longer than 10 minutes is refused even with a valid signature', { skip }, () => {
  const v = verifyPanelToken(signed('admin', 'admin', { kind: 'all' }, NOW, 3600), KEY, NOW);
  assert.equal(!v.ok && v.reason, 'lifetime-too-long');
});

test('a token signed with another key is refused', { skip }, () => {
  const other = join(dir, 'other-secret');
  writeFileSync(other, randomBytes(32).toString('hex'), { mode: 0o600 });
  const v = verifyPanelToken(signed('admin', 'admin', { kind: 'all' }, NOW, 300, other), KEY, NOW);
  assert.equal(!v.ok && v.reason, 'bad-signature');
});

test('a customer who rewrites the payload to admin keeps the old signature and is refused', { skip }, () => {
  const t = signed('customer', 'web9', { kind: 'customer', customer: 'web9', subscriptions: [] });
  const [, mac] = t.split('.');
  const forged = Buffer.from(JSON.stringify({ v: 1, role: 'admin', login: 'web9', scope: { kind: 'all' }, iat: NOW, exp: NOW + 300, jti: '0'.repeat(32) })).toString('base64url');
  const v = verifyPanelToken(`${forged}.${mac}`, KEY, NOW);
  assert.equal(!v.ok && v.reason, 'bad-signature');
});

test('malformed tokens are refused as malformed, never thrown', () => {
  const someMac = signPanelToken({}, KEY).split('.')[1];
  for (const bad of ['', 'abc', 'a.b.c', 'a b.c', 'YQ==.YQ', `${'x'.repeat(300_000)}.a`, `.${someMac}`]) {
    const v = verifyPanelToken(bad, KEY, NOW);
    assert.equal(v.ok, false, bad.slice(0, 20));
    assert.equal(!v.ok && v.reason, 'malformed', bad.slice(0, 20));
  }
});

test('a correctly signed payload that breaks the rules is malformed: role and scope must agree', () => {
  const base = { v: 1, login: 'web9', iat: NOW, exp: NOW + 300, jti: 'ab'.repeat(16) };
  const cases: Array<[string, object]> = [
    ['customer claiming all', { ...base, role: 'customer', scope: { kind: 'all' } }],
    ['reseller scope for another reseller', { ...base, role: 'reseller', scope: { kind: 'reseller', reseller: 'other' } }],
    ['unknown role', { ...base, role: 'root', scope: { kind: 'all' } }],
    ['version 2', { ...base, v: 2, role: 'admin', scope: { kind: 'all' } }],
    ['control character in login', { ...base, login: 'a\nb', role: 'admin', scope: { kind: 'all' } }],
    ['subscription with a slash', { ...base, role: 'customer', scope: { kind: 'customer', customer: 'web9', subscriptions: ['../etc'] } }],
    ['fractional exp', { ...base, exp: NOW + 0.5, role: 'admin', scope: { kind: 'all' } }],
    ['missing jti', { ...base, jti: undefined, role: 'admin', scope: { kind: 'all' } }],
  ];
  for (const [name, claims] of cases) {
    const v = verifyPanelToken(signPanelToken(claims, KEY), KEY, NOW);
    assert.equal(!v.ok && v.reason, 'malformed', name);
  }
  const notJson = Buffer.from('{"v":1,').toString('base64url');
  const mac = createHmac('sha256', KEY).update(notJson).digest('base64url');
  const v = verifyPanelToken(`${notJson}.${mac}`, KEY, NOW);
  assert.equal(!v.ok && v.reason, 'malformed', 'signed text that is not JSON');
});

test('a key shorter than 32 bytes verifies nothing', () => {
  const v = verifyPanelToken(signPanelToken({ v: 1 }, 'short'), 'short', NOW);
  assert.equal(!v.ok && v.reason, 'bad-signature');
});

test('the PHP side refuses a signing key others can read', { skip }, () => {
  const loose = join(dir, 'loose-secret');
  writeFileSync(loose, KEY);
  chmodSync(loose, 0o644);
  const r = phpSign([loose, 'admin', 'admin', '{"kind":"all"}', String(NOW), '300']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /mode 0644; it must be 0600/);
});
