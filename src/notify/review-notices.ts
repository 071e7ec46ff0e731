/**
 * An admin's decisions on the outbox, each recorded in the audit trail: approve a notice
 * waiting for approval, reject it, or send a failed or unconfirmed one again.
 */
import type { Store } from '../store/open-store';
import { recordAudit } from '../store/audit';
import { getNotice, transition, type NoticeRow, type NoticeState } from '../store/notices';
import { isValidAddress } from './address';

export type ReviewResult = { ok: true; notice: NoticeRow } | { ok: false; reason: string };

function review(store: Store, id: number, actor: string, action: string, from: readonly NoticeState[], to: 'queued' | 'rejected', reason: string): ReviewResult {
  const t = transition(store, id, from, to, reason);
  if (!t) {
    const row = getNotice(store, id);
    return { ok: false, reason: row ? `notice ${id} is ${row.state}; ${action} needs ${from.join(' or ')}` : `no notice ${id}` };
  }
  recordAudit(store, { actor, action: `notice.${action}`, target: `notice:${id}`, before: { state: t.before.state }, after: { state: t.after.state } });
  return { ok: true, notice: t.after };
}

export function approveNotice(store: Store, id: number, actor: string): ReviewResult {
  return review(store, id, actor, 'approve', ['awaiting-approval'], 'queued', `approved by ${actor}`);
}

export function rejectNotice(store: Store, id: number, actor: string): ReviewResult {
  return review(store, id, actor, 'reject', ['awaiting-approval', 'queued', 'failed-temporary'], 'rejected', `rejected by ${actor}`);
}

/** Sends a failed or unconfirmed notice again; for 'unconfirmed' the admin accepts a possible duplicate. */
export function retryNotice(store: Store, id: number, actor: string): ReviewResult {
  const row = getNotice(store, id);
  if (row && !isValidAddress(row.recipient)) return { ok: false, reason: `notice ${id} has no valid recipient ("${row.recipient}"); fix the address in the panel and scan again` };
  return review(store, id, actor, 'retry', ['failed-permanent', 'failed-temporary', 'unconfirmed'], 'queued', `retry by ${actor}`);
}
