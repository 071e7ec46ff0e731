/**
 * Inside Plesk, as near as this machine gets: the packaged extension (npm run
 * package:plesk, unzipped) served by PHP's built-in web server with the stand-in panel of
 * test/panel-standin/ (pm_* classes written from plesk/pm-api-stubs; only Plesk itself is
 * emulated), the bundled Node service from the same zip running `serve --forwarded-only`
 * on loopback, a real lab scan (Postfix, Apache/PHP-FPM) and headless Chromium.
 *
 * Admin, reseller and customer open the extension page on the panel's origin; everything
 * the UI shows, links to, posts to, loads and polls stays under
 * /modules/spamtrace/index.php/ui/ on that origin. The admin starts a scan (the progress
 * script polls through the panel), drills into the spamming subscription, plans and applies
 * "hold queued mail" and sees the result; a reseller asking for another reseller's
 * subscription gets nothing; a request straight to the service gets 403.
 *
 * Needs root, Postfix, Apache, PHP-FPM, php-cli, zip/unzip and /usr/bin/chromium; takes
 * the lab lock. `npm run test:panel` runs it alone.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type Frame, type Page } from 'playwright-core';
import { flushQueue, labDown, labUp, postqueueJson, runScenario, waitForQueueSettled } from '../lab/lab';
import { acquireLabLock, releaseLabLock } from '../lab/lab-lock';
import { CHROMIUM, launchChromium } from './browser';
import { droppedScriptFile, webSite } from '../lab/web/web-layout';
import { FORWARD_HEADER, signForwarded } from '../../src/auth/forwarded-request';
import { packageRoot } from '../../src/package-root';

const have = (cmd: string, args: string[]) => spawnSync(cmd, args).error === undefined;
const canRun =
  process.getuid?.() === 0 &&
  existsSync('/usr/sbin/postfix') &&
  existsSync('/usr/sbin/apache2') &&
  existsSync(CHROMIUM) &&
  have('php', ['--version']) &&
  have('zip', ['-v']) &&
  have('unzip', ['-v']);
const skip = process.env['SPAMTRACE_SKIP_LAB'] ? 'SPAMTRACE_SKIP_LAB is set' : canRun ? false : 'needs root, Postfix, Apache, PHP-FPM, php-cli, zip, unzip and /usr/bin/chromium';
const ROOT = packageRoot(__dirname);
const BASE = '/modules/spamtrace/index.php/ui';
/** generous: a loaded 2-core CI machine scans the lab and packs node_modules */
const WAIT_MS = 120_000;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Resolves when the child printed `pattern` on stderr or stdout; rejects when it exits first. */
function waitForOutput(child: ChildProcess, pattern: RegExp, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start: ${seen.slice(-2000)}`)), WAIT_MS);
    const onData = (b: Buffer) => {
      seen += b.toString();
      if (pattern.test(seen)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stderr?.on('data', onData);
    child.stdout?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code}: ${seen.slice(-2000)}`));
    });
  });
}

/** Users, roles and domains of the stand-in panel: the lab's sites, as Plesk would hold them. */
function fixture(): object {
  const d = (user: string) => webSite(user).domain;
  return {
    locale: 'en-US',
    clients: [
      { id: 1, login: 'admin', type: 'admin' },
      { id: 2, login: 'r1', type: 'reseller' },
      { id: 3, login: 'r2', type: 'reseller' },
      { id: 4, login: 'k274', type: 'client', owner: 'r1' },
      { id: 5, login: 'kshop', type: 'client', owner: 'r2' },
      { id: 6, login: 'kkunde', type: 'client', owner: 'r2' },
    ],
    domains: [
      { id: 11, name: d('web274'), client: 'k274', webspace_id: 0 },
      // an add-on domain of web274's subscription: its button opens web274
      { id: 12, name: `blog-${d('web274')}`, client: 'k274', webspace_id: 11 },
      { id: 13, name: d('shopuser'), client: 'kshop', webspace_id: 0 },
      { id: 14, name: d('kundeuser'), client: 'kkunde', webspace_id: 0 },
    ],
    sbin: { 'spamtrace-service status': { code: 0, stdout: 'running', stderr: '' } },
  };
}

/** Who owns what for the scan: the same sites with their system users (a static map). */
function ownerMap(): object {
  const entry = (id: string, user: string, customer: string, reseller: string) => {
    const s = webSite(user);
    return { id, domains: [s.domain], sysUser: s.user, uid: s.uid, homeDir: s.home, docRoots: [s.docRoot], logDirs: [s.logDir], customer, reseller };
  };
  return { version: 1, subscriptions: [entry('web274', 'web274', 'k274', 'r1'), entry('shop', 'shopuser', 'kshop', 'r2'), entry('kunde', 'kundeuser', 'kkunde', 'r2')] };
}

describe('the extension inside a stand-in Plesk, through the panel\'s own origin', { skip, concurrency: false }, () => {
  let work = '';
  let panel = '';
  let service = '';
  let key: Buffer;
  let serviceProc: ChildProcess | null = null;
  let phpProc: ChildProcess | null = null;
  let browser: Browser;

  /** A browser logged in to the stand-in panel as `as` (impersonated by `by`), on the extension page. */
  const open = async (as: string, by = ''): Promise<{ ctx: BrowserContext; page: Page; frame: Frame; requests: string[] }> => {
    const ctx = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('dialog', (d) => void d.dismiss());
    await page.goto(`${panel}/standin/login?as=${as}${by ? `&by=${by}` : ''}`);
    await page.waitForURL(`${panel}/modules/spamtrace/index.php/index/index`);
    return { ctx, page, frame: await uiFrame(page), requests };
  };

  const uiFrame = async (page: Page): Promise<Frame> => {
    const handle = await page.waitForSelector('#spamtrace-frame');
    const frame = await handle.contentFrame();
    assert.ok(frame, 'the extension page has the UI frame');
    await frame.waitForLoadState();
    return frame;
  };

  before(async () => {
    if (skip) return;
    await acquireLabLock();
    await labUp();
    await flushQueue();
    const since = new Date(Math.floor(Date.now() / 1000) * 1000 - 1000).toISOString();
    await runScenario('web-spam', { wait: true });
    await waitForQueueSettled();

    work = mkdtempSync(join(tmpdir(), 'panel-standin-'));
    const pkg = spawnSync(process.execPath, [join(ROOT, 'dist', 'src', 'package', 'plesk-package.js'), '--out', work], { encoding: 'utf8' });
    assert.equal(pkg.status, 0, pkg.stderr);
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    const ext = join(work, 'extension');
    const unzip = spawnSync('unzip', ['-q', join(work, `spamtrace-plesk-${version}.zip`), '-d', ext], { encoding: 'utf8' });
    assert.equal(unzip.status, 0, unzip.stderr);

    // what spamtrace-service install creates on a server: the shared key (0600) and the config
    key = Buffer.from(randomBytes(48).toString('base64'));
    const keyFile = join(work, 'panel-secret');
    writeFileSync(keyFile, `${key.toString()}\n`, { mode: 0o600 });
    const servicePort = await freePort();
    const config = join(work, 'spamtrace.json');
    writeFileSync(config, JSON.stringify({ service: { panelSecretFile: keyFile, listen: { host: '127.0.0.1', port: servicePort } } }), { mode: 0o600 });
    // the installed manifest names this machine's key file and port (as an admin would edit it)
    const manifest = join(ext, 'plib', 'panel-manifest');
    writeFileSync(
      manifest,
      readFileSync(manifest, 'utf8')
        .replace(/^service\.listen = .*$/m, `service.listen = 127.0.0.1:${servicePort}`)
        .replace(/^auth\.secret_file = .*$/m, `auth.secret_file = ${keyFile}`),
    );
    const map = join(work, 'owners.json');
    writeFileSync(map, JSON.stringify(ownerMap()));
    const standinFixture = join(work, 'fixture.json');
    writeFileSync(standinFixture, JSON.stringify(fixture()));

    // the service from the zip, as the unit runs it
    serviceProc = spawn(
      process.execPath,
      [join(ext, 'plib', 'app', 'dist', 'src', 'cli.js'), 'serve', '--forwarded-only', '--config', config, '--store', join(work, 'spamtrace.db'), '--journal', join(work, 'journal.jsonl'), '--', '--since', since, '--static-map', map],
      { stdio: ['ignore', 'pipe', 'pipe'], cwd: work },
    );
    await waitForOutput(serviceProc, /serving on http:\/\/127\.0\.0\.1:\d+/, 'spamtrace serve');
    service = `http://127.0.0.1:${servicePort}`;

    const panelPort = await freePort();
    phpProc = spawn('php', ['-S', `127.0.0.1:${panelPort}`, join(ROOT, 'test', 'panel-standin', 'router.php')], {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: work,
      detached: true,
      env: { ...process.env, STANDIN_EXTENSION: ext, STANDIN_FIXTURE: standinFixture, PHP_CLI_SERVER_WORKERS: '4' },
    });
    await waitForOutput(phpProc, /Development Server .* started/, 'php -S');
    panel = `http://127.0.0.1:${panelPort}`;

    browser = await launchChromium();
  });

  after(async () => {
    try {
      await browser?.close();
      // php -S runs workers of its own: end the whole process group it leads
      if (phpProc?.pid) process.kill(-phpProc.pid, 'SIGTERM');
      serviceProc?.kill('SIGTERM');
      if (work) rmSync(work, { recursive: true, force: true });
      await labDown();
    } finally {
      await releaseLabLock();
    }
  });

  test('the admin scans, drills in, plans and applies "hold queued mail" and sees the result, all on the panel\'s origin', async () => {
    const { ctx, page, frame, requests } = await open('admin');
    assert.match((await page.textContent('#standin-nav')) ?? '', /Spam origins/, 'the admin navigation button');
    assert.equal(frame.url(), `${panel}${BASE}/`);

    await frame.click('#scan-now');
    await frame.waitForURL(new RegExp(`^${panel}${BASE}/scans/\\d+$`));
    // scan-progress.js polls /scans/N/progress through the panel and goes back to the
    // overview; a scan that finished before the page loaded just says so (polled from here:
    // the page's CSP rightly refuses Playwright's string evaluation)
    let polled = false;
    for (const end = Date.now() + WAIT_MS; Date.now() < end; ) {
      if (frame.url() === `${panel}${BASE}/`) {
        polled = true;
        break;
      }
      const state = await frame.getAttribute('#scan-state', 'data-state', { timeout: 1000 }).catch(() => null);
      if (state === 'done' && frame.url() !== `${panel}${BASE}/`) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    // scan-progress.js sets data-state "done" and then navigates to the overview itself: a
    // goto of ours at that moment is interrupted by its navigation. Let it go; only a page
    // that was rendered done (no script tick) needs us to go there.
    if (!polled) await frame.waitForURL(`${panel}${BASE}/`, { timeout: 5000 }).catch(() => frame.goto(`${panel}${BASE}/`));
    assert.match((await frame.textContent('#affected')) ?? '', /web274-example\.de/);

    await frame.click(`#affected a[href="${BASE}/subscriptions/web274"]`);
    await frame.waitForURL(`${panel}${BASE}/subscriptions/web274`);
    assert.ok((await frame.locator('.script-path').allTextContents()).includes(droppedScriptFile()), 'script path shown');

    const held = async () => (await postqueueJson()).filter((e) => e.queue_name === 'hold').length;
    assert.equal(await held(), 0);
    await frame.click('.action-preview[data-action="queue-hold"]');
    await frame.waitForURL(new RegExp(`^${panel}${BASE}/subscriptions/web274/plan\\?`));
    assert.match((await frame.textContent('#plan-steps')) ?? '', /postsuper -h -/);
    assert.equal(await held(), 0, 'the plan changed nothing');
    await frame.click('#apply');
    await frame.waitForURL(`${panel}${BASE}/subscriptions/web274/apply`);
    assert.match((await frame.textContent('#result-state')) ?? '', /Applied as \d{8}T\d{6}Z-[0-9a-f]{8}\. Checked on the system: OK/);
    assert.ok((await held()) >= 25, 'web274\'s mail is on hold');

    // take it back from the audit log, through the panel too
    await frame.goto(`${panel}${BASE}/audit`);
    const row = frame.locator('tr.audit-row[data-action="queue-hold"]');
    assert.match((await row.textContent()) ?? '', /panel:admin/);
    await row.locator('button').click();
    await frame.waitForURL(new RegExp(`^${panel}${BASE}/audit/\\d+/undo$`));
    assert.match((await frame.textContent('#result-state')) ?? '', /Undone\. Checked on the system: OK/);
    assert.equal(await held(), 0);

    // nothing the browser asked for went anywhere but the panel's origin
    assert.deepEqual(requests.filter((u) => !u.startsWith(`${panel}/`)), []);
    assert.ok(requests.some((u) => u === `${panel}${BASE}/static/app.css`), 'the stylesheet came through the panel');
    if (polled) assert.ok(requests.some((u) => /\/scans\/\d+\/progress$/.test(u) && u.startsWith(`${panel}${BASE}/`)), 'the progress poller asked through the panel');
    await ctx.close();
  });

  test('a reseller sees its customers, and asking for another reseller\'s subscription gets nothing', async () => {
    const r1 = await open('r1');
    assert.equal(r1.frame.url(), `${panel}${BASE}/reseller`);
    assert.match((await r1.frame.textContent('main')) ?? '', /web274-example\.de/, 'r1 sees its customer k274');
    await r1.ctx.close();

    const { ctx, page, frame } = await open('r2');
    assert.equal(frame.url(), `${panel}${BASE}/reseller`);
    assert.doesNotMatch((await frame.textContent('main')) ?? '', /web274-example\.de/);
    const r = await page.goto(`${panel}${BASE}/subscriptions/web274`);
    assert.equal(r?.status(), 403);
    assert.doesNotMatch((await page.content()) ?? '', /web274-example\.de|uid:4079/);
    await ctx.close();
  });

  test('a customer sees its own subscription; an admin working as that customer sees the same', async () => {
    for (const by of ['', 'admin']) {
      const { ctx, page, frame } = await open('k274', by);
      assert.match((await page.textContent('#standin-nav')) ?? '', /Spam origins/, 'the hosting panel navigation button');
      assert.equal(frame.url(), `${panel}${BASE}/customer`);
      const text = (await frame.textContent('main')) ?? '';
      assert.match(text, /web274-example\.de sent \d+ messages that look like spam/);
      assert.doesNotMatch(text, /shop-example\.de|kunde-beispiel\.de/);
      assert.equal((await page.goto(`${panel}${BASE}/audit`))?.status(), 403);
      await ctx.close();
    }
  });

  test('the button on an add-on domain\'s card opens its subscription; an alias card has no button', async () => {
    const { ctx, page } = await open('admin');
    await page.goto(`${panel}/standin/domain?id=12`);
    await page.click('a.standin-domain-button');
    const frame = await uiFrame(page);
    await frame.waitForURL(`${panel}${BASE}/subscriptions/web274`);
    await page.goto(`${panel}/standin/domain?id=11&alias=3`);
    assert.equal(await page.locator('a.standin-domain-button').count(), 0);
    assert.equal(await page.locator('#standin-no-buttons').count(), 1);
    await ctx.close();
  });

  test('a request straight to the service without the controller\'s identity gets 403 and nothing else', async () => {
    for (const path of ['/', '/login', '/static/app.css', '/subscriptions/web274', '/scans/1/progress']) {
      const r = await fetch(service + path, { redirect: 'manual' });
      assert.equal(r.status, 403, path);
      assert.doesNotMatch(await r.text(), /web274|<form/, path);
    }
    // signed with another key, or replayed, it is refused too
    const now = Math.floor(Date.now() / 1000);
    const claims = { v: 1, role: 'admin', login: 'admin', scope: { kind: 'all' }, iat: now, exp: now + 60, jti: randomBytes(16).toString('hex'), m: 'GET', p: '/audit', b: BASE, sid: '' };
    assert.equal((await fetch(`${service}/audit`, { headers: { [FORWARD_HEADER]: signForwarded(claims, randomBytes(48)) } })).status, 403);
    const good = signForwarded(claims, key);
    assert.equal((await fetch(`${service}/audit`, { headers: { [FORWARD_HEADER]: good } })).status, 200);
    assert.equal((await fetch(`${service}/audit`, { headers: { [FORWARD_HEADER]: good } })).status, 403, 'a replay');
  });
});
