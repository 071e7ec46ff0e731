/**
 * `spamtrace watch` on the real lab, as an admin runs it (a child process following the real
 * /var/log/mail.log), with live runs started while it watches:
 *
 * - dry-run: a dropper is reported (trip record, "would" plans) and nothing changes;
 * - live: a dropper (uid 4079, one message a second) is held within 60 s of its first
 *   message and its further sendmail calls are refused; a stolen login used from three
 *   foreign addresses is paused (4xx from each address), an open relay client in mynetworks
 *   too; at the same time a newsletter at
 *   the rate of 250 messages in 2 minutes (scaled to 60 s here: 125 messages, same rate, to
 *   bound the test's time), a contact form and root's cron mail never trip;
 * - one-click release: every action undone, held mail back in the deferred queue, main.cf
 *   byte for byte as before.
 *
 * Needs root, Postfix and sasl2-bin; takes the lab lock. Prints the seconds and counts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flushQueue, labDown, labUp, postqueueJson, sha256File } from '../lab/lab';
import { acquireLabLock, releaseLabLock } from '../lab/lab-lock';
import { runPaced, type PacedResult } from '../lab/paced-run';
import { SmtpSession } from '../lab/smtp-client';
import { STOLEN_FROM, WATCH_CONTACT_FORM, WATCH_CRON, WATCH_DROPPER, WATCH_NEWSLETTER, WATCH_OPEN_RELAY, WATCH_STOLEN_LOGIN } from '../lab/watch-scenarios';
import { waitFor } from '../lab/wait-for';
import { packageRoot, runCli } from '../helpers/run-cli';
import { tripsOf, type TripView } from '../../src/watch/trip-store';

const canRun = process.getuid?.() === 0 && existsSync('/usr/sbin/postfix') && existsSync('/usr/sbin/saslpasswd2');
const skip = process.env['SPAMTRACE_SKIP_LAB'] ? 'SPAMTRACE_SKIP_LAB is set' : canRun ? false : 'needs root, Postfix and sasl2-bin';

const MAIN_CF = '/etc/postfix/main.cf';
const MAILLOG = '/var/log/mail.log';

interface Watcher {
  child: ChildProcess;
  stderr: () => string;
  stateDir: string;
}

function startWatch(mode: '--dry-run' | '--live', env: Record<string, string>, policyFile: string): Watcher {
  const stateDir = mkdtempSync(join(tmpdir(), 'watch-state-'));
  const child = spawn(
    process.execPath,
    [join(packageRoot(), 'dist', 'src', 'cli.js'), 'watch', mode, '--policy', policyFile, '--maillog', MAILLOG, '--state-dir', stateDir, '--poll-ms', '200'],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  return { child, stderr: () => err, stateDir };
}

async function stopWatch(w: Watcher): Promise<void> {
  if (w.child.exitCode !== null) return;
  const done = new Promise((r) => w.child.once('close', r));
  w.child.kill('SIGTERM');
  await done;
}

function tripsIn(w: Watcher): TripView[] {
  const p = join(w.stateDir, 'trips.jsonl');
  return existsSync(p) ? tripsOf(readFileSync(p, 'utf8')) : [];
}

async function heldFrom(sender: RegExp): Promise<number> {
  return (await postqueueJson()).filter((e) => e.queue_name === 'hold' && sender.test(e.sender)).length;
}

/** The watcher has read the log up to now (its status file names the lines followed). */
async function watcherReady(w: Watcher): Promise<void> {
  await waitFor(async () => existsSync(join(w.stateDir, 'position.json')) || w.child.exitCode !== null, 30_000, 'the watcher to start');
  assert.equal(w.child.exitCode, null, `watch ended early: ${w.stderr()}`);
}

describe('spamtrace watch on the real lab', { skip, concurrency: false }, () => {
  let env: Record<string, string>;
  let policyFile: string;
  let mainCfBefore: string;
  const watchers: Watcher[] = [];

  before(async () => {
    await acquireLabLock();
    await labUp();
    await flushQueue();
    // an earlier run killed before its release leaves its access maps behind (the lab does not
    // know them): a login or client still listed there would make this run's release "restore"
    // the block. Only spamtrace's own maps are removed.
    for (const f of ['spamtrace_sasl_access', 'spamtrace_client_access']) for (const ext of ['', '.db']) rmSync(join('/etc/postfix', f + ext), { force: true });
    const dir = mkdtempSync(join(tmpdir(), 'watch-lab-'));
    env = { SPAMTRACE_ACT_JOURNAL: join(dir, 'journal.jsonl'), SPAMTRACE_CONFIG: '', SPAMTRACE_NOTIFY_CONFIG: '' };
    policyFile = join(dir, 'watch.json');
    // no blocklist lookups from a test: nothing leaves the machine (dnsbl-dns.test.ts checks those against nsd)
    writeFileSync(policyFile, JSON.stringify({ windowMinutes: 10, minMessages: 3, maxTripsPerHour: 10, dnsbl: { zones: [] } }));
    mainCfBefore = await sha256File(MAIN_CF);
  });

  after(async () => {
    try {
      for (const w of watchers) await stopWatch(w);
      await labDown();
    } finally {
      await releaseLabLock();
    }
  });

  test('dry-run reports the dropper and changes nothing', async () => {
    const w = startWatch('--dry-run', env, policyFile);
    watchers.push(w);
    await watcherReady(w);
    let tripped = false;
    const run = runPaced(WATCH_DROPPER, { total: 60, perSecond: 2, stop: () => tripped, seed: 1 });
    await waitFor(async () => (tripped = tripsIn(w).some((t) => t.source === 'uid:4079')), 90_000, 'a dry-run trip of uid:4079', 250);
    const r = await run;
    await stopWatch(w);
    const t = tripsIn(w).find((x) => x.source === 'uid:4079')!;
    assert.equal(t.state, 'dry-run');
    assert.equal(t.verdict, 'spam');
    assert.deepEqual(t.actions.map((a) => a.action), ['queue-hold', 'block-submit']);
    assert.ok(t.actions.every((a) => a.id === null && a.notes[0]!.startsWith('would: ')), JSON.stringify(t.actions));
    assert.equal(await heldFrom(/@web274-example\.de$/), 0, 'dry-run held nothing');
    assert.equal(await sha256File(MAIN_CF), mainCfBefore, 'dry-run left main.cf alone');
    assert.equal(r.failed, 0, 'sendmail was never refused');
    console.log(`dry-run: would have tripped ${t.secondsFromFirstMessage} s after the dropper's first message (${r.submitted} messages sent)`);
    await flushQueue();
  });

  test('live: the dropper is held within 60 s and the stolen login paused; newsletter, contact form and cron never trip; release undoes all', async () => {
    const w = startWatch('--live', env, policyFile);
    watchers.push(w);
    await watcherReady(w);
    let dropperHeld = false;
    let loginPaused = false;
    let relayPaused = false;
    // benign mail first and throughout
    const benign = Promise.all([
      runPaced(WATCH_NEWSLETTER, { total: 125, perSecond: 250 / 120, seed: 2 }),
      runPaced(WATCH_CONTACT_FORM, { total: 5, perSecond: 0.5, seed: 3 }),
      runPaced(WATCH_CRON, { total: 3, perSecond: 0.2, seed: 4 }),
    ]);
    // the attacks start while it runs
    const dropper = runPaced(WATCH_DROPPER, { total: 120, perSecond: 1, stop: () => dropperHeld, maxFailures: 2, seed: 5 });
    const login = runPaced(WATCH_STOLEN_LOGIN, { total: 90, perSecond: 1, stop: () => loginPaused, maxFailures: 3, seed: 6 });
    const relay = runPaced(WATCH_OPEN_RELAY, { total: 90, perSecond: 1, stop: () => relayPaused, maxFailures: 3, seed: 9 });

    let heldAt = 0;
    await waitFor(
      async () => {
        const ts = tripsIn(w);
        if (!dropperHeld && ts.some((t) => t.source === 'uid:4079' && t.state === 'tripped')) {
          dropperHeld = true;
          heldAt = Date.now();
        }
        loginPaused ||= ts.some((t) => t.source === 'sasl:kontakt@kunde-beispiel.de' && t.state === 'tripped');
        relayPaused ||= ts.some((t) => t.source === 'client:192.0.2.77' && t.state === 'tripped');
        return dropperHeld && loginPaused && relayPaused;
      },
      150_000,
      'trips of the dropper, the stolen login and the open relay',
      250,
    );
    const d: PacedResult = await dropper;
    const l: PacedResult = await login;
    const o: PacedResult = await relay;
    const [news, form, cron] = await benign;
    const trips = tripsIn(w);
    const td = trips.find((t) => t.source === 'uid:4079')!;
    const tl = trips.find((t) => t.source === 'sasl:kontakt@kunde-beispiel.de')!;
    const tr = trips.find((t) => t.source === 'client:192.0.2.77')!;

    // the dropper: held within 60 s of its first message, later sendmail calls refused
    const secs = (heldAt - d.firstAcceptedAt!) / 1000;
    const beforeTrip = d.acceptedAt.filter((x) => x <= heldAt).length;
    assert.ok(td.actions.every((a) => a.ok && a.id), JSON.stringify(td.actions));
    const held = await heldFrom(/@web274-example\.de$/);
    console.log(
      `dropper: held ${secs.toFixed(1)} s after its first message (watch says ${td.secondsFromFirstMessage} s); ` +
        `${beforeTrip} messages submitted before, ${held} held, ${d.submitted - held} already out (delivered to gmx.de before the hold); ` +
        `then sendmail refused ${d.failed} (${d.errors[0] ?? ''})`,
    );
    assert.ok(secs <= 60, `held after ${secs} s`);
    assert.ok(held > 0);
    const probe = await runPaced(WATCH_DROPPER, { total: 1, perSecond: 1, maxFailures: 1, seed: 7 });
    assert.equal(probe.submitted, 0, 'web274 can no longer submit');
    assert.match(probe.errors[0] ?? '', /not allowed to submit/);

    // the stolen login: paused (4xx) from each of the three addresses
    assert.ok(tl.actions.some((a) => a.action === 'defer-login' && a.ok), JSON.stringify(tl.actions));
    console.log(`stolen login: paused ${tl.secondsFromFirstMessage} s after its first message, ${l.submitted} messages accepted before`);
    for (const addr of STOLEN_FROM) {
      const s = await SmtpSession.open({ host: '127.0.0.1', port: 25, ehlo: 'probe', xclient: { addr, helo: 'probe' }, auth: { user: 'kontakt@kunde-beispiel.de', password: 'Sommer2014', mechanism: 'LOGIN' }, timeoutMs: 30_000 });
      const r = await s.send({ from: 'x@kunde-beispiel.de', to: ['someone@gmail.com'], data: 'Subject: probe\n\nprobe\n' });
      await s.quit();
      assert.equal(r.ok, false, `accepted from ${addr}`);
      assert.match(r.error ?? '', /^4\d\d /, `from ${addr}: ${r.error}`);
    }

    // the open relay: paused with a 4xx, its queued mail held
    assert.ok(tr.actions.some((a) => a.action === 'defer-client' && a.ok), JSON.stringify(tr.actions));
    console.log(`open relay: paused ${tr.secondsFromFirstMessage} s after its first message, ${o.submitted} messages accepted before`);
    {
      const s = await SmtpSession.open({ host: '127.0.0.1', port: 25, ehlo: 'probe', xclient: { addr: '192.0.2.77', helo: 'probe' }, timeoutMs: 30_000 });
      const r = await s.send({ from: 'x@example.org', to: ['someone@aol.com'], data: 'Subject: probe\n\nprobe\n' });
      await s.quit();
      assert.equal(r.ok, false, 'accepted from 192.0.2.77');
      assert.match(r.error ?? '', /^4\d\d /, `from 192.0.2.77: ${r.error}`);
    }

    // benign mail never tripped
    assert.equal(news.failed + form.failed + cron.failed, 0);
    for (const id of ['uid:10002', 'uid:10003', 'uid:0']) assert.equal(trips.some((t) => t.source === id), false, `${id} tripped: ${JSON.stringify(trips.find((t) => t.source === id))}`);
    console.log(`benign: newsletter ${news.submitted} messages in ${((news.acceptedAt.at(-1)! - news.firstAcceptedAt!) / 1000).toFixed(0)} s, contact form ${form.submitted}, cron ${cron.submitted}: no trip`);
    await stopWatch(w);

    // one-click release, newest trip first: each undo then finds main.cf as its own apply left
    // it and puts it back byte for byte (released oldest first, the act engine only takes its
    // own entries out of a main.cf changed since, which leaves the parameter lines it added)
    for (const t of [td, tl, tr].sort((a, b) => b.at.localeCompare(a.at))) {
      const r = await runCli(['watch', 'release', t.id, '--state-dir', w.stateDir], env);
      assert.equal(r.code, 0, r.stdout + r.stderr);
    }
    assert.equal(await heldFrom(/@web274-example\.de$/), 0, 'released from hold');
    assert.equal(await sha256File(MAIN_CF), mainCfBefore, 'main.cf byte for byte as before');
    const again = await runPaced(WATCH_CRON, { total: 1, perSecond: 1, seed: 8 });
    assert.equal(again.submitted, 1);
  });
});
