/**
 * Bulk queue for benchmarks: `total` messages in a mix of the scenarios' spam and benign
 * sources, submitted fast (many messages per SMTP connection, parallel sendmail), then waits
 * until the queue has settled.
 */
import { requireRoot, requireRunning } from './lab-guards';
import { waitForQueueSettled, type QueueCounts } from './queue-tools';
import { runSubmission, type RunScenarioOptions } from './scenario-runner';
import {
  LOCAL_SMTP_SCRIPT,
  NEWSLETTER,
  OPEN_RELAY,
  PHP_SPAM,
  STOLEN_LOGIN,
  type MessageSubmission,
  type Scenario,
  type SendmailSubmission,
  type SmtpSubmission,
  type Submission,
} from './scenarios';
import { Rng, hashSeed } from './template';

export type FillKind = 'php' | 'newsletter' | 'sasl' | 'relay' | 'local-smtp';

export interface FillOptions {
  total: number;
  /** relative weights per source (default: sasl 45, relay 25, local-smtp 15, php 10, newsletter 5) */
  mix?: Partial<Record<FillKind, number>>;
  /** parallel SMTP connections per SMTP source (default 3) */
  smtpParallel?: number;
  /** messages per SMTP connection (default 250) */
  messagesPerConnection?: number;
  /** parallel sendmail processes per local source (default 6) */
  sendmailParallel?: number;
  seed?: number;
  settleTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface FillResult {
  total: number;
  submitted: number;
  failed: number;
  perKind: Record<string, { submitted: number; failed: number; elapsedMs: number; errors: string[] }>;
  submitMs: number;
  settleMs: number;
  elapsedMs: number;
  /** messages per second, submission to settled */
  rate: number;
  queue: QueueCounts;
}

export const DEFAULT_FILL_MIX: Record<FillKind, number> = { sasl: 45, relay: 25, 'local-smtp': 15, php: 10, newsletter: 5 };

/** The submission a fill uses for one kind of source (also the bench's hold fill). */
export function fillSubmission(kind: FillKind): MessageSubmission {
  const first = <T extends Submission>(s: Scenario): T => s.submissions.find((x) => x.via !== 'weblog') as T;
  switch (kind) {
    case 'php':
      return first<SendmailSubmission>(PHP_SPAM);
    case 'newsletter':
      return { ...first<SendmailSubmission>(NEWSLETTER), rcptPerMessage: 10 };
    case 'sasl': {
      const s = first<SmtpSubmission>(STOLEN_LOGIN);
      // several bot IPs, fewer recipients per message than the scenario (bench: many messages)
      return {
        ...s,
        xclient: { addr: '{pick:93.120.196.244|93.120.196.12|178.46.12.{int:1-254}|5.18.{int:1-254}.7}', name: '[UNAVAILABLE]', helo: '{rand:10}' },
        to: ['{rand:7}@gmail.com', '{rand:8}@yahoo.com', '{rand:6}@rediffmail.com', '{rand:7}@aol.com'],
        rcptPerMessage: 3,
      };
    }
    case 'relay':
      return first<SmtpSubmission>(OPEN_RELAY);
    case 'local-smtp':
      return first<SmtpSubmission>(LOCAL_SMTP_SCRIPT);
  }
}

/**
 * Puts `total` messages into the queue quickly (SMTP: many messages per connection, several
 * connections; local sources: parallel sendmail) and waits until the queue has settled.
 */
export async function fillQueueFast(opts: FillOptions): Promise<FillResult> {
  requireRoot('fill');
  await requireRunning();
  const t0 = Date.now();
  const mix = opts.mix ?? DEFAULT_FILL_MIX;
  const kinds = (Object.keys(mix) as FillKind[]).filter((k) => (mix[k] ?? 0) > 0);
  const weight = kinds.reduce((a, k) => a + (mix[k] ?? 0), 0);
  if (kinds.length === 0 || weight <= 0) throw new Error('lab fill: empty mix');
  const counts = new Map<FillKind, number>();
  let assigned = 0;
  kinds.forEach((k, i) => {
    const c = i === kinds.length - 1 ? opts.total - assigned : Math.round((opts.total * (mix[k] ?? 0)) / weight);
    counts.set(k, c);
    assigned += c;
  });
  const seed = opts.seed ?? hashSeed('fill');
  const runOpts: RunScenarioOptions = {
    sendmailParallel: opts.sendmailParallel ?? 6,
    smtpParallel: opts.smtpParallel ?? 3,
    messagesPerConnection: opts.messagesPerConnection ?? 250,
  };
  const results = await Promise.all(
    kinds.map(async (k) => {
      const rng = new Rng(seed ^ hashSeed(k));
      const r = await runSubmission(fillSubmission(k), counts.get(k) ?? 0, rng, runOpts);
      opts.log?.(`fill ${k}: ${r.submitted}/${r.attempted} in ${r.elapsedMs} ms (${((r.submitted * 1000) / Math.max(1, r.elapsedMs)).toFixed(0)}/s)`);
      return [k, r] as const;
    }),
  );
  const submitMs = Date.now() - t0;
  const settled = await waitForQueueSettled(opts.settleTimeoutMs ?? 600000, 1000);
  const perKind: FillResult['perKind'] = {};
  let submitted = 0;
  let failed = 0;
  for (const [k, r] of results) {
    perKind[k] = { submitted: r.submitted, failed: r.failed, elapsedMs: r.elapsedMs, errors: r.errors };
    submitted += r.submitted;
    failed += r.failed;
  }
  const elapsedMs = Date.now() - t0;
  return { total: opts.total, submitted, failed, perKind, submitMs, settleMs: settled.elapsedMs, elapsedMs, rate: submitted / (elapsedMs / 1000), queue: settled.counts };
}
