/**
 * The customer's notice on a trip, on the real lab: `spamtrace watch` (a child process
 * following /var/log/mail.log) trips on the dropper of Confixx customer web274 (uid 4079),
 * finds its subscription in the inventory (a static file giving the customer's address and
 * German locale), and queues the notice through the notify outbox and policy; the notice
 * arrives at a real SMTP server on 127.0.0.1 (the `smtp-server` sink of the notify tests).
 * Dry-run first: the trip says what would be queued, the sink gets nothing, no outbox row.
 *
 * Needs root and Postfix; takes the lab lock.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { flushQueue, labDown, labUp } from '../lab/lab';
import { acquireLabLock, releaseLabLock } from '../lab/lab-lock';
import { runPaced } from '../lab/paced-run';
import { WATCH_DROPPER } from '../lab/watch-scenarios';
import { waitFor } from '../lab/wait-for';
import { runCli } from '../helpers/run-cli';
import { startWatch, stopWatch, tripsIn, watcherReady, type Watcher } from '../lab/watch-process';
import { openStore } from '../../src/store/open-store';
import { listNotices } from '../../src/store/notices';

const canRun = process.getuid?.() === 0 && existsSync('/usr/sbin/postfix');
const skip = process.env['SPAMTRACE_SKIP_LAB'] ? 'SPAMTRACE_SKIP_LAB is set' : canRun ? false : 'needs root and Postfix';

const CUSTOMER = 'inhaber@web274-example.de';

interface Received {
  to: string[];
  raw: string;
}

describe('watch tells the customer on a trip, through the notify outbox', { skip, concurrency: false }, () => {
  let dir: string;
  let env: Record<string, string>;
  let sink: SMTPServer;
  const received: Received[] = [];
  const watchers: Watcher[] = [];
  const watch = (mode: '--dry-run' | '--live'): Watcher => {
    const w = startWatch(mode, env, join(dir, 'watch.json'), mkdtempSync(join(dir, 'state-')));
    watchers.push(w);
    return w;
  };

  before(async () => {
    sink = new SMTPServer({
      logger: false,
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      onData(stream: SMTPServerDataStream, session: SMTPServerSession, cb: (err?: Error | null, message?: string) => void) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
          cb(null, `Ok: queued as SINK${received.length}`);
        });
      },
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    const port = (sink.server.address() as AddressInfo).port;

    await acquireLabLock();
    await labUp();
    await flushQueue();
    dir = mkdtempSync(join(tmpdir(), 'watch-notice-'));
    writeFileSync(
      join(dir, 'inventory.json'),
      JSON.stringify({
        version: 1,
        subscriptions: [
          {
            id: 'web274',
            domains: ['web274-example.de'],
            sysUser: 'web274',
            uid: 4079,
            customer: { login: 'web274', email: CUSTOMER, locale: 'de_DE' },
            reseller: { login: 'agentur', email: 'ops@agentur.example' },
          },
        ],
      }),
    );
    writeFileSync(join(dir, 'spamtrace.json'), JSON.stringify({ panel: 'static', staticFile: join(dir, 'inventory.json'), store: { path: join(dir, 'spamtrace.db') } }));
    // the watcher trips after a few messages, when the score is still low: this hoster tells
    // customers about every spam verdict without approval (6, the lowest the policy allows)
    writeFileSync(
      join(dir, 'notify.json'),
      JSON.stringify({
        from: 'Hoster Support <abuse@hoster.example>',
        hosterName: 'Hoster GmbH',
        transport: { kind: 'smtp', host: '127.0.0.1', port, timeoutSeconds: 30 },
        policy: { autoMinScore: 6 },
      }),
    );
    // no blocklist lookups from a test
    writeFileSync(join(dir, 'watch.json'), JSON.stringify({ windowMinutes: 10, minMessages: 3, maxTripsPerHour: 10, dnsbl: { zones: [] } }));
    env = {
      SPAMTRACE_ACT_JOURNAL: join(dir, 'journal.jsonl'),
      SPAMTRACE_CONFIG: join(dir, 'spamtrace.json'),
      SPAMTRACE_NOTIFY_CONFIG: join(dir, 'notify.json'),
    };
  });

  after(async () => {
    try {
      for (const w of watchers) await stopWatch(w);
      await labDown();
    } finally {
      await releaseLabLock();
      await new Promise<void>((resolve) => sink.close(() => resolve()));
    }
  });

  test('dry-run: the trip says the notice would be queued in German; nothing is queued or sent', async () => {
    const w = watch('--dry-run');
    await watcherReady(w);
    let tripped = false;
    const run = runPaced(WATCH_DROPPER, { total: 60, perSecond: 2, stop: () => tripped, seed: 11 });
    await waitFor(async () => (tripped = tripsIn(w).some((t) => t.source === 'uid:4079')), 90_000, 'a dry-run trip of uid:4079', 250);
    await run;
    await stopWatch(w);
    const t = tripsIn(w).find((x) => x.source === 'uid:4079')!;
    assert.equal(t.state, 'dry-run');
    assert.equal(t.notice?.subscription, 'web274', w.stderr());
    assert.equal(t.notice?.decision, 'auto', `score ${t.score}: ${t.notice?.reason}`);
    assert.deepEqual(t.notice?.notices.map((n) => [n.recipient, n.locale, n.state, n.id]), [[CUSTOMER, 'de', 'would-queue', null]]);
    assert.equal(received.length, 0, 'nothing was sent');
    assert.equal(existsSync(join(dir, 'spamtrace.db')), false, 'no outbox was even created');
    await flushQueue();
  });

  test('live: the notice is queued through the outbox and arrives at the SMTP server in German', async () => {
    const w = watch('--live');
    await watcherReady(w);
    let tripped = false;
    const run = runPaced(WATCH_DROPPER, { total: 60, perSecond: 2, stop: () => tripped, maxFailures: 2, seed: 12 });
    await waitFor(async () => (tripped = tripsIn(w).some((t) => t.source === 'uid:4079' && t.state === 'tripped')), 90_000, 'a trip of uid:4079', 250);
    await run;
    await waitFor(async () => received.length > 0, 60_000, 'the notice at the SMTP sink', 250).catch((e: Error) => {
      throw new Error(`${e.message}: trips ${JSON.stringify(tripsIn(w).map((x) => x.notice))}; watch said ${w.stderr().slice(-2000)}`);
    });
    const t = tripsIn(w).find((x) => x.source === 'uid:4079')!;
    assert.equal(t.notice?.decision, 'auto', JSON.stringify(t.notice));
    assert.deepEqual(t.notice?.notices.map((n) => [n.recipient, n.role, n.locale, n.state]), [[CUSTOMER, 'customer', 'de', 'queued']]);
    assert.equal(received.length, 1);
    assert.deepEqual(received[0]!.to, [CUSTOMER]);
    assert.match(received[0]!.raw, /Content-Language: de/);
    assert.match(received[0]!.raw, /Subject: \[Hoster GmbH\] Spam-Versand/);
    await stopWatch(w);
    const store = openStore(join(dir, 'spamtrace.db'));
    try {
      const rows = listNotices(store);
      assert.deepEqual(rows.map((r) => [r.recipient, r.state, r.locale]), [[CUSTOMER, 'sent', 'de']]);
      assert.equal(rows[0]!.id, t.notice?.notices[0]?.id);
    } finally {
      store.close();
    }
    // release: held mail back, sendmail allowed again
    const r = await runCli(['watch', 'release', t.id, '--state-dir', w.stateDir], env);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    await flushQueue();
    rmSync(dir, { recursive: true, force: true });
  });
});
