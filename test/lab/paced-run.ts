/**
 * A submission sent at a steady pace, one message per tick, as a live run happens (a
 * dropper posting once a second, a newsletter tool working through its list), rather than
 * all at once. Stops at `total`, when `stop()` says so, or after `maxFailures` failures in a
 * row (the breaker blocked the sender). Times are wall clock (ms) for measurements.
 *
 * By default one message is in flight at a time: a slow submission (sendmail under load)
 * delays the next one, like a script that waits for mail() to return. `inFlight` > 1 keeps
 * the schedule even when one submission takes longer than the gap (a newsletter tool with
 * several workers), so "250 messages in 2 minutes" stays that rate on a loaded machine.
 */
import { buildMessages } from './message-builder';
import { runSendmail } from './sendmail-submitter';
import { runSmtp } from './smtp-submitter';
import type { MessageSubmission } from './scenarios';
import { Rng, hashSeed } from './template';
import { sleep } from './wait-for';

export interface PacedOptions {
  total: number;
  perSecond: number;
  stop?: () => boolean;
  /** consecutive failed submissions that end the run (default 3) */
  maxFailures?: number;
  seed?: number;
  /** submissions running at once at most (default 1: each waits for the one before) */
  inFlight?: number;
  /** told after each accepted message, with the number accepted so far */
  onAccepted?: (accepted: number) => void;
}

export interface PacedResult {
  label: string;
  attempted: number;
  submitted: number;
  failed: number;
  /** wall-clock time of the first accepted message, and of each accepted one (ascending) */
  firstAcceptedAt: number | null;
  acceptedAt: number[];
  errors: string[];
}

export async function runPaced(sub: MessageSubmission, o: PacedOptions): Promise<PacedResult> {
  const rng = new Rng(o.seed ?? hashSeed(sub.label ?? sub.via));
  const r: PacedResult = { label: sub.label ?? sub.via, attempted: 0, submitted: 0, failed: 0, firstAcceptedAt: null, acceptedAt: [], errors: [] };
  const gap = 1000 / o.perSecond;
  const limit = Math.max(1, o.inFlight ?? 1);
  const running = new Set<Promise<void>>();
  const t0 = Date.now();
  let failuresInRow = 0;
  let ended = false;
  const sendOne = async (n: number): Promise<void> => {
    // message n of the run: recipients keep rotating through the submission's list
    const msgs = buildMessages(sub, 1, rng, n);
    const one = sub.via === 'sendmail' ? await runSendmail(sub, msgs, 1) : await runSmtp(sub, msgs, rng, { smtpParallel: 1, messagesPerConnection: 1 });
    if (one.submitted > 0) {
      const now = Date.now();
      r.submitted += 1;
      r.acceptedAt.push(now);
      r.firstAcceptedAt = Math.min(r.firstAcceptedAt ?? now, now);
      failuresInRow = 0;
      o.onAccepted?.(r.submitted);
    } else {
      r.failed += 1;
      failuresInRow += 1;
      if (r.errors.length < 5) r.errors.push(...one.errors.slice(0, 1));
      if (failuresInRow >= (o.maxFailures ?? 3)) ended = true;
    }
  };
  for (let i = 0; i < o.total; i++) {
    if (ended || o.stop?.()) break;
    const due = t0 + i * gap;
    if (due > Date.now()) await sleep(due - Date.now());
    while (running.size >= limit) await Promise.race(running);
    if (ended || o.stop?.()) break;
    r.attempted += 1;
    const p: Promise<void> = sendOne(i + 1).finally(() => running.delete(p));
    running.add(p);
  }
  await Promise.all(running);
  r.acceptedAt.sort((a, b) => a - b);
  return r;
}

/** The most messages accepted in any `spanMs` (default one minute) of the run. */
export function peakPer(r: PacedResult, spanMs = 60_000): number {
  let best = 0;
  let from = 0;
  for (let i = 0; i < r.acceptedAt.length; i++) {
    while (r.acceptedAt[i]! - r.acceptedAt[from]! >= spanMs) from++;
    best = Math.max(best, i - from + 1);
  }
  return best;
}
