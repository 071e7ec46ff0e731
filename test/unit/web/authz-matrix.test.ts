/**
 * Authorization as a matrix: every route of the app (read from the router, so a new route
 * without a row here fails) × every kind of principal × own and someone else's
 * subscription. Each cell is a real HTTP request to the app on an ephemeral port.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createApp } from '../../../src/web/app';
import { openStore } from '../../../src/store';
import { ScanService } from '../../../src/web/scan-service';
import { ADMIN_PASSWORD, FORWARD_BASE, RecordingRunner, form, forwardedCsrfOf, forwardedFor, get, signIn, startTestApp, tokenFor, type TestApp, type Who } from './harness';
import { seedNotices } from './notices-fixture';

interface Cell {
  who: Who;
  /** the path with parameters filled in */
  url: string;
  body?: Record<string, string>;
  status: number;
  /** text the body must (or must not) contain */
  contains?: string[];
  lacks?: string[];
  /** for redirects */
  location?: string;
}

interface Row {
  method: 'get' | 'post';
  path: string;
  cells: Cell[];
}

const ROLES: Who[] = ['anon', 'admin', 'r1', 'r2', 'k274', 'kkunde'];
const each = (f: (w: Who) => Omit<Cell, 'who'>): Cell[] => ROLES.map((who) => ({ who, ...f(who) }));
const only = (allowed: Who[], ok: number, url: string, extra: Partial<Cell> = {}, anon = 303): Cell[] =>
  each((w) => ({ url, status: w === 'anon' ? anon : allowed.includes(w) ? ok : 403, ...(allowed.includes(w) ? extra : {}) }));
const HOLD = { action: 'queue-hold', target: 'uid:4079' };
const PLAN = `?action=queue-hold&target=${encodeURIComponent('uid:4079')}`;

const MATRIX: Row[] = [
  { method: 'get', path: '/login', cells: each((w) => ({ url: '/login', status: w === 'anon' ? 200 : 303 })) },
  {
    method: 'post',
    path: '/login',
    cells: [
      { who: 'anon', url: '/login', body: { user: 'admin', password: ADMIN_PASSWORD }, status: 303, location: '/' },
      { who: 'anon', url: '/login', body: { user: 'admin', password: 'wrong' }, status: 401 },
      { who: 'anon', url: '/login', body: { user: 'root', password: ADMIN_PASSWORD }, status: 401 },
    ],
  },
  { method: 'post', path: '/logout', cells: each((w) => ({ url: '/logout', status: w === 'anon' ? 401 : 303 })) },
  {
    method: 'post',
    path: '/auth/panel',
    cells: [
      { who: 'anon', url: '/auth/panel', body: { token: 'TOKEN:admin', next: '/audit' }, status: 303, location: '/audit' },
      { who: 'anon', url: '/auth/panel', body: { token: 'TOKEN:r1', next: '' }, status: 303, location: '/reseller' },
      { who: 'anon', url: '/auth/panel', body: { token: 'TOKEN:k274', next: '//evil.example/' }, status: 303, location: '/customer' },
      { who: 'anon', url: '/auth/panel', body: { token: 'forged.token', next: '/' }, status: 403 },
    ],
  },
  { method: 'post', path: '/lang', cells: each(() => ({ url: '/lang', body: { locale: 'de', back: '/' }, status: 303 })) },
  {
    method: 'get',
    path: '/',
    cells: each((w) => ({
      url: '/',
      status: w === 'admin' ? 200 : 303,
      ...(w === 'admin' ? { contains: ['web274-example.de', 'kunde-beispiel.de'] } : {}),
      ...(w === 'r1' || w === 'r2' ? { location: '/reseller' } : w === 'anon' ? { location: '/login' } : w === 'admin' ? {} : { location: '/customer' }),
    })),
  },
  {
    method: 'get',
    path: '/subscriptions/:id',
    cells: [
      ...only(['admin', 'r1'], 200, '/subscriptions/web274', { contains: ['uid:4079'] }),
      ...only(['admin', 'r2'], 200, '/subscriptions/kunde', { contains: ['sasl:kontakt@kunde-beispiel.de'] }),
      ...only(['admin', 'r2'], 200, '/subscriptions/shop'),
      // unknown ids: only an admin learns that they do not exist
      ...each((w) => ({ url: '/subscriptions/nosuch', status: w === 'anon' ? 303 : w === 'admin' ? 404 : 403 })),
      ...each((w) => ({ url: '/subscriptions/~unassigned', status: w === 'anon' ? 303 : w === 'admin' ? 404 : 403 })),
    ],
  },
  {
    method: 'get',
    path: '/subscriptions/:id/plan',
    cells: [
      ...only(['admin'], 200, `/subscriptions/web274/plan${PLAN}`, { contains: ['postsuper'] }),
      ...only(['admin'], 200, `/subscriptions/kunde/plan?action=block-login&target=${encodeURIComponent('kontakt@kunde-beispiel.de')}`),
      // an action the page did not offer for this subscription
      ...only(['admin'], 400, `/subscriptions/kunde/plan${PLAN}`),
      ...only(['admin'], 404, `/subscriptions/nosuch/plan${PLAN}`),
    ],
  },
  {
    method: 'post',
    path: '/subscriptions/:id/apply',
    cells: [
      ...only(['admin'], 200, '/subscriptions/web274/apply', { body: HOLD, contains: ['OK'] }, 401).map((c) => ({ ...c, body: HOLD })),
      ...only(['admin'], 400, '/subscriptions/shop/apply', {}, 401).map((c) => ({ ...c, body: HOLD })),
    ],
  },
  { method: 'get', path: '/reseller', cells: [
    ...each((w) => ({
      url: '/reseller',
      status: w === 'anon' ? 303 : w === 'admin' || w === 'r1' || w === 'r2' ? 200 : 403,
      ...(w === 'r1' ? { contains: ['web274-example.de'], lacks: ['kunde-beispiel.de', 'shop-example.de'] } : {}),
      ...(w === 'r2' ? { contains: ['kunde-beispiel.de', 'shop-example.de'], lacks: ['web274-example.de'] } : {}),
    })),
  ] },
  { method: 'get', path: '/customer', cells: each((w) => ({
    url: '/customer',
    status: w === 'anon' ? 303 : w === 'k274' || w === 'kkunde' ? 200 : 403,
    ...(w === 'k274' ? { contains: ['web274-example.de'], lacks: ['kunde-beispiel.de', 'shop-example.de'] } : {}),
    ...(w === 'kkunde' ? { contains: ['kunde-beispiel.de'], lacks: ['web274-example.de', 'shop-example.de'] } : {}),
  })) },
  { method: 'get', path: '/audit', cells: only(['admin'], 200, '/audit') },
  { method: 'post', path: '/audit/:id/undo', cells: [...only(['admin'], 200, '/audit/1/undo', {}, 401), ...only(['admin'], 404, '/audit/999/undo', {}, 401)] },
  // no watcher state in this app: the admin's release finds no trip
  { method: 'post', path: '/watch/trips/:id/release', cells: only(['admin'], 404, '/watch/trips/trip-20260101T000000Z-abc123/release', {}, 401) },
  { method: 'get', path: '/scans', cells: only(['admin'], 200, '/scans') },
  { method: 'post', path: '/scans', cells: only(['admin'], 303, '/scans', {}, 401) },
  { method: 'get', path: '/scans/:id', cells: [...only(['admin'], 200, '/scans/1'), ...only(['admin'], 404, '/scans/999')] },
  { method: 'get', path: '/scans/:id/progress', cells: [...only(['admin'], 200, '/scans/1/progress'), ...only(['admin'], 404, '/scans/999/progress')] },
  // customer notices: seeded in before() as 1 (web274: customer k274, reseller r1) and 2
  // (kunde: kkunde, r2), both awaiting approval. The POST cells run in order and change them.
  {
    method: 'get',
    path: '/notices',
    cells: each((w) => ({
      url: '/notices',
      status: w === 'anon' ? 303 : w === 'admin' || w === 'r1' || w === 'r2' ? 200 : 403,
      ...(w === 'admin' ? { contains: ['owner@web274-example.de', 'chef@kunde-beispiel.de'] } : {}),
      ...(w === 'r1' ? { contains: ['owner@web274-example.de'], lacks: ['chef@kunde-beispiel.de'] } : {}),
      ...(w === 'r2' ? { contains: ['chef@kunde-beispiel.de'], lacks: ['owner@web274-example.de'] } : {}),
    })),
  },
  {
    method: 'get',
    path: '/notices/:id',
    cells: [
      ...only(['admin', 'r1'], 200, '/notices/1', { contains: ['owner@web274-example.de'] }),
      ...only(['admin', 'r2'], 200, '/notices/2', { contains: ['chef@kunde-beispiel.de'] }),
      // unknown ids: only an admin learns that they do not exist
      ...each((w) => ({ url: '/notices/999', status: w === 'anon' ? 303 : w === 'admin' ? 404 : 403 })),
      ...each((w) => ({ url: '/notices/abc', status: w === 'anon' ? 303 : w === 'admin' ? 404 : 403 })),
    ],
  },
  {
    method: 'post',
    path: '/notices/:id/approve',
    cells: [
      { who: 'anon', url: '/notices/1/approve', status: 401 },
      { who: 'r2', url: '/notices/1/approve', status: 403 },
      { who: 'k274', url: '/notices/1/approve', status: 403 },
      { who: 'kkunde', url: '/notices/2/approve', status: 403 },
      { who: 'r1', url: '/notices/2/approve', status: 403 },
      { who: 'r1', url: '/notices/1/approve', status: 303, location: '/notices/1?done=approve' },
      { who: 'admin', url: '/notices/2/approve', status: 303, location: '/notices/2?done=approve' },
      { who: 'admin', url: '/notices/999/approve', status: 404 },
    ],
  },
  {
    method: 'post',
    path: '/notices/:id/reject',
    cells: [
      { who: 'anon', url: '/notices/1/reject', status: 401 },
      { who: 'r2', url: '/notices/1/reject', status: 403 },
      { who: 'k274', url: '/notices/1/reject', status: 403 },
      { who: 'kkunde', url: '/notices/2/reject', status: 403 },
      { who: 'r1', url: '/notices/2/reject', status: 403 },
      { who: 'r1', url: '/notices/1/reject', status: 303, location: '/notices/1?done=reject' },
      { who: 'admin', url: '/notices/2/reject', status: 303, location: '/notices/2?done=reject' },
      { who: 'admin', url: '/notices/999/reject', status: 404 },
    ],
  },
  {
    method: 'post',
    path: '/notices/:id/retry',
    cells: [
      // retry is the admin's, even for a reseller's own customer
      ...only(['admin'], 409, '/notices/1/retry', { contains: ['is rejected'] }, 401),
      ...only(['admin'], 404, '/notices/999/retry', {}, 401),
    ],
  },
];

/** (method, path) of every route the app declares, read from Express's router. */
function appRoutes(): string[] {
  const store = openStore(':memory:');
  const app = createApp({ store, scans: new ScanService({ store, scanner: () => Promise.reject(new Error('no')) }), actions: new RecordingRunner(store), panelKey: null, localAdmin: null, outboundIps: () => [] });
  const stack = (app as unknown as { router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] } }).router.stack;
  const out: string[] = [];
  for (const layer of stack) {
    if (!layer.route) continue;
    for (const m of Object.keys(layer.route.methods)) out.push(`${m.toUpperCase()} ${layer.route.path}`);
  }
  store.close();
  return out.sort();
}

describe('authorization matrix: role × route × owner', () => {
  let app: TestApp;

  before(async () => {
    app = await startTestApp();
    // an audit row to undo (as the admin's apply would leave it)
    await app.runner.apply('queue-hold', 'uid:4079', 'panel:admin');
    const ids = await seedNotices(app.store);
    assert.deepEqual(ids, { web274: 1, kunde: 2 }, 'the notice ids the rows use');
  });
  after(() => app.close());

  test('every route the router knows has a matrix row, and every row is a route', () => {
    const rows = MATRIX.map((r) => `${r.method.toUpperCase()} ${r.path}`).sort();
    assert.deepEqual(rows, appRoutes());
  });

  for (const row of MATRIX) {
    test(`${row.method.toUpperCase()} ${row.path}: each role gets exactly its own`, async () => {
      for (const cell of row.cells) {
        // a fresh session per cell: logout and sign-in change sessions
        const client = cell.who === 'anon' && !['/lang', '/login'].includes(cell.url) ? { cookie: '', csrf: '' } : await signIn(app, cell.who);
        const body = Object.fromEntries(Object.entries(cell.body ?? {}).map(([k, v]) => [k, v.startsWith('TOKEN:') ? tokenFor(v.slice(6) as Exclude<Who, 'anon'>, app.key) : v]));
        const res = row.method === 'get' ? await get(app.url + cell.url, client.cookie) : await form(app.url + cell.url, { ...body, _csrf: client.csrf }, client.cookie);
        const text = await res.text();
        const label = `${cell.who} ${row.method.toUpperCase()} ${cell.url}`;
        assert.equal(res.status, cell.status, `${label}: ${text.slice(0, 300)}`);
        if (cell.location !== undefined) assert.equal(res.headers.get('location'), cell.location, label);
        for (const c of cell.contains ?? []) assert.ok(text.includes(c), `${label} shows ${c}`);
        for (const c of cell.lacks ?? []) assert.ok(!text.includes(c), `${label} must not show ${c}`);
      }
    });
  }

  test('a POST through the matrix ran the action only for the admin', () => {
    const applied = app.runner.calls.filter((c) => c.startsWith('apply'));
    assert.ok(applied.every((c) => c.endsWith('by panel:admin')), applied.join('\n'));
  });
});

/**
 * The same matrix through the panel's own origin: every cell's principal comes from the
 * forwarder's signed per-request identity instead of a session, so every forwarded path has
 * its row. The service runs --forwarded-only: "anon" (a request straight to the service,
 * without the forwarder's identity) gets 403 on every route; redirects keep the base path.
 */
describe('authorization matrix through the panel forwarder: role × route × owner', () => {
  let app: TestApp;

  before(async () => {
    app = await startTestApp({ deps: { forwardedOnly: true } });
    await app.runner.apply('queue-hold', 'uid:4079', 'panel:admin');
    const ids = await seedNotices(app.store);
    assert.deepEqual(ids, { web274: 1, kunde: 2 }, 'the notice ids the rows use');
  });
  after(() => app.close());

  for (const row of MATRIX) {
    test(`${row.method.toUpperCase()} ${row.path} forwarded: each role gets exactly its own, nobody else anything`, async () => {
      for (const cell of row.cells) {
        const label = `${cell.who} forwarded ${row.method.toUpperCase()} ${cell.url}`;
        const method = row.method.toUpperCase();
        if (cell.who === 'anon') {
          const res = row.method === 'get' ? await get(app.url + cell.url) : await form(app.url + cell.url, cell.body ?? {});
          assert.equal(res.status, 403, `${label}: straight to the service`);
          continue;
        }
        const csrf = row.method === 'post' ? await forwardedCsrfOf(app, cell.who) : '';
        const headers = forwardedFor(cell.who, app.key, method, cell.url);
        const body = Object.fromEntries(Object.entries(cell.body ?? {}).map(([k, v]) => [k, v.startsWith('TOKEN:') ? tokenFor(v.slice(6) as Exclude<Who, 'anon'>, app.key) : v]));
        const res = row.method === 'get' ? await get(app.url + cell.url, '', headers) : await form(app.url + cell.url, { ...body, _csrf: csrf }, '', headers);
        const text = await res.text();
        assert.equal(res.status, cell.status, `${label}: ${text.slice(0, 300)}`);
        if (cell.location !== undefined) assert.equal(res.headers.get('location'), FORWARD_BASE + cell.location, label);
        else if (res.status === 303) assert.ok(res.headers.get('location')?.startsWith(FORWARD_BASE + '/'), `${label} redirects inside the panel: ${res.headers.get('location')}`);
        for (const c of cell.contains ?? []) assert.ok(text.includes(c), `${label} shows ${c}`);
        for (const c of cell.lacks ?? []) assert.ok(!text.includes(c), `${label} must not show ${c}`);
        if (res.status === 200 && (res.headers.get('content-type') ?? '').includes('html')) {
          assert.doesNotMatch(text, /\s(?:href|src|action|data-[a-z-]*url)="\/(?!modules\/spamtrace\/index\.php\/ui\/)/, `${label}: a URL escapes the base path`);
        }
      }
    });
  }

  test('a forwarded identity is good for one request: the same header again, or for another path or method, gets 403', async () => {
    const headers = forwardedFor('admin', app.key, 'GET', '/audit');
    assert.equal((await get(app.url + '/audit', '', headers)).status, 200);
    assert.equal((await get(app.url + '/audit', '', headers)).status, 403, 'replayed');
    assert.equal((await get(app.url + '/scans', '', forwardedFor('admin', app.key, 'GET', '/audit'))).status, 403, 'another path');
    const csrf = await forwardedCsrfOf(app, 'admin');
    assert.equal((await form(app.url + '/scans', { _csrf: csrf }, '', forwardedFor('admin', app.key, 'GET', '/scans'))).status, 403, 'another method');
    assert.equal((await form(app.url + '/scans', { _csrf: 'x'.repeat(43) }, '', forwardedFor('admin', app.key, 'POST', '/scans'))).status, 403, 'a wrong CSRF token');
  });

  test('a forwarded POST through the matrix ran the action only for the admin', () => {
    const applied = app.runner.calls.filter((c) => c.startsWith('apply'));
    assert.ok(applied.length >= 2 && applied.every((c) => c.endsWith('by panel:admin')), applied.join('\n'));
  });
});
