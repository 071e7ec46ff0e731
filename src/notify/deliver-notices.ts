/**
 * Sends what is due in the outbox, one notice at a time: recover rows left by a stopped
 * sender, claim the next due row (lease), compose, hand over, record the outcome.
 * Temporary failures come back after a growing pause; after the last attempt, or on a
 * permanent failure, the row stays failed-permanent for the admin to see.
 */
import { hostname } from 'node:os';
import type { Store } from '../store/open-store';
import { claimNext, markFailed, markHanded, markSent, recoverExpiredLeases, type NoticeRow, type NoticeState } from '../store/notices';
import { recordAudit } from '../store/audit';
import { parseMailbox } from './address';
import { composeNotice } from './compose-message';
import type { NotifyConfig } from './notify-config';
import type { NoticeTransport } from './transport';

export interface DeliverOptions {
  config: NotifyConfig;
  transport: NoticeTransport;
  /** this sender's name in the lease; default host:pid */
  owner?: string;
  /** stop after this many notices (one run should not send forever) */
  limit?: number;
  actor?: string;
}

export interface DeliveryResult {
  id: number;
  recipient: string;
  state: NoticeState | 'lease-lost';
  attempts: number;
  error: string | null;
  response: string | null;
}

export interface DeliverySummary {
  recovered: { requeued: number[]; unconfirmed: number[] };
  results: DeliveryResult[];
}

export async function deliverDue(store: Store, o: DeliverOptions): Promise<DeliverySummary> {
  const owner = o.owner ?? `${hostname()}:${process.pid}`;
  const leaseMs = o.config.leaseSeconds * 1000;
  const actor = o.actor ?? 'spamtrace';
  const recovered = recoverExpiredLeases(store);
  for (const r of recovered.unconfirmed) {
    recordAudit(store, { actor, action: 'notice.unconfirmed', target: `notice:${r.id}`, after: { state: r.state, messageId: r.message_id } });
  }
  const envelopeFrom = parseMailbox(o.config.from)?.address ?? o.config.from;
  const results: DeliveryResult[] = [];
  const limit = o.limit ?? 500;
  while (results.length < limit) {
    const notice = claimNext(store, owner, leaseMs, results.map((r) => r.id));
    if (!notice) break;
    results.push(await deliverOne(store, notice, owner, leaseMs, envelopeFrom, o, actor));
  }
  return { recovered: { requeued: recovered.requeued.map((r) => r.id), unconfirmed: recovered.unconfirmed.map((r) => r.id) }, results };
}

async function deliverOne(
  store: Store,
  notice: NoticeRow,
  owner: string,
  leaseMs: number,
  envelopeFrom: string,
  o: DeliverOptions,
  actor: string,
): Promise<DeliveryResult> {
  const base = { id: notice.id, recipient: notice.recipient, attempts: notice.attempts };
  let raw: Buffer;
  try {
    raw = await composeNotice(notice, { from: o.config.from, replyTo: o.config.replyTo, date: new Date(store.now()) });
  } catch (e) {
    const error = `cannot compose the message: ${(e as Error).message}`;
    markFailed(store, notice.id, owner, { permanent: true, error, response: null });
    return { ...base, state: 'failed-permanent', error, response: null };
  }
  const outcome = await o.transport.send({ from: envelopeFrom, to: notice.recipient }, raw, () => markHanded(store, notice.id, owner, leaseMs));
  if (outcome.result === 'lease-lost') return { ...base, state: 'lease-lost', error: 'another run took this notice over', response: null };
  if (outcome.result === 'sent') {
    markSent(store, notice.id, owner, outcome.response);
    recordAudit(store, { actor, action: 'notice.sent', target: `notice:${notice.id}`, after: { response: outcome.response, via: o.transport.description } });
    return { ...base, state: 'sent', error: null, response: outcome.response };
  }
  const giveUp = !outcome.permanent && notice.attempts >= o.config.retry.maxAttempts;
  const permanent = outcome.permanent || giveUp;
  const error = giveUp ? `${outcome.error} (gave up after ${notice.attempts} attempts)` : outcome.error;
  const nextAttemptAt = store.now() + backoffMs(o.config.retry.backoffSeconds, notice.attempts);
  markFailed(store, notice.id, owner, { permanent, error, response: outcome.response, nextAttemptAt });
  if (permanent) recordAudit(store, { actor, action: 'notice.failed', target: `notice:${notice.id}`, after: { error, response: outcome.response } });
  return { ...base, state: permanent ? 'failed-permanent' : 'failed-temporary', error, response: outcome.response };
}

/** The pause after attempt n (1-based): the n-th step of the list, its last step after that. */
export function backoffMs(steps: readonly number[], attempt: number): number {
  const i = Math.min(Math.max(attempt, 1), steps.length) - 1;
  return Math.round((steps[i] ?? 60) * 1000);
}
