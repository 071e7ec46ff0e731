/**
 * The panel UI in a real browser (playwright-core driving Debian's chromium) against the
 * app running on the real lab: Postfix with real queue files, Apache/PHP-FPM writing the
 * access logs, the real scanner started from the UI's button, and the real containment
 * engine (src/act) behind the action buttons.
 *
 * An admin opens the overview, drills into the spamming subscription, sees the script
 * path and the attacker IP, previews and applies "hold queued mail", checks Postfix held
 * it, and finds the action in the audit log (then undoes it there). A reseller asking by
 * URL for another reseller's customer gets 403; a customer sees only itself. Hostile
 * subjects (`<script>`, an RFC 2047-encoded `<img onerror>`) render as text: no dialog,
 * no request. Screenshots of every page go to test-output/screenshots/.
 *
 * Needs root, Postfix, Apache, PHP-FPM and /usr/bin/chromium; takes the lab lock.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { flushQueue, labDown, labUp, postqueueJson, runScenario, waitForQueueSettled } from '../lab/lab';
import { acquireLabLock, releaseLabLock } from '../lab/lab-lock';
import { CHROMIUM, launchChromium } from './browser';
import { DROPPED_SCRIPT, droppedScriptFile, webSite } from '../lab/web/web-layout';
import { WEB_SPAM_BOT_IP } from '../lab/web/web-scenario';
import { signPanelToken } from '../../src/auth/panel-token';
import { parseScanArgs } from '../../src/cli/scan-args';
import { LocalHost } from '../../src/host/local-host';
import { silentLogger } from '../../src/log';
import { packageRoot } from '../../src/package-root';
import { runScan } from '../../src/scan/run-scan';
import { openStore, type Store } from '../../src/store';
import { engineActionRunner } from '../../src/web/action-runner';
import { createApp } from '../../src/web/app';
import { ScanService } from '../../src/web/scan-service';

const canRun =
  process.getuid?.() === 0 && existsSync('/usr/sbin/postfix') && existsSync('/usr/sbin/apache2') && existsSync(CHROMIUM);
const skip = process.env['SPAMTRACE_SKIP_LAB'] ? 'SPAMTRACE_SKIP_LAB is set' : canRun ? false : 'needs root, Postfix, Apache, PHP-FPM and /usr/bin/chromium';

const SCRIPT_SUBJECT = '<script>alert(1)</script>Konto gesperrt';
const IMG_HTML = '<img src=x onerror=alert(2)>';
const IMG_SUBJECT = `=?UTF-8?B?${Buffer.from(IMG_HTML).toString('base64')}?=`;
const SHOTS = join(packageRoot(__dirname), 'test-output', 'screenshots');

/** Who owns what: the lab's sites with resellers and customers (a static map, as on a server without a panel API). */
function ownerMap(): object {
  const entry = (id: string, user: string, customer: string, reseller: string, extra: object = {}) => {
    const s = webSite(user);
    return { id, domains: [s.domain], sysUser: s.user, uid: s.uid, homeDir: s.home, docRoots: [s.docRoot], logDirs: [s.logDir], customer, reseller, ...extra };
  };
  return {
    version: 1,
    subscriptions: [
      entry('web274', 'web274', 'k274', 'r1'),
      entry('shop', 'shopuser', 'kshop', 'r2'),
      entry('kunde', 'kundeuser', 'kkunde', 'r2', { mailboxes: ['kontakt@kunde-beispiel.de'] }),
    ],
  };
}

function token(role: 'admin' | 'reseller' | 'customer', login: string, key: Buffer, domains: string[] = []): string {
  const now = Math.floor(Date.now() / 1000);
  const scope = role === 'admin' ? { kind: 'all' } : role === 'reseller' ? { kind: 'reseller', reseller: login } : { kind: 'customer', customer: login, subscriptions: domains };
  return signPanelToken({ v: 1, role, login, scope, iat: now, exp: now + 300, jti: randomBytes(8).toString('hex') }, key);
}

/** Mail with hostile subjects from shopuser's web space, to providers the lab defers (it stays queued). */
function sendHostile(subject: string): void {
  const r = spawnSync('runuser', ['-u', 'shopuser', '--', '/usr/sbin/sendmail', '-i', '-f', 'orders@shop-example.de', '--', 'kunde4711@aol.com'], {
    input: `From: orders@shop-example.de\nTo: kunde4711@aol.com\nSubject: ${subject}\n\nhello\n`,
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
}

describe('the panel UI in a browser on the real lab', { skip, concurrency: false }, () => {
  let store: Store;
  let server: Server;
  let url: string;
  let key: Buffer;
  let browser: Browser;
  let scans: ScanService;
  let shotNo = 0;

  const shot = async (page: Page, name: string): Promise<void> => {
    shotNo += 1;
    await page.screenshot({ path: join(SHOTS, `${String(shotNo).padStart(2, '0')}-${name}.png`), fullPage: true });
  };

  /** A browser context signed in the way the Plesk shim does it: POST token and next to /auth/panel. */
  const signedIn = async (tok: string, locale = 'en-US'): Promise<{ ctx: BrowserContext; page: Page; dialogs: string[]; requests: string[] }> => {
    const ctx = await browser.newContext({ locale, viewport: { width: 1280, height: 900 } });
    // as the panel's iframe form would send it: with the browser's language
    const r = await ctx.request.post(`${url}/auth/panel`, { form: { token: tok, next: '' }, maxRedirects: 0, headers: { 'accept-language': locale } });
    assert.equal(r.status(), 303);
    const page = await ctx.newPage();
    const dialogs: string[] = [];
    const requests: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('request', (req) => requests.push(req.url()));
    return { ctx, page, dialogs, requests };
  };

  before(async () => {
    // this run's screenshots only
    rmSync(SHOTS, { recursive: true, force: true });
    mkdirSync(SHOTS, { recursive: true });
    await acquireLabLock();
    await labUp();
    await flushQueue();
    const since = new Date(Math.floor(Date.now() / 1000) * 1000 - 1000).toISOString();
    await runScenario('web-spam', { wait: true });
    sendHostile(SCRIPT_SUBJECT);
    sendHostile(IMG_SUBJECT);
    await waitForQueueSettled();

    const dir = mkdtempSync(join(tmpdir(), 'ui-browser-'));
    const map = join(dir, 'owners.json');
    writeFileSync(map, JSON.stringify(ownerMap()));
    store = openStore(join(dir, 'spamtrace.db'));
    const host = new LocalHost();
    const scanArgs = ['--since', since, '--static-map', map];
    parseScanArgs(scanArgs);
    scans = new ScanService({ store, scanner: (progress) => runScan(parseScanArgs(scanArgs), { host, logger: silentLogger(), progress, now: () => new Date() }) });
    key = randomBytes(32);
    const actions = engineActionRunner({ host, journalPath: join(dir, 'actions', 'journal.jsonl'), roots: ['/var/www/vhosts', '/var/www'], quarantineDir: join(dir, 'quarantine') }, store);
    const app = createApp({ store, scans, actions, panelKey: key, localAdmin: null, outboundIps: () => ['192.0.2.25'] });
    server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  });

  after(async () => {
    try {
      await browser?.close();
      await scans?.idle();
      server?.closeAllConnections();
      await new Promise((r) => (server ? server.close(r) : r(null)));
      store?.close();
      await labDown();
    } finally {
      await releaseLabLock();
    }
  });

  test('the admin scans from the overview, drills into the spamming subscription, holds its mail and finds it in the audit log', async () => {
    const { ctx, page, dialogs } = await signedIn(token('admin', 'admin', key));
    await page.goto(`${url}/`);
    await shot(page, 'overview-before-scan');
    await page.click('#scan-now');
    await page.waitForURL(/\/scans\/\d+$/);
    await shot(page, 'scan-progress');
    // the progress page's script goes back to the overview when the scan is done (a scan
    // that finished before the page loaded just says so)
    // (polled from here: the page's CSP rightly refuses Playwright's string evaluation)
    for (let i = 0; i < 480 && !page.url().endsWith('/'); i++) {
      const state = await page.getAttribute('#scan-state', 'data-state', { timeout: 1000 }).catch(() => null);
      if (state === 'done') break;
      await new Promise((r) => setTimeout(r, 250));
    }
    if (!page.url().endsWith('/')) await page.goto(`${url}/`);
    await page.waitForURL(`${url}/`);
    assert.match(await page.textContent('#affected') ?? '', /web274-example\.de/);
    assert.match(await page.textContent('#dnsbl-state') ?? '', /not configured/);
    assert.equal(await page.locator('svg#timeline rect.bar').count() > 0, true);
    await shot(page, 'overview');

    await page.click('#affected a[href="/subscriptions/web274"]');
    await page.waitForURL(`${url}/subscriptions/web274`);
    assert.ok((await page.locator('.script-path').allTextContents()).includes(droppedScriptFile()), 'script path shown');
    assert.ok((await page.locator('.attacker-ip').allTextContents()).includes(WEB_SPAM_BOT_IP), 'attacker IP shown');
    assert.ok((await page.textContent('main'))?.includes(DROPPED_SCRIPT.urlPath));
    await shot(page, 'subscription-web274');

    // only web274's mail is put on hold (the hostile-subject mail from shopuser stays deferred)
    const held = async () => (await postqueueJson()).filter((e) => e.queue_name === 'hold').length;
    assert.equal(await held(), 0);
    await page.click('.action-preview[data-action="queue-hold"]');
    await page.waitForURL(/\/subscriptions\/web274\/plan\?/);
    assert.match(await page.textContent('#plan-steps') ?? '', /postsuper -h -/);
    assert.match(await page.textContent('#plan-undo') ?? '', /postsuper -H -/);
    assert.equal(await held(), 0, 'the preview changed nothing');
    await shot(page, 'plan-queue-hold');

    await page.click('#apply');
    await page.waitForURL(`${url}/subscriptions/web274/apply`);
    assert.match(await page.textContent('#result-state') ?? '', /Applied as \d{8}T\d{6}Z-[0-9a-f]{8}\. Checked on the system: OK/);
    await shot(page, 'applied-queue-hold');
    const heldNow = await held();
    assert.ok(heldNow >= 25, `${heldNow} web274 messages on hold`);
    assert.ok((await postqueueJson()).some((e) => e.queue_name !== 'hold' && /shop-example\.de$/.test(e.sender)), 'other sources untouched');

    await page.goto(`${url}/audit`);
    const row = page.locator('tr.audit-row[data-action="queue-hold"]');
    assert.equal(await row.count(), 1);
    assert.match(await row.textContent() ?? '', /panel:admin[\s\S]*uid:4079[\s\S]*Checked on the system: OK/);
    await shot(page, 'audit');
    // take it back from the audit log: the lab's queue is as before
    await row.locator('button').click();
    await page.waitForURL(/\/audit\/\d+\/undo$/);
    assert.match(await page.textContent('#result-state') ?? '', /Undone\. Checked on the system: OK/);
    assert.equal(await held(), 0);
    assert.deepEqual(dialogs, []);
    await ctx.close();
  });

  test('hostile subjects render as text: no dialog, no request to x', async () => {
    const { ctx, page, dialogs, requests } = await signedIn(token('admin', 'admin', key));
    await page.goto(`${url}/subscriptions/shop`);
    const subjects = await page.locator('code.subject').allTextContents();
    assert.ok(subjects.includes(SCRIPT_SUBJECT), `subjects: ${JSON.stringify(subjects)}`);
    assert.ok(subjects.includes(IMG_HTML), `the RFC 2047 subject decoded and shown as text: ${JSON.stringify(subjects)}`);
    assert.equal(await page.locator('main img').count(), 0);
    assert.equal(await page.locator('main script').count(), 0);
    await page.waitForTimeout(300);
    assert.deepEqual(dialogs, []);
    assert.deepEqual(requests.filter((u) => /\/x$/.test(u)), []);
    await shot(page, 'subscription-shop-hostile-subjects');
    await ctx.close();
  });

  test('a reseller sees only its customers, and asking by URL for another reseller\'s customer gets 403', async () => {
    const { ctx, page } = await signedIn(token('reseller', 'r2', key));
    await page.goto(`${url}/reseller`);
    const list = (await page.textContent('main')) ?? '';
    assert.match(list, /shop-example\.de/);
    assert.doesNotMatch(list, /web274-example\.de/);
    await shot(page, 'reseller-r2');
    const r = await page.goto(`${url}/subscriptions/web274`);
    assert.equal(r?.status(), 403);
    assert.doesNotMatch((await page.textContent('main')) ?? '', /web274-example\.de|kqzvmx/);
    await shot(page, 'reseller-r2-forbidden');
    await ctx.close();
  });

  test('a customer sees only its own subscription, in plain words', async () => {
    const { ctx, page } = await signedIn(token('customer', 'k274', key, ['web274-example.de']));
    await page.goto(`${url}/`);
    await page.waitForURL(`${url}/customer`);
    const text = (await page.textContent('main')) ?? '';
    assert.match(text, /web274-example\.de sent \d+ messages that look like spam/);
    assert.ok(text.includes(droppedScriptFile()));
    assert.doesNotMatch(text, /shop-example\.de|kunde-beispiel\.de/);
    await shot(page, 'customer-k274');
    assert.equal((await page.goto(`${url}/subscriptions/shop`))?.status(), 403);
    assert.equal((await page.goto(`${url}/audit`))?.status(), 403);
    await ctx.close();
  });

  test('a customer whose browser speaks German reads it in German', async () => {
    const { ctx, page } = await signedIn(token('customer', 'k274', key, ['web274-example.de']), 'de-DE');
    await page.goto(`${url}/customer`);
    const text = (await page.textContent('main')) ?? '';
    assert.match(text, /Ihr Abonnement web274-example\.de hat \d+ Nachrichten versendet, die nach Spam aussehen/);
    assert.match(text, /Was Sie tun sollten/);
    await shot(page, 'customer-k274-de');
    await ctx.close();
  });
});
