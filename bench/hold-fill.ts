/**
 * The fast fill for large queues (100,000 and more): SMTP to a private smtpd listener on
 * loopback whose client restrictions put every message on hold.
 *
 * Why: the lab's normal fill lets Postfix try every message against the fake MX, so the
 * queue manager, smtp clients and bounces compete with the submitters for the two cores
 * (7-50 messages/s at 20,000). A held message is written once by cleanup and never
 * touched again: ~450 messages/s, and the queue stays exactly as filled while the bench
 * reads it. The scan reads the hold queue like any other (postqueue -j lists it, postcat
 * reads it); only the delay reasons are missing, since nothing was tried.
 *
 * The listener exists only while the fill runs (`postconf -M`, removed with `postconf -MX`);
 * the lab's teardown restores master.cf from its backup anyway.
 *
 * Local sources (PHP mail(), a newsletter through sendmail) cannot come over SMTP: they go
 * through pickup like in the normal fill, capped at `localCap` messages (default 300: `runuser sendmail` manages only 2-20 messages/s on a loaded 2-core machine), tried once, and are
 * then put on hold with `postsuper -h ALL` before the SMTP part starts.
 */
import * as net from 'node:net';
import { DEFAULT_FILL_MIX, fillSubmission, type FillKind } from '../test/lab/fill-queue';
import { buildMessages } from '../test/lab/message-builder';
import { waitForQueueSettled, type QueueCounts } from '../test/lab/queue-tools';
import { run } from '../test/lab/run-program';
import { runSendmail } from '../test/lab/sendmail-submitter';
import { runSmtp } from '../test/lab/smtp-submitter';
import type { SendmailSubmission, SmtpSubmission } from '../test/lab/scenarios';
import { Rng, hashSeed } from '../test/lab/template';

export const HOLD_PORT = 10026;
const SERVICE = `127.0.0.1:${HOLD_PORT}/inet`;
/** Every message this listener accepts goes to the hold queue (access(5) action HOLD). */
const SERVICE_ENTRY = `127.0.0.1:${HOLD_PORT} inet n - y - - smtpd -o smtpd_client_restrictions=check_client_access,static:HOLD -o syslog_name=postfix/hold-fill`;
const LOCAL_KINDS: readonly FillKind[] = ['php', 'newsletter'];

export interface HoldFillOptions {
  total: number;
  /** messages submitted through sendmail (pickup) at most; the rest comes over SMTP */
  localCap?: number;
  /** parallel SMTP connections per SMTP source (default 3) */
  smtpParallel?: number;
  log?: (line: string) => void;
}

export interface HoldFillResult {
  submitted: number;
  failed: number;
  perKind: Record<string, { submitted: number; failed: number; elapsedMs: number; errors: string[] }>;
  /** submission to settled */
  elapsedMs: number;
  /** messages per second of the SMTP part alone */
  smtpRate: number;
  queue: QueueCounts;
}

function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      const s = net.connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve();
      });
      s.on('error', () => {
        s.destroy();
        if (Date.now() - t0 > timeoutMs) reject(new Error(`hold listener 127.0.0.1:${port} did not come up in ${timeoutMs} ms`));
        else setTimeout(attempt, 200);
      });
    };
    attempt();
  });
}

export async function addHoldListener(): Promise<void> {
  await run('postconf', ['-M', `${SERVICE}=${SERVICE_ENTRY}`]);
  await run('postfix', ['reload']);
  await waitForPort(HOLD_PORT, 60_000);
}

export async function removeHoldListener(): Promise<void> {
  await run('postconf', ['-MX', SERVICE], { allowFail: true });
  await run('postfix', ['reload'], { allowFail: true });
}

/** Splits `total` by the mix's weights (the last kind takes the rounding rest). */
function split(total: number, kinds: readonly FillKind[]): Map<FillKind, number> {
  const weight = kinds.reduce((a, k) => a + DEFAULT_FILL_MIX[k], 0);
  const counts = new Map<FillKind, number>();
  let assigned = 0;
  kinds.forEach((k, i) => {
    const c = i === kinds.length - 1 ? total - assigned : Math.round((total * DEFAULT_FILL_MIX[k]) / weight);
    counts.set(k, c);
    assigned += c;
  });
  return counts;
}

/** Fills the (running, locked) lab's hold queue with about `total` messages. */
export async function fillHold(opts: HoldFillOptions): Promise<HoldFillResult> {
  const log = opts.log ?? (() => undefined);
  const t0 = Date.now();
  const allKinds = Object.keys(DEFAULT_FILL_MIX) as FillKind[];
  const wantedLocal = Math.round((opts.total * LOCAL_KINDS.reduce((a, k) => a + DEFAULT_FILL_MIX[k], 0)) / allKinds.reduce((a, k) => a + DEFAULT_FILL_MIX[k], 0));
  const localTotal = Math.min(wantedLocal, opts.localCap ?? 300);
  const smtpKinds = allKinds.filter((k) => !LOCAL_KINDS.includes(k));
  const perKind: HoldFillResult['perKind'] = {};
  const seed = hashSeed('hold-fill');

  // 1. local sources through pickup, tried once, then held
  const local = split(localTotal, LOCAL_KINDS);
  await Promise.all(
    LOCAL_KINDS.map(async (k) => {
      const sub = fillSubmission(k) as SendmailSubmission;
      const msgs = buildMessages(sub, local.get(k) ?? 0, new Rng(seed ^ hashSeed(k)));
      const r = await runSendmail(sub, msgs, 6);
      perKind[k] = { submitted: r.submitted, failed: r.failed, elapsedMs: r.elapsedMs, errors: r.errors.slice(0, 3) };
      log(`hold fill ${k} (sendmail): ${r.submitted}/${r.attempted} in ${r.elapsedMs} ms`);
    }),
  );
  await waitForQueueSettled(600_000, 1000);
  await run('postsuper', ['-h', 'ALL']);

  // 2. SMTP sources through the hold listener
  const smtpStart = Date.now();
  await addHoldListener();
  let smtpSubmitted = 0;
  try {
    const counts = split(opts.total - localTotal, smtpKinds);
    await Promise.all(
      smtpKinds.map(async (k) => {
        const sub = fillSubmission(k) as SmtpSubmission;
        const rng = new Rng(seed ^ hashSeed(k));
        const msgs = buildMessages(sub, counts.get(k) ?? 0, rng);
        const r = await runSmtp(sub, msgs, rng, { smtpParallel: opts.smtpParallel ?? 3, messagesPerConnection: 250, smtpPort: HOLD_PORT });
        smtpSubmitted += r.submitted;
        perKind[k] = { submitted: r.submitted, failed: r.failed, elapsedMs: r.elapsedMs, errors: r.errors.slice(0, 3) };
        log(`hold fill ${k} (SMTP, held): ${r.submitted}/${r.attempted} in ${r.elapsedMs} ms (${((r.submitted * 1000) / Math.max(1, r.elapsedMs)).toFixed(0)}/s)`);
      }),
    );
  } finally {
    await removeHoldListener();
  }
  const smtpMs = Date.now() - smtpStart;
  const settled = await waitForQueueSettled(600_000, 1000);
  const submitted = Object.values(perKind).reduce((a, r) => a + r.submitted, 0);
  const failed = Object.values(perKind).reduce((a, r) => a + r.failed, 0);
  return { submitted, failed, perKind, elapsedMs: Date.now() - t0, smtpRate: smtpSubmitted / (smtpMs / 1000), queue: settled.counts };
}
