/**
 * A submission sent at a steady pace, one message per tick, as a live run happens (a
 * dropper posting once a second, a newsletter tool working through its list), rather than
 * all at once. Stops at `total`, when `stop()` says so, or after `maxFailures` failures in a
 * row (the breaker blocked the sender). Times are wall clock (ms) for measurements.
 */
import { buildMessages } from './message-builder';
import { runSendmail } from './sendmail-submitter';
import { runSmtp } from './smtp-submitter';
import type { MessageSubmission } from './scenarios';
import { Rng, hashSeed } from './template';

export interface PacedOptions {
  total: number;
  perSecond: number;
  stop?: () => boolean;
  /** consecutive failed submissions that end the run (default 3) */
  maxFailures?: number;
  seed?: number;
}

export interface PacedResult {
  label: string;
  attempted: number;
  submitted: number;
  failed: number;
  /** wall-clock time of the first accepted message, and of each accepted one */
  firstAcceptedAt: number | null;
  acceptedAt: number[];
  errors: string[];
}

export async function runPaced(sub: MessageSubmission, o: PacedOptions): Promise<PacedResult> {
  const rng = new Rng(o.seed ?? hashSeed(sub.label ?? sub.via));
  const r: PacedResult = { label: sub.label ?? sub.via, attempted: 0, submitted: 0, failed: 0, firstAcceptedAt: null, acceptedAt: [], errors: [] };
  const gap = 1000 / o.perSecond;
  const t0 = Date.now();
  let failuresInRow = 0;
  for (let i = 0; i < o.total; i++) {
    if (o.stop?.()) break;
    const due = t0 + i * gap;
    if (due > Date.now()) await new Promise((res) => setTimeout(res, due - Date.now()));
    r.attempted += 1;
    // message n of the run: recipients keep rotating through the submission's list
    const msgs = buildMessages(sub, 1, rng, i + 1);
    const one = sub.via === 'sendmail' ? await runSendmail(sub, msgs, 1) : await runSmtp(sub, msgs, rng, { smtpParallel: 1, messagesPerConnection: 1 });
    if (one.submitted > 0) {
      const now = Date.now();
      r.submitted += 1;
      r.acceptedAt.push(now);
      r.firstAcceptedAt ??= now;
      failuresInRow = 0;
    } else {
      r.failed += 1;
      failuresInRow += 1;
      if (r.errors.length < 5) r.errors.push(...one.errors.slice(0, 1));
      if (failuresInRow >= (o.maxFailures ?? 3)) break;
    }
  }
  return r;
}
