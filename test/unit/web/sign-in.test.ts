/**
 * Signing in under attack: the local form's backoff per address and per account, short-lived
 * and pruned anonymous sessions, panel tokens that sign in once, and sign-ins posted from
 * another site (login CSRF). Real HTTP against the app with a real store; the clock is the
 * test's, so no test waits for a backoff to run out.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, scryptSync } from 'node:crypto';
import { openStore } from '../../../src/store';
import { recordTokenUse } from '../../../src/store';
import { LoginGuard, addressKey } from '../../../src/web/login-guard';
import { SessionStore, MAX_ANONYMOUS_SESSIONS, ANONYMOUS_SESSION_TTL_MS } from '../../../src/web/sessions';
import { ADMIN_PASSWORD, cookieOf, form, get, signIn, startTestApp, tokenFor, type TestApp } from './harness';

const START = Date.UTC(2026, 11, 2, 4, 0, 0);

/** The admin's password hashed with scrypt's smallest accepted cost: these tests make many attempts. */
const CHEAP_ADMIN = (() => {
  const salt = randomBytes(16);
  const key = scryptSync(ADMIN_PASSWORD, salt, 32, { N: 1024, r: 8, p: 1 });
  return { login: 'admin', passwordHash: `scrypt$1024$8$1$${salt.toString('base64url')}$${key.toString('base64url')}` };
})();

async function clockedApp(clock: { t: number }, guard?: LoginGuard): Promise<TestApp> {
  return startTestApp({
    deps: {
      now: () => clock.t,
      localAdmin: CHEAP_ADMIN,
      loginGuard: guard ?? new LoginGuard(() => clock.t, { freePerAddress: 3, freePerAccount: 6, firstDelayMs: 2000, capMs: 60_000 }),
    },
  });
}

/** A login attempt from `address` (the app trusts X-Forwarded-For from loopback, as behind a local proxy). */
async function tryLogin(app: TestApp, password: string, address: string, user = 'admin'): Promise<Response> {
  const anon = await signIn(app, 'anon');
  return form(`${app.url}/login`, { user, password, _csrf: anon.csrf }, anon.cookie, { 'x-forwarded-for': address });
}

describe('local login backoff', () => {
  const clock = { t: START };
  let app: TestApp;
  before(async () => {
    app = await clockedApp(clock);
  });
  after(() => app.close());

  test('after the free failures from one address, the next try is refused at once with Retry-After, even with the right password, until the wait has passed', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await tryLogin(app, 'wrong', '198.51.100.7')).status, 401, `failure ${i + 1}`);
    const locked = await tryLogin(app, ADMIN_PASSWORD, '198.51.100.7');
    assert.equal(locked.status, 429);
    assert.equal(locked.headers.get('retry-after'), '2');
    const page = await locked.text();
    assert.match(page, /Try again in 2 seconds/);
    assert.match(page, /at most 1 minutes/);
    assert.equal(locked.headers.get('set-cookie'), null, 'not signed in');
    // another address is not held up by this one
    assert.equal((await tryLogin(app, ADMIN_PASSWORD, '198.51.100.8')).status, 303);
    clock.t += 2000;
    assert.equal((await tryLogin(app, ADMIN_PASSWORD, '198.51.100.7')).status, 303, 'after the wait the right password works');
  });

  test('each further failure doubles the wait up to the cap; a refused try costs no hash and does not count', async () => {
    const waits: number[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await tryLogin(app, 'wrong', '203.0.113.9');
      if (r.status === 429) {
        const s = Number(r.headers.get('retry-after'));
        waits.push(s);
        // a second try during the wait is refused with the same wait: it was not counted
        assert.equal((await tryLogin(app, 'wrong', '203.0.113.9')).headers.get('retry-after'), String(s));
        clock.t += s * 1000;
      }
      if (waits.length === 7) break;
    }
    // 3 free failures, then 2 s, 4 s, 8 s ... capped at 60 s
    assert.deepEqual(waits, [2, 4, 8, 16, 32, 60, 60]);
  });

  test('failures for one account from many addresses hold up that account, not other names', async () => {
    clock.t += 3_600_000;
    // 6 failures for "admin", each from another /64 or IPv4 address: no single address reaches its limit
    const addresses = ['192.0.2.1', '192.0.2.2', '2001:db8:1::1', '2001:db8:2::1', '192.0.2.3', '192.0.2.4'];
    for (const a of addresses) assert.equal((await tryLogin(app, 'wrong', a)).status, 401, a);
    const r = await tryLogin(app, ADMIN_PASSWORD, '192.0.2.50');
    assert.equal(r.status, 429, 'the account waits, whatever the address');
    // unknown user names share no bucket with the admin and do not lock it further
    assert.equal((await tryLogin(app, 'wrong', '192.0.2.60', 'nosuchuser')).status, 401);
    clock.t += 2000;
    assert.equal((await tryLogin(app, ADMIN_PASSWORD, '192.0.2.50')).status, 303);
  });

  test('IPv6 clients count per /64; IPv4-mapped addresses count as IPv4', () => {
    assert.equal(addressKey('2001:db8:1:2::1'), addressKey('2001:db8:1:2:ffff::9'));
    assert.notEqual(addressKey('2001:db8:1:2::1'), addressKey('2001:db8:1:3::1'));
    assert.equal(addressKey('::ffff:192.0.2.1'), addressKey('192.0.2.1'));
  });
});

describe('password checks at the real cost', () => {
  let app: TestApp;
  before(async () => {
    // the default admin hash (scrypt N=2^15, the cost `serve hash-password` uses); limits high enough not to refuse
    app = await startTestApp({ deps: { loginGuard: new LoginGuard(Date.now, { freePerAddress: 100, freePerAccount: 100 }) } });
  });
  after(() => app.close());

  test('password checks do not block the app: a static file is served while a burst of logins is checked', async () => {
    const anon = await signIn(app, 'anon');
    let loginsDone = 0;
    let firstDone: () => void = () => undefined;
    const first = new Promise<void>((r) => (firstDone = r));
    const burst = Array.from({ length: 8 }, (_, i) =>
      form(`${app.url}/login`, { user: 'admin', password: `guess ${i}`, _csrf: anon.csrf }, anon.cookie, { 'x-forwarded-for': `198.18.0.${i + 1}` }).then((r) => {
        loginsDone++;
        firstDone();
        return r.status;
      }),
    );
    // once one check has finished the other seven are queued behind it; a synchronous hash
    // would hold the stylesheet until all of them were done
    await first;
    const css = await get(`${app.url}/static/app.css`);
    assert.equal(css.status, 200);
    const doneWhenCssArrived = loginsDone;
    const statuses = await Promise.all(burst);
    assert.ok(doneWhenCssArrived < 8, 'the stylesheet came before the last password check finished');
    for (const s of statuses) assert.ok(s === 401 || s === 429, String(s));
  });
});

describe('anonymous sessions', () => {
  test('an anonymous session lives 15 minutes, its cookie says so, and expired ones are pruned by the next visitor', async () => {
    const clock = { t: START };
    const app = await startTestApp({ deps: { now: () => clock.t } });
    try {
      const r = await get(`${app.url}/login`);
      assert.match(r.headers.get('set-cookie') ?? '', new RegExp(`Max-Age=${ANONYMOUS_SESSION_TTL_MS / 1000}(;|$)`));
    } finally {
      await app.close();
    }
  });

  test('thousands of anonymous visits keep at most the newest anonymous sessions; expired ones are gone at the next visit; signed-in sessions stay', () => {
    const clock = { t: START };
    const store = openStore(':memory:', { now: () => clock.t });
    const sessions = new SessionStore(store);
    const admin = sessions.create({ role: 'admin', login: 'admin', scope: { kind: 'all' } } as never, 'en');
    let last = sessions.create(null, 'en');
    for (let i = 0; i < 2000; i++) {
      clock.t += 1;
      last = sessions.create(null, 'en');
    }
    const count = (): number => (store.db.prepare('SELECT COUNT(*) AS n FROM web_sessions WHERE principal_json IS NULL').get() as { n: number }).n;
    assert.equal(count(), MAX_ANONYMOUS_SESSIONS);
    assert.notEqual(sessions.get(last.id), null, 'the newest is kept');
    assert.notEqual(sessions.get(admin.id), null, 'a signed-in session is never trimmed');
    clock.t += ANONYMOUS_SESSION_TTL_MS;
    assert.equal(sessions.get(last.id), null, 'expired after 15 minutes');
    sessions.create(null, 'en');
    assert.equal(count(), 1, 'the next visit pruned every expired anonymous session');
    assert.notEqual(sessions.get(admin.id), null, 'the signed-in session lives its 8 hours');
    store.close();
  });
});

describe('panel tokens sign in once', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  test('the same token a second time is refused and makes no session', async () => {
    const token = tokenFor('k274', app.key);
    const first = await form(`${app.url}/auth/panel`, { token });
    assert.equal(first.status, 303);
    const again = await form(`${app.url}/auth/panel`, { token });
    assert.equal(again.status, 403);
    assert.match(await again.text(), /replayed/);
    assert.equal(again.headers.get('set-cookie'), null);
  });

  test('two requests racing with one token: exactly one signs in', async () => {
    const token = tokenFor('admin', app.key);
    const statuses = (await Promise.all(Array.from({ length: 6 }, () => form(`${app.url}/auth/panel`, { token })))).map((r) => r.status).sort();
    assert.deepEqual(statuses, [303, 403, 403, 403, 403, 403]);
  });

  test('a used jti is kept until its token expires, then dropped', () => {
    const nowS = Math.floor(Date.now() / 1000);
    assert.equal(recordTokenUse(app.store, 'a'.repeat(32), nowS + 300, nowS), true);
    assert.equal(recordTokenUse(app.store, 'a'.repeat(32), nowS + 300, nowS + 299), false);
    recordTokenUse(app.store, 'b'.repeat(32), nowS + 900, nowS + 300);
    const left = app.store.db.prepare('SELECT jti FROM panel_token_uses WHERE jti = ?').get('a'.repeat(32));
    assert.equal(left, undefined);
  });
});

describe('login CSRF: sign-ins posted from another site are refused', () => {
  let app: TestApp;
  let configured: TestApp;
  before(async () => {
    app = await startTestApp();
    configured = await startTestApp({ deps: { panelOrigin: 'https://panel.example:8443' } });
  });
  after(async () => {
    await app.close();
    await configured.close();
  });

  test('a panel token posted by another site\'s page does not sign the browser in', async () => {
    for (const headers of <Record<string, string>[]>[{ origin: 'https://evil.example' }, { origin: 'null' }, { origin: 'http://127.0.0.1:9999' }, { 'sec-fetch-site': 'cross-site' }]) {
      const r = await form(`${app.url}/auth/panel`, { token: tokenFor('r1', app.key) }, '', headers);
      assert.equal(r.status, 403, JSON.stringify(headers));
      assert.equal(r.headers.get('set-cookie'), null);
      assert.match(await r.text(), /sent from another site/);
    }
  });

  test('the panel\'s own page (Plesk\'s port on this host, or --panel-origin) and this service\'s pages may post it', async () => {
    const host = new URL(app.url).host;
    const hostname = new URL(app.url).hostname;
    for (const origin of [`https://${hostname}:8443`, `http://${host}`]) {
      const r = await form(`${app.url}/auth/panel`, { token: tokenFor('r1', app.key) }, '', { origin });
      assert.equal(r.status, 303, origin);
    }
    assert.equal((await form(`${configured.url}/auth/panel`, { token: tokenFor('r1', configured.key) }, '', { origin: 'https://panel.example:8443' })).status, 303);
    assert.equal((await form(`${configured.url}/auth/panel`, { token: tokenFor('r1', configured.key) }, '', { origin: `https://${hostname}:8443` })).status, 403, 'a configured origin replaces the default');
  });

  test('the local form with a valid CSRF token and password is refused from another site, accepted from its own page', async () => {
    const anon = await signIn(app, 'anon');
    const evil = await form(`${app.url}/login`, { user: 'admin', password: ADMIN_PASSWORD, _csrf: anon.csrf }, anon.cookie, { origin: 'https://evil.example' });
    assert.equal(evil.status, 403);
    assert.equal(evil.headers.get('set-cookie'), null);
    const own = await form(`${app.url}/login`, { user: 'admin', password: ADMIN_PASSWORD, _csrf: anon.csrf }, anon.cookie, { origin: `http://${new URL(app.url).host}` });
    assert.equal(own.status, 303);
    assert.notEqual(cookieOf(own), anon.cookie);
  });
});
