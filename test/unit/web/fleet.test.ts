/**
 * The UI with `serve --hosts`: scans started from the UI run the real scanFleet (through
 * the real fleetScanner the serve command wires), over the fixture fleet of
 * fleet-fixture.ts (LocalHosts running the offline scanner; failing hosts throw what an
 * SshHost throws). The hostile-alias test builds its FleetReport from the fleet report
 * types around a real Report from runScan offline, since scanFleet only takes valid
 * aliases.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FleetReport } from '../../../src/fleet/fleet-report';
import { crossHostFindings } from '../../../src/fleet/cross-host';
import { createScanRow, finishScan } from '../../../src/store';
import { storedScanResult } from '../../../src/fleet/fleet-merge';
import { hostStatuses } from '../../../src/web/fleet-view';
import { signPanelToken } from '../../../src/auth/panel-token';
import { randomBytes } from 'node:crypto';
import { cookieOf, form, get, report, signIn, startTestApp, type TestApp } from './harness';
import { fleetFixture, HOSTILE_SSH_STDERR, type FleetFixture } from './fleet-fixture';

async function scanFromUi(app: TestApp): Promise<void> {
  const admin = await signIn(app, 'admin');
  const r = await form(`${app.url}/scans`, { _csrf: admin.csrf }, admin.cookie);
  assert.equal(r.status, 303);
  await app.scans.idle();
}

/** A panel sign-in for a principal the harness does not know (reseller r9, customer k900). */
async function signInAs(app: TestApp, claims: Record<string, unknown>): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const token = signPanelToken({ v: 1, iat: now, exp: now + 300, jti: randomBytes(8).toString('hex'), ...claims }, app.key);
  const r = await form(`${app.url}/auth/panel`, { token, next: '' });
  assert.equal(r.status, 303);
  return cookieOf(r);
}

function rowOf(html: string, alias: string): string {
  const m = new RegExp(`<tr class="host" data-host="${alias}"[\\s\\S]*?</tr>`).exec(html);
  assert.ok(m, `a row for host ${alias}`);
  return m[0];
}

describe('serve --hosts: a scan from the UI scans the fleet', () => {
  let app: TestApp;
  let fleet: FleetFixture;
  before(async () => {
    fleet = fleetFixture();
    // logins matched on every host: panels that share their accounts (serve --panel-hosts all)
    app = await startTestApp({ withReport: false, scanner: fleet.scanner, deps: { panelHosts: 'all' } });
    await scanFromUi(app);
  });
  after(() => app.close());

  test('the overview lists every host with its state in plain words and its last scan', async () => {
    const admin = await signIn(app, 'admin');
    const html = await (await get(`${app.url}/`, admin.cookie)).text();
    assert.match(html, /<h2>Hosts<\/h2>/);
    assert.match(rowOf(html, 'mx1'), /scanned/);
    assert.match(rowOf(html, 'mx1'), /root@192\.0\.2\.10/);
    assert.match(rowOf(html, 'mx1'), /2026-11-28 06:00:00 UTC/, 'last scan time');
    assert.match(rowOf(html, 'dead'), /unreachable: no SSH connection/);
    assert.match(rowOf(html, 'dead'), /<td>never<\/td>/, 'never scanned successfully');
    assert.match(rowOf(html, 'moved'), /host key CHANGED/);
    assert.match(rowOf(html, 'nopf'), /no Postfix on this server/);
    assert.match(rowOf(html, 'nopf'), /E_POSTFIX_MISSING/);
    // the sources of both scanned hosts are in the merged report: 2 x 62 messages
    assert.match(html, /124 messages queued/);
  });

  test('German state words', async () => {
    const admin = await signIn(app, 'admin');
    await form(`${app.url}/lang`, { _csrf: admin.csrf, locale: 'de', back: '/' }, admin.cookie);
    const html = await (await get(`${app.url}/`, admin.cookie)).text();
    assert.match(rowOf(html, 'dead'), /nicht erreichbar: keine SSH-Verbindung/);
    assert.match(rowOf(html, 'moved'), /Host-Schlüssel GEÄNDERT/);
    assert.match(rowOf(html, 'nopf'), /kein Postfix auf diesem Server/);
    assert.match(rowOf(html, 'mx2'), /gescannt/);
    assert.match(html, /Auf mehreren Hosts gesehen/);
  });

  test("ssh's hostile stderr is shown as text", async () => {
    const admin = await signIn(app, 'admin');
    const html = await (await get(`${app.url}/`, admin.cookie)).text();
    assert.ok(!html.includes('<script>alert("ssh")'), 'raw markup from ssh stderr');
    assert.ok(rowOf(html, 'dead').includes('&lt;script&gt;alert(&#34;ssh&#34;)&lt;/script&gt;'), 'escaped error text shown');
    assert.ok(HOSTILE_SSH_STDERR.includes('<script>'));
  });

  test('the same attacker address and the same dropped script on two hosts are called out', async () => {
    const admin = await signIn(app, 'admin');
    const html = await (await get(`${app.url}/`, admin.cookie)).text();
    const section = /<section id="cross-host">[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
    assert.match(section, /Seen on several hosts/);
    assert.match(section, /<code class="cross-host-value">kqzvmx\.php<\/code>/);
    assert.match(section, /<code class="cross-host-value">93\.120\.19\d\.\d+<\/code>/);
    assert.match(section, /SMTP login client/);
    assert.match(section, /<code>mx1<\/code>: mx1\/uid:4079/);
    assert.match(section, /<code>mx2<\/code>: mx2\/uid:4079/);
  });

  test('the subscription page shows the host of each source, and offers no local action for a remote host', async () => {
    const admin = await signIn(app, 'admin');
    const r = await get(`${app.url}/subscriptions/${encodeURIComponent('mx1/web274')}`, admin.cookie);
    assert.equal(r.status, 200);
    const html = await r.text();
    assert.match(html, /<code class="sub-host">mx1<\/code>/);
    assert.match(html, /<span class="source-host">on host mx1<\/span>/);
    assert.doesNotMatch(html, /class="action-preview"/, 'the local engine must not act on another server\'s queue');
    assert.match(html, /contain sources on host mx1 with &#34;spamtrace act&#34; on that host/);
    const plan = await get(`${app.url}/subscriptions/${encodeURIComponent('mx1/web274')}/plan?action=queue-hold&target=${encodeURIComponent('mx1/uid:4079')}`, admin.cookie);
    assert.equal(plan.status, 400);
    assert.deepEqual(app.runner.calls, []);
    // the other host's subscription of the same id is a different page
    const other = await (await get(`${app.url}/subscriptions/${encodeURIComponent('mx2/web274')}`, admin.cookie)).text();
    assert.match(other, /<td>other-web\.example<\/td>/);
    assert.match(other, /<td>k900 &lt;/);
    assert.doesNotMatch(other, /k274|owner@web274/);
  });

  test("a reseller or customer sees its own subscriptions, not another host's subscription of the same id", async () => {
    const r1 = await signIn(app, 'r1');
    const list = await (await get(`${app.url}/reseller`, r1.cookie)).text();
    assert.match(list, /web274-example\.de/);
    assert.match(list, /on host mx1/);
    assert.doesNotMatch(list, /other-web\.example/);
    assert.doesNotMatch(list, /mx2/);
    assert.equal((await get(`${app.url}/subscriptions/${encodeURIComponent('mx2/web274')}`, r1.cookie)).status, 403);
    assert.equal((await get(`${app.url}/subscriptions/${encodeURIComponent('mx1/web274')}`, r1.cookie)).status, 200);
    // the deep link by domain finds only the reseller's own host's subscription
    const deep = await get(`${app.url}/reseller?subscription=other-web.example`, r1.cookie);
    assert.equal(deep.status, 200);

    const k274 = await signIn(app, 'k274');
    const mine = await (await get(`${app.url}/customer`, k274.cookie)).text();
    assert.match(mine, /web274-example\.de/);
    assert.doesNotMatch(mine, /other-web\.example/);

    const r9 = await signInAs(app, { role: 'reseller', login: 'r9', scope: { kind: 'reseller', reseller: 'r9' } });
    const theirs = await (await get(`${app.url}/reseller`, r9)).text();
    assert.match(theirs, /other-web\.example/);
    assert.doesNotMatch(theirs, /web274-example\.de/);
    assert.equal((await get(`${app.url}/subscriptions/${encodeURIComponent('mx1/web274')}`, r9)).status, 403);

    const k900 = await signInAs(app, { role: 'customer', login: 'k900', scope: { kind: 'customer', customer: 'k900', subscriptions: ['other-web.example'] } });
    const k900page = await (await get(`${app.url}/customer`, k900)).text();
    assert.match(k900page, /other-web\.example/);
    assert.doesNotMatch(k900page, /web274-example\.de/);
    // neither sees the hosts section (admin only)
    assert.equal((await get(`${app.url}/`, r9)).status, 303);
  });

  test('a host that fails later keeps its last successful scan; the overview shows the newest state', async () => {
    fleet.failures.set('mx1', { kind: 'auth-refused', message: 'mx1: our key was refused: Permission denied (publickey)' });
    try {
      await scanFromUi(app);
    } finally {
      fleet.failures.delete('mx1');
    }
    const hosts = hostStatuses(app.store)!;
    const mx1 = hosts.find((h) => h.alias === 'mx1')!;
    assert.equal(mx1.state, 'auth-refused');
    assert.equal(mx1.lastOk, '2026-11-28T06:00:00.000Z');
    const admin = await signIn(app, 'admin');
    const html = await (await get(`${app.url}/`, admin.cookie)).text();
    assert.match(rowOf(html, 'mx1'), /login refused: the server did not accept our SSH key/);
    assert.match(rowOf(html, 'mx1'), /Permission denied \(publickey\)/);
    // mx1's sources are gone from this scan; mx2's remain
    assert.equal((await get(`${app.url}/subscriptions/${encodeURIComponent('mx1/web274')}`, admin.cookie)).status, 404);
    assert.equal((await get(`${app.url}/subscriptions/${encodeURIComponent('mx2/web274')}`, admin.cookie)).status, 200);
  });
});

describe('serve --hosts --panel-hosts mx1: other hosts\' subscriptions are admin-only', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ withReport: false, scanner: fleetFixture().scanner, deps: { panelHosts: ['mx1'] } });
    await scanFromUi(app);
  });
  after(() => app.close());

  test('a reseller with a subscription of the same login on two hosts sees only the panel host\'s', async () => {
    const r2 = await signIn(app, 'r2');
    const list = await (await get(`${app.url}/reseller`, r2.cookie)).text();
    assert.match(list, /\/subscriptions\/mx1%2Fkunde"/);
    assert.doesNotMatch(list, /mx2%2F/);
    assert.equal((await get(`${app.url}/subscriptions/${encodeURIComponent('mx2/kunde')}`, r2.cookie)).status, 403);
    assert.equal((await get(`${app.url}/subscriptions/${encodeURIComponent('mx1/kunde')}`, r2.cookie)).status, 200);
    const r9 = await signInAs(app, { role: 'reseller', login: 'r9', scope: { kind: 'reseller', reseller: 'r9' } });
    assert.doesNotMatch(await (await get(`${app.url}/reseller`, r9)).text(), /other-web\.example/);
    const kkunde = await signIn(app, 'kkunde');
    const mine = await (await get(`${app.url}/customer`, kkunde.cookie)).text();
    assert.equal((mine.match(/class="customer-sub"/g) ?? []).length, 1, 'one subscription: the panel host\'s');
    assert.match(mine, /on host mx1/);
    // the admin still sees both
    const admin = await signIn(app, 'admin');
    assert.equal((await get(`${app.url}/subscriptions/${encodeURIComponent('mx2/kunde')}`, admin.cookie)).status, 200);
  });
});

describe('host names are shown as text', () => {
  let app: TestApp;
  const EVIL = '<img src=x onerror=alert(4)>';
  before(async () => {
    app = await startTestApp({ withReport: false });
    // built from the report types around the real offline Report, since scanFleet refuses such an alias
    const r = await report();
    r.host = EVIL;
    for (const s of r.sources) s.host = EVIL;
    const fleet: FleetReport = {
      version: 1,
      kind: 'fleet',
      generatedAt: r.generatedAt,
      requested: 'all',
      hosts: [
        { alias: EVIL, roles: ['mail'], target: `root@"><svg onload=alert(5)>:22`, webFrom: null, state: 'scanned', error: null, startedAt: r.generatedAt, finishedAt: r.generatedAt, ms: 5, report: r, inventory: null },
        { alias: 'ok2', roles: ['mail'], target: null, webFrom: null, state: 'scanned', error: null, startedAt: r.generatedAt, finishedAt: r.generatedAt, ms: 5, report: { ...structuredClone(r), host: 'ok2' }, inventory: null },
      ],
      summary: { hosts: 2, scanned: 2, checked: 0, failed: 0, spamSources: 2, ms: 10 },
      crossHost: { ips: [], scripts: [] },
    };
    fleet.crossHost = crossHostFindings(fleet.hosts.map((h) => ({ host: h.alias, report: h.report! })));
    finishScan(app.store, createScanRow(app.store, 'test', null), storedScanResult(fleet));
  });
  after(() => app.close());

  test('a hostile alias and target are escaped on the overview and the subscription page', async () => {
    const admin = await signIn(app, 'admin');
    const overview = await (await get(`${app.url}/`, admin.cookie)).text();
    assert.ok(!overview.includes(EVIL) && !overview.includes('<svg onload'), 'no raw markup');
    assert.ok(overview.includes('&lt;img src=x onerror=alert(4)&gt;'));
    assert.ok(overview.includes('&#34;&gt;&lt;svg onload=alert(5)&gt;'));
    const sub = await get(`${app.url}/subscriptions/${encodeURIComponent(`${EVIL}/web274`)}`, admin.cookie);
    assert.equal(sub.status, 200);
    const html = await sub.text();
    assert.ok(!html.includes(EVIL));
    assert.match(html, /on host &lt;img src=x onerror=alert\(4\)&gt;/);
  });
});

describe('without --hosts', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  test('the overview lists the one local host as such, with no cross-host section, and actions stay offered', async () => {
    const admin = await signIn(app, 'admin');
    const html = await (await get(`${app.url}/`, admin.cookie)).text();
    const rows = html.match(/<tr class="host" /g) ?? [];
    assert.equal(rows.length, 1);
    const local = (await report()).host;
    assert.match(rowOf(html, local.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), /\(this server\)/);
    assert.match(rowOf(html, local.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), /scanned/);
    assert.doesNotMatch(html, /id="cross-host"/);
    const sub = await (await get(`${app.url}/subscriptions/web274`, admin.cookie)).text();
    assert.match(sub, /class="action-preview"/);
    assert.doesNotMatch(sub, /source-host|sub-host/);
  });
});
