/**
 * SMTP to localhost, live, on the real lab: two subscriptions' PHP scripts (Apache + PHP-FPM,
 * each pool running as its own user) speak SMTP to 127.0.0.1:25 in the same seconds. Timing
 * alone cannot tell whose message is whose (both sites' requests precede every submission);
 * the policy service, hooked into Postfix through the act engine and run by `spamtrace watch`,
 * records the uid that owns each connection's client socket, and `scan --json` then names for
 * every message the right subscription, script and attacker IP. Undo puts main.cf back byte for
 * byte, and with the service stopped Postfix still accepts mail (default_action=DUNNO).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { flushQueue, labDown, labUp, sha256File } from '../lab/lab';
import { acquireLabLock, releaseLabLock } from '../lab/lab-lock';
import { packageRoot, parseReport, runCli } from '../helpers/run-cli';
import { SMTP_SCRIPT, webSite } from '../lab/web/web-layout';
import { SMTP_MAILER_PHP } from '../lab/web/site-files';
import { labHttpRequest } from '../lab/web/http-submitter';
import { SmtpSession } from '../lab/smtp-client';
import { waitFor } from '../lab/wait-for';
import type { Report, ReportSource } from '../../src/domain/report';
import { parseOwnerLine } from '../../src/collect/smtp-owners/smtp-owner-log';

const canRun =
  process.getuid?.() === 0 && existsSync('/usr/sbin/postfix') && existsSync('/usr/sbin/apache2') && existsSync('/usr/sbin/saslpasswd2');
const skip = process.env['SPAMTRACE_SKIP_LAB'] ? 'SPAMTRACE_SKIP_LAB is set' : canRun ? false : 'needs root, Postfix, Apache and PHP-FPM';

const MAIN_CF = '/etc/postfix/main.cf';
const PORT = 10039;
const ROUNDS = 8;
const SHOP = webSite(SMTP_SCRIPT.site);
const KUNDE = webSite('kundeuser');
/** the second site's mailer: the same SMTP-speaking script, dropped somewhere else */
const KUNDE_SCRIPT = '/media/cache/smtp-cache.php';
const SHOP_IP = '185.220.101.99';
const KUNDE_IP = '45.141.87.12';

function form(n: number, site: string): string {
  return new URLSearchParams([
    ['a', `r${n}a${site}@aol.com,r${n}b${site}@yahoo.com`],
    ['b', `Payment received: invoice ${100000 + n}`],
    ['c', `service${n}@paypal-${site}.com`],
    ['d', 'Dear customer,\nplease verify your account: http://verify.example.ru/x.php\n'],
  ]).toString();
}

function source(r: Report, id: string): ReportSource {
  const s = r.sources.find((x) => x.id === id);
  assert.ok(s, `a source ${id} in ${r.sources.map((x) => x.id).join(', ')}`);
  return s;
}

describe('SMTP to localhost: the socket owner, recorded live by the policy service', { skip, concurrency: false }, () => {
  let dir: string;
  let stateDir: string;
  let env: Record<string, string>;
  let watch: ChildProcess | null = null;
  let watchErr = '';
  let mainCfBefore: string;
  let hookId: string;
  let since: string;
  const kundeFile = join(KUNDE.docRoot, KUNDE_SCRIPT);

  before(async () => {
    await acquireLabLock();
    const up = await labUp();
    assert.ok(up.web.started, `the lab web server: ${up.web.skippedReason ?? ''}`);
    await flushQueue();
    dir = mkdtempSync(join(tmpdir(), 'loopback-live-'));
    stateDir = join(dir, 'state');
    env = { SPAMTRACE_ACT_JOURNAL: join(dir, 'journal.jsonl'), SPAMTRACE_CONFIG: '', SPAMTRACE_NOTIFY_CONFIG: '' };
    writeFileSync(join(dir, 'watch.json'), JSON.stringify({ dnsbl: { zones: [] } }));
    // the second subscription's dropped mailer, owned by its user as an upload would be
    mkdirSync(dirname(kundeFile), { recursive: true });
    chownSync(dirname(kundeFile), KUNDE.uid, KUNDE.uid);
    chownSync(dirname(dirname(kundeFile)), KUNDE.uid, KUNDE.uid);
    writeFileSync(kundeFile, SMTP_MAILER_PHP, { mode: 0o644 });
    chownSync(kundeFile, KUNDE.uid, KUNDE.uid);
    mainCfBefore = await sha256File(MAIN_CF);
  });

  after(async () => {
    try {
      if (watch && watch.exitCode === null) {
        const done = new Promise((r) => watch!.once('close', r));
        watch.kill('SIGTERM');
        await done;
      }
      rmSync(join(KUNDE.docRoot, 'media'), { recursive: true, force: true });
      if (hookId && (await sha256File(MAIN_CF)) !== mainCfBefore) await runCli(['act', 'undo', hookId], env);
      await flushQueue();
      await labDown();
      rmSync(dir, { recursive: true, force: true });
    } finally {
      await releaseLabLock();
    }
  });

  test('the hook is applied through the act engine and checked', async () => {
    const r = await runCli(['act', 'apply', 'policy-hook', `127.0.0.1:${PORT}`, '--json'], env);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const out = JSON.parse(r.stdout) as { id: string; verification: { ok: boolean; observations: string[] } };
    hookId = out.id;
    assert.equal(out.verification.ok, true, out.verification.observations.join('; '));
    const value = (await runCli(['act', 'status', hookId, '--json'], env)).stdout;
    assert.match(value, /smtpd_end_of_data_restrictions/);
  });

  test('two sites sending in the same seconds: each message is counted under its own uid, with its script and IP', async () => {
    watch = spawn(
      process.execPath,
      [join(packageRoot(), 'dist', 'src', 'cli.js'), 'watch', '--dry-run', '--policy', join(dir, 'watch.json'), '--maillog', '/var/log/mail.log', '--state-dir', stateDir, '--poll-ms', '200', '--policy-listen', `127.0.0.1:${PORT}`],
      { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    watch.stderr!.setEncoding('utf8').on('data', (d: string) => (watchErr += d));
    await waitFor(async () => /policy service on 127\.0\.0\.1:/.test(watchErr) || watch!.exitCode !== null, 60_000, 'the watcher and its policy service');
    assert.equal(watch.exitCode, null, watchErr);
    since = new Date(Math.floor(Date.now() / 1000) * 1000 - 1000).toISOString();

    let sent = 0;
    for (let n = 1; n <= ROUNDS; n++) {
      // both bots at the same instant: one POST each, every second
      const answers = await Promise.all([
        labHttpRequest({ host: SHOP.domain, ip: SHOP_IP, method: 'POST', path: SMTP_SCRIPT.urlPath, body: form(n, 'shop') }, 120_000),
        labHttpRequest({ host: KUNDE.domain, ip: KUNDE_IP, method: 'POST', path: KUNDE_SCRIPT, body: form(n, 'kunde') }, 120_000),
      ]);
      for (const a of answers) assert.equal(a.status, 200, a.body);
      sent += 2;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const record = join(stateDir, 'smtp-owners.jsonl');
    const entries = () => (existsSync(record) ? readFileSync(record, 'utf8').split('\n').filter(Boolean).map(parseOwnerLine) : []);
    await waitFor(async () => entries().length >= sent, 120_000, `${sent} records in ${record}`, 250);
    const recs = entries().filter((e) => typeof e !== 'string');
    assert.equal(recs.length, sent);
    const uids = recs.map((e) => (typeof e === 'string' ? -1 : e.uid));
    assert.equal(uids.filter((u) => u === SHOP.uid).length, ROUNDS, JSON.stringify(recs));
    assert.equal(uids.filter((u) => u === KUNDE.uid).length, ROUNDS, JSON.stringify(recs));

    // the watcher counts them under the uids too, not under client:127.0.0.1
    const status = join(stateDir, 'status.json');
    await waitFor(
      async () => {
        if (!existsSync(status)) return false;
        const ids = (JSON.parse(readFileSync(status, 'utf8')) as { sources: { id: string }[] }).sources.map((s) => s.id);
        return ids.includes(`uid:${SHOP.uid}`) && ids.includes(`uid:${KUNDE.uid}`);
      },
      60_000,
      'the watcher to judge both uids',
      250,
    );
    const live = (JSON.parse(readFileSync(status, 'utf8')) as { sources: { id: string; messages: number }[] }).sources;
    assert.equal(live.find((s) => s.id === 'client:127.0.0.1'), undefined, JSON.stringify(live));

    const report = parseReport((await runCli(['scan', '--json', '--since', since, '--smtp-owners', record])).stdout);
    for (const [site, ip, path] of [
      [SHOP, SHOP_IP, SMTP_SCRIPT.urlPath],
      [KUNDE, KUNDE_IP, KUNDE_SCRIPT],
    ] as const) {
      const s = source(report, `uid:${site.uid}`);
      assert.equal(s.smtpLoopback?.how, 'socket owner (policy service)');
      assert.equal(s.smtpLoopback?.messages, ROUNDS);
      assert.equal(s.messages, ROUNDS);
      assert.equal(s.subscription?.domains.includes(site.domain), true, JSON.stringify(s.subscription));
      const top = s.scripts?.[0];
      assert.ok(top, s.scriptNote ?? 'no script');
      assert.equal(top.urlPath, path);
      assert.equal(top.filePath, join(site.docRoot, path));
      assert.equal(top.file?.owner, site.user);
      assert.equal(top.clients[0]?.value, ip);
      assert.equal(top.clients.length, 1, JSON.stringify(top.clients));
    }
    assert.equal(report.sources.find((x) => x.id === 'client:127.0.0.1'), undefined, 'no message left unattributed');

    // without the record, timing alone sees one client:127.0.0.1 that two sites explain equally
    const blind = parseReport((await runCli(['scan', '--json', '--since', since, '--smtp-owners', join(dir, 'none.jsonl')])).stdout);
    const lo = source(blind, 'client:127.0.0.1');
    assert.equal(lo.messages, 2 * ROUNDS);
    assert.equal(lo.subscription ?? null, null, lo.scriptNote);
    assert.match(lo.scriptNote ?? '', /equally well: not attributed/);
    console.log(`timing alone: ${lo.scriptNote ?? ''}`);
  });

  test('with the service stopped Postfix still accepts mail at once; undo restores main.cf byte for byte', async () => {
    const done = new Promise((r) => watch!.once('close', r));
    watch!.kill('SIGTERM');
    await done;
    const t0 = Date.now();
    const s = await SmtpSession.open({ host: '127.0.0.1', port: 25, ehlo: 'localhost', timeoutMs: 120_000 });
    const r = await s.send({ from: 'probe@kunde-beispiel.de', to: ['probe@accept.spamtrace.test'], data: 'Subject: policy service down\n\nstill accepted\n' });
    await s.quit();
    const ms = Date.now() - t0;
    assert.equal(r.ok, true, r.error);
    assert.ok(r.queueId, 'queued');
    console.log(`service stopped: message accepted in ${ms} ms`);

    const u = await runCli(['act', 'undo', hookId], env);
    assert.equal(u.code, 0, u.stderr + u.stdout);
    assert.equal(await sha256File(MAIN_CF), mainCfBefore, 'main.cf byte for byte as before');
  });
});
