/** What the pages show: escaping of hostile report text, the overview's parts, languages, background scans. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Report } from '../../../src/domain/report';
import type { Progress } from '../../../src/scan/scan-options';
import { catalogKeys, localeFromAcceptLanguage } from '../../../src/web/i18n';
import { DECODED_IMG_SUBJECT, SCRIPT_SUBJECT } from './web-fixture';
import { csrfIn, form, get, report, signIn, startTestApp, type TestApp } from './harness';

describe('hostile text from the queue is shown as text', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  test('a <script> subject and an RFC 2047-encoded <img onerror> subject are escaped on the subscription page', async () => {
    const admin = await signIn(app, 'admin');
    const html = await (await get(`${app.url}/subscriptions/web274`, admin.cookie)).text();
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;Konto gesperrt'), 'script subject escaped');
    assert.ok(html.includes('&lt;img src=x onerror=alert(2)&gt;'), 'decoded img subject escaped');
    assert.ok(!html.includes(SCRIPT_SUBJECT) && !html.includes(DECODED_IMG_SUBJECT));
  });

  test('the customer sees the same subjects escaped, in plain language', async () => {
    const k = await signIn(app, 'k274');
    const html = await (await get(`${app.url}/customer`, k.cookie)).text();
    assert.ok(!html.includes('<script>alert') && !html.includes('<img src=x'));
    assert.match(html, /web274-example\.de/);
  });
});

describe('the admin overview', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  test('shows the queue, deferrals by provider with their share, outbound IPs, the DNSBL state, the ranked subscriptions and the timeline', async () => {
    const admin = await signIn(app, 'admin');
    const html = await (await get(`${app.url}/`, admin.cookie)).text();
    assert.match(html, /62 messages queued/);
    assert.match(html, /<td>AOL<\/td><td class="num">80<\/td><td class="num">0<\/td>/);
    assert.match(html, /<td>Yahoo<\/td><td class="num">0<\/td><td class="num">140<\/td>/);
    assert.match(html, /192\.0\.2\.25/);
    assert.match(html, /DNSBL check: not configured/);
    const web = html.indexOf('/subscriptions/web274"');
    const kunde = html.indexOf('/subscriptions/kunde"');
    const shop = html.indexOf('/subscriptions/shop"');
    assert.ok(web > 0 && kunde > web && shop > kunde, 'ranked: most spam first, normal last');
    assert.match(html, /<svg class="timeline"[^>]*>[\s\S]*<rect class="bar" x="[0-9.]+" y="[0-9.]+" width="[0-9.]+" height="[0-9.]+"/);
  });

  test('German from the browser\'s Accept-Language, and the language switch', async () => {
    const anon = await get(`${app.url}/login`, '', { 'accept-language': 'de-DE,de;q=0.9,en;q=0.5' });
    assert.match(await anon.text(), /Anmelden/);
    const admin = await signIn(app, 'admin');
    const r = await form(`${app.url}/lang`, { _csrf: admin.csrf, locale: 'de', back: '/' }, admin.cookie);
    assert.equal(r.status, 303);
    assert.match(await (await get(`${app.url}/`, admin.cookie)).text(), /Server-Übersicht/);
  });

  test('both catalogs have the same keys, and unknown languages fall back to English', () => {
    assert.deepEqual(catalogKeys('de').sort(), catalogKeys('en').sort());
    assert.equal(localeFromAcceptLanguage('fr-FR,fr;q=0.9'), 'en');
    assert.equal(localeFromAcceptLanguage('fr;q=0.9,de;q=0.8'), 'de');
  });
});

describe('scans in the background', () => {
  test('a running scan shows progress and does not block the pages; when done its report is shown', async () => {
    let finish!: (r: Report) => void;
    let progress!: Progress;
    const app = await startTestApp({
      withReport: false,
      scanner: (p) => {
        progress = p;
        return new Promise<Report>((resolve) => (finish = resolve));
      },
    });
    try {
      const admin = await signIn(app, 'admin');
      const start = await form(`${app.url}/scans`, { _csrf: admin.csrf }, admin.cookie);
      assert.equal(start.status, 303);
      const scanUrl = start.headers.get('location')!;
      await new Promise((r) => setTimeout(r, 20));
      progress.update(30, 62, 'examined messages');
      const t0 = Date.now();
      const overview = await (await get(`${app.url}/`, admin.cookie)).text();
      assert.ok(Date.now() - t0 < 1000, 'the page answered while the scan runs');
      assert.match(overview, /A scan is running: examined messages 30 of 62/);
      const page = await (await get(app.url + scanUrl, admin.cookie)).text();
      assert.match(page, /<script src="\/static\/scan-progress\.js" defer><\/script>/);
      const again = await form(`${app.url}/scans`, { _csrf: csrfIn(overview) }, admin.cookie);
      assert.equal(again.headers.get('location'), scanUrl, 'a second click joins the running scan');
      assert.deepEqual(await (await get(`${app.url}${scanUrl}/progress`, admin.cookie)).json(), { id: Number(scanUrl.split('/')[2]), state: 'running', done: 30, total: 62, what: 'examined messages', error: null });
      finish(await report());
      await app.scans.idle();
      const p = (await (await get(`${app.url}${scanUrl}/progress`, admin.cookie)).json()) as { state: string };
      assert.equal(p.state, 'done');
      assert.match(await (await get(`${app.url}/`, admin.cookie)).text(), /web274-example\.de/);
    } finally {
      finish?.(await report());
      await app.close();
    }
  });

  test('a failed scan is shown with its reason', async () => {
    const app = await startTestApp({ withReport: false, scanner: () => Promise.reject(new Error('postqueue: fatal: Queue report unavailable')) });
    try {
      const admin = await signIn(app, 'admin');
      await form(`${app.url}/scans`, { _csrf: admin.csrf }, admin.cookie);
      await app.scans.idle();
      assert.match(await (await get(`${app.url}/`, admin.cookie)).text(), /The last scan failed: postqueue: fatal: Queue report unavailable/);
    } finally {
      await app.close();
    }
  });
});

describe('actions from the subscription page', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  test('preview shows exactly what will run and how to undo; apply goes through the runner and lands in the audit log, where undo takes it back', async () => {
    const admin = await signIn(app, 'admin');
    const sub = await (await get(`${app.url}/subscriptions/web274`, admin.cookie)).text();
    assert.match(sub, /href="\/subscriptions\/web274\/plan\?action=queue-hold&amp;target=uid%3A4079"/);
    const plan = await (await get(`${app.url}/subscriptions/web274/plan?action=queue-hold&target=uid%3A4079`, admin.cookie)).text();
    assert.match(plan, /postsuper -h - deferred/);
    assert.match(plan, /postsuper -H - hold/);
    assert.deepEqual(app.runner.calls, ['plan queue-hold uid:4079'], 'the preview changed nothing');
    const r = await form(`${app.url}/subscriptions/web274/apply`, { _csrf: csrfIn(plan), action: 'queue-hold', target: 'uid:4079' }, admin.cookie);
    assert.equal(r.status, 200);
    assert.match(await r.text(), /Applied as 20261128T040000Z-00000000/);
    const audit = await (await get(`${app.url}/audit`, admin.cookie)).text();
    assert.match(audit, /panel:admin[\s\S]*queue-hold[\s\S]*uid:4079/);
    const undo = await form(`${app.url}/audit/1/undo`, { _csrf: csrfIn(audit) }, admin.cookie);
    assert.equal(undo.status, 200);
    assert.match(await (await get(`${app.url}/audit`, admin.cookie)).text(), /queue-hold:undo[\s\S]*undone/);
    const twice = await form(`${app.url}/audit/1/undo`, { _csrf: csrfIn(audit) }, admin.cookie);
    assert.equal(twice.status, 400, 'an undone action cannot be undone again');
  });
});

describe('deep links from the panel', () => {
  test('?subscription=DOMAIN from a subscription\'s panel page opens it when the principal may see it', async () => {
    const app = await startTestApp();
    try {
      const admin = await signIn(app, 'admin');
      const r = await get(`${app.url}/?subscription=web274-example.de`, admin.cookie);
      assert.equal(r.status, 303);
      assert.equal(r.headers.get('location'), '/subscriptions/web274');
      const r1 = await signIn(app, 'r1');
      assert.equal((await get(`${app.url}/reseller?subscription=web274-example.de`, r1.cookie)).headers.get('location'), '/subscriptions/web274');
      const other = await get(`${app.url}/reseller?subscription=kunde-beispiel.de`, r1.cookie);
      assert.equal(other.status, 200, 'another reseller\'s customer: the reseller\'s own list, nothing revealed');
      assert.doesNotMatch(await other.text(), /kunde-beispiel\.de/);
    } finally {
      await app.close();
    }
  });
});

describe('notify the customer', () => {
  test('the preview is the notice as it will be sent; apply puts it in the outbox and the audit log', async () => {
    const { withCustomerNotice } = await import('../../../src/web/notice-action');
    const { validateNotifyConfig } = await import('../../../src/notify/load-notify-config');
    const { latestReport } = await import('../../../src/store');
    let store!: import('../../../src/store').Store;
    const app = await startTestApp({
      deps: {
        // the runner needs the app's store: built lazily on first use
        actions: {
          available: () => ['queue-hold', 'notify-customer'],
          plan: (a, t) => runner().plan(a, t),
          apply: (a, t, who) => runner().apply(a, t, who),
          undo: (h, who) => runner().undo(h, who),
        },
      },
    });
    store = app.store;
    const config = validateNotifyConfig({ from: 'Support <abuse@hoster.example>', hosterName: 'Hoster' }, 'notify.json');
    const runner = () => withCustomerNotice(app.runner, store, config, () => latestReport(store)?.report ?? null);
    try {
      const admin = await signIn(app, 'admin');
      const sub = await (await get(`${app.url}/subscriptions/web274`, admin.cookie)).text();
      assert.match(sub, /action=notify-customer&amp;target=uid%3A4079/);
      const plan = await (await get(`${app.url}/subscriptions/web274/plan?action=notify-customer&target=uid%3A4079`, admin.cookie)).text();
      assert.match(plan, /owner@web274-example\.de \(de\)/);
      assert.match(plan, /<pre class="notice-text" id="plan-text">/);
      assert.doesNotMatch(plan, /<script>alert|<img src=x/);
      const r = await form(`${app.url}/subscriptions/web274/apply`, { _csrf: csrfIn(plan), action: 'notify-customer', target: 'uid:4079' }, admin.cookie);
      assert.equal(r.status, 200);
      assert.match(await r.text(), /notice 1 to owner@web274-example\.de/);
      const row = store.db.prepare('SELECT recipient, state FROM notices').get() as { recipient: string; state: string };
      assert.equal(row.recipient, 'owner@web274-example.de');
      assert.match(await (await get(`${app.url}/audit`, admin.cookie)).text(), /notice\.enqueue[\s\S]*notice:1/);
    } finally {
      await app.close();
    }
  });
});
