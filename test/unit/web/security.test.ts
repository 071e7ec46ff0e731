/** CSRF, cookies, sessions, security headers and the panel token bridge, over real HTTP. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { contentSecurityPolicy } from '../../../src/web/security';
import { hashPassword, verifyPassword } from '../../../src/web/local-password';
import { ADMIN_PASSWORD, cookieOf, csrfIn, form, get, signIn, startTestApp, tokenFor, type TestApp } from './harness';

describe('CSRF: every state-changing request needs the session token', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  test('starting a scan without the token, with a wrong one or with another session\'s is refused; with its own it starts', async () => {
    const admin = await signIn(app, 'admin');
    const other = await signIn(app, 'admin');
    assert.notEqual(admin.csrf, other.csrf);
    // 'é' + ...: as many characters as the real token but more bytes (once a 500 from timingSafeEqual)
    for (const token of [undefined, 'x'.repeat(admin.csrf.length), 'é' + admin.csrf.slice(1), other.csrf, '']) {
      const fields: Record<string, string> = token === undefined ? {} : { _csrf: token };
      const r = await form(`${app.url}/scans`, fields, admin.cookie);
      assert.equal(r.status, 403, `token ${String(token)}`);
    }
    const ok = await form(`${app.url}/scans`, { _csrf: admin.csrf }, admin.cookie);
    assert.equal(ok.status, 303);
    assert.match(ok.headers.get('location') ?? '', /^\/scans\/\d+$/);
  });

  test('applying an action without the token changes nothing', async () => {
    const admin = await signIn(app, 'admin');
    const before = app.runner.calls.length;
    const r = await form(`${app.url}/subscriptions/web274/apply`, { action: 'queue-hold', target: 'uid:4079' }, admin.cookie);
    assert.equal(r.status, 403);
    assert.equal(app.runner.calls.length, before);
  });

  test('the login form needs the anonymous session\'s token too', async () => {
    const r = await form(`${app.url}/login`, { user: 'admin', password: ADMIN_PASSWORD });
    assert.equal(r.status, 403);
  });
});

describe('sessions and cookies', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  test('the session cookie is HttpOnly and SameSite=Strict, and Secure behind an https proxy', async () => {
    const plain = await form(`${app.url}/auth/panel`, { token: tokenFor('admin', app.key) });
    const c = plain.headers.get('set-cookie') ?? '';
    assert.match(c, /^spamtrace_sid=[A-Za-z0-9_-]{43};/);
    assert.match(c, /HttpOnly/);
    assert.match(c, /SameSite=Strict/);
    assert.doesNotMatch(c, /Secure/);
    const tls = await form(`${app.url}/auth/panel`, { token: tokenFor('admin', app.key) }, '', { 'x-forwarded-proto': 'https' });
    assert.match(tls.headers.get('set-cookie') ?? '', /; Secure/);
  });

  test('signing in replaces the anonymous session (no fixation) and logging out ends it', async () => {
    const anon = await signIn(app, 'anon');
    const r = await form(`${app.url}/login`, { user: 'admin', password: ADMIN_PASSWORD, _csrf: anon.csrf }, anon.cookie);
    assert.equal(r.status, 303);
    const cookie = cookieOf(r);
    assert.notEqual(cookie, anon.cookie);
    assert.equal((await get(`${app.url}/`, anon.cookie)).status, 303, 'the old id is not signed in');
    const page = await get(`${app.url}/`, cookie);
    assert.equal(page.status, 200);
    const out = await form(`${app.url}/logout`, { _csrf: csrfIn(await page.text()) }, cookie);
    assert.equal(out.status, 303);
    assert.equal((await get(`${app.url}/`, cookie)).status, 303, 'logged out');
  });

  test('the store keeps only a hash of the session id', async () => {
    const admin = await signIn(app, 'admin');
    const id = admin.cookie.split('=')[1]!;
    const rows = app.store.db.prepare('SELECT id_hash FROM web_sessions').all() as { id_hash: string }[];
    assert.ok(rows.length > 0);
    assert.ok(rows.every((r) => r.id_hash !== id && /^[0-9a-f]{64}$/.test(r.id_hash)));
  });

  test('an expired, forged or re-signed token with a wider scope is refused', async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const token of [
      tokenFor('admin', app.key, { iat: now - 900, exp: now - 600 }),
      tokenFor('admin', Buffer.alloc(32, 1)),
      tokenFor('r1', app.key, { scope: { kind: 'all' } }),
      tokenFor('k274', app.key, { role: 'admin' }),
    ]) {
      const r = await form(`${app.url}/auth/panel`, { token });
      assert.equal(r.status, 403);
      assert.equal(r.headers.get('set-cookie'), null);
    }
  });

  test('a password hash verifies only its password', async () => {
    const h = hashPassword('another long password');
    assert.equal(await verifyPassword('another long password', h), true);
    assert.equal(await verifyPassword('another long passwore', h), false);
    assert.equal(await verifyPassword('x', 'scrypt$1$1$1$AAAA$BBBB'), false);
  });
});

describe('security headers', () => {
  let app: TestApp;
  let framed: TestApp;
  before(async () => {
    app = await startTestApp();
    framed = await startTestApp({ deps: { panelOrigin: 'https://panel.example:8443' } });
  });
  after(async () => {
    await app.close();
    await framed.close();
  });

  test('every page, error and static file carries the CSP and nosniff', async () => {
    const admin = await signIn(app, 'admin');
    for (const path of ['/', '/login', '/nosuch', '/static/app.css', '/audit', '/subscriptions/web274']) {
      const r = await get(app.url + path, admin.cookie);
      assert.equal(r.headers.get('content-security-policy'), contentSecurityPolicy(null), path);
      assert.match(r.headers.get('content-security-policy') ?? '', /default-src 'self'; script-src 'self'.*object-src 'none'.*frame-ancestors 'self'$/);
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff', path);
      assert.equal(r.headers.get('x-frame-options'), 'SAMEORIGIN', path);
      assert.equal(r.headers.get('x-powered-by'), null);
    }
  });

  test('inside the panel, only the panel\'s origin may frame the UI', async () => {
    const r = await get(`${framed.url}/login`);
    assert.match(r.headers.get('content-security-policy') ?? '', /frame-ancestors 'self' https:\/\/panel\.example:8443$/);
    assert.equal(r.headers.get('x-frame-options'), null);
  });

  test('no page has inline script or event-handler attributes', async () => {
    const admin = await signIn(app, 'admin');
    const r1 = await signIn(app, 'r1');
    const k = await signIn(app, 'k274');
    const pages: [string, string][] = [
      ['/', admin.cookie], ['/subscriptions/web274', admin.cookie], ['/subscriptions/kunde', admin.cookie],
      [`/subscriptions/web274/plan?action=queue-hold&target=uid%3A4079`, admin.cookie], ['/audit', admin.cookie], ['/scans', admin.cookie], ['/scans/1', admin.cookie],
      ['/reseller', r1.cookie], ['/customer', k.cookie], ['/login', ''],
    ];
    for (const [path, cookie] of pages) {
      const html = await (await get(app.url + path, cookie)).text();
      for (const tag of html.match(/<script\b[^>]*>/gi) ?? []) assert.match(tag, /\ssrc="\/static\/[a-z-]+\.js"/, `${path}: ${tag}`);
      assert.doesNotMatch(html, /<[^>]+\son[a-z]+\s*=/i, `${path} has an event handler attribute`);
      assert.doesNotMatch(html, /style="/i, `${path} has an inline style`);
    }
  });
});
