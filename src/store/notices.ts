/**
 * The notice outbox. One row per (finding fingerprint, recipient): enqueueing the same
 * finding again is a no-op, whichever process does it. A sender owns a row only through
 * a claim (state 'sending' with a lease), taken in one UPDATE, so two senders never hold
 * the same row.
 *
 * Crash semantics ("a crash after the SMTP server accepted it does not send it again; a
 * crash before does send it"): the sender records `handed_at` in the store *before* it
 * gives the message to the SMTP server (after connecting and logging in), and 'sent'
 * after the server's 250. When a lease runs out with the row still 'sending':
 *   - handed_at empty: the message never left this host; the row goes back to 'queued'
 *     and is sent by the next run.
 *   - handed_at set: the server may have accepted it (a crash between its 250 and our
 *     'sent' looks exactly like a crash before the 250). Resending could mail the
 *     customer twice, so the row becomes 'unconfirmed', shown by `notify list` with its
 *     Message-ID to look up in the mail log; `notify retry ID` sends it anyway.
 */
import type { Store } from './open-store';

export const NOTICE_STATES = [
  'queued',
  'sending',
  'sent',
  'failed-temporary',
  'failed-permanent',
  'awaiting-approval',
  'rejected',
  'unconfirmed',
] as const;
export type NoticeState = (typeof NOTICE_STATES)[number];

export type RecipientRole = 'customer' | 'reseller';

export interface NewNotice {
  fingerprint: string;
  recipient: string;
  role: RecipientRole;
  customer: string | null;
  reseller: string | null;
  locale: string;
  state: 'queued' | 'awaiting-approval' | 'failed-permanent';
  stateReason: string | null;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  /** for a notice refused at enqueue (bad address): the reason */
  lastError?: string | null;
}

export interface NoticeRow {
  id: number;
  fingerprint: string;
  recipient: string;
  role: RecipientRole;
  customer: string | null;
  reseller: string | null;
  locale: string;
  state: NoticeState;
  state_reason: string | null;
  subject: string;
  text_body: string;
  html_body: string;
  message_id: string;
  attempts: number;
  next_attempt_at: number;
  lease_owner: string | null;
  lease_until: number | null;
  handed_at: number | null;
  last_error: string | null;
  smtp_response: string | null;
  created_at: number;
  updated_at: number;
  sent_at: number | null;
}

/** Adds the notice unless one for the same finding and recipient exists; returns the row and whether it is new. */
export function insertNotice(store: Store, n: NewNotice): { row: NoticeRow; inserted: boolean } {
  const now = store.now();
  const info = store.db
    .prepare(
      `INSERT INTO notices (fingerprint, recipient, role, customer, reseller, locale, state, state_reason, subject, text_body, html_body,
         message_id, attempts, next_attempt_at, last_error, created_at, updated_at)
       VALUES (@fingerprint, @recipient, @role, @customer, @reseller, @locale, @state, @stateReason, @subject, @text, @html,
         @messageId, 0, @now, @lastError, @now, @now)
       ON CONFLICT (fingerprint, recipient) DO NOTHING`,
    )
    .run({ ...n, lastError: n.lastError ?? null, now });
  const row = store.db.prepare('SELECT * FROM notices WHERE fingerprint = ? AND recipient = ?').get(n.fingerprint, n.recipient) as NoticeRow;
  return { row, inserted: info.changes === 1 };
}

/** Customer notices created since `sinceMs` that count against the rate limit (all but rejected and refused ones). */
export function countRecentForCustomer(store: Store, customer: string, sinceMs: number): number {
  const r = store.db
    .prepare(
      `SELECT COUNT(*) AS n FROM notices WHERE customer = ? AND role = 'customer' AND created_at >= ?
         AND state IN ('queued', 'sending', 'sent', 'failed-temporary', 'unconfirmed')`,
    )
    .get(customer, sinceMs) as { n: number };
  return r.n;
}

/**
 * Takes the next due row for `owner` until now + leaseMs; undefined when nothing is due.
 * `skipIds`: rows this run already tried (one attempt per notice per run).
 * BEGIN IMMEDIATE plus the state condition in the UPDATE: of two senders racing for the
 * same row, exactly one changes it.
 */
export function claimNext(store: Store, owner: string, leaseMs: number, skipIds: readonly number[] = []): NoticeRow | undefined {
  const claim = store.db.transaction(() => {
    const now = store.now();
    const next = store.db
      .prepare(
        `SELECT id FROM notices WHERE state IN ('queued', 'failed-temporary') AND next_attempt_at <= ?
           AND id NOT IN (SELECT value FROM json_each(?))
         ORDER BY next_attempt_at, id LIMIT 1`,
      )
      .get(now, JSON.stringify(skipIds)) as { id: number } | undefined;
    if (!next) return undefined;
    return store.db
      .prepare(
        `UPDATE notices SET state = 'sending', lease_owner = ?, lease_until = ?, handed_at = NULL,
           attempts = attempts + 1, updated_at = ?
         WHERE id = ? AND state IN ('queued', 'failed-temporary') RETURNING *`,
      )
      .get(owner, now + leaseMs, now, next.id) as NoticeRow | undefined;
  });
  return claim.immediate();
}

/**
 * Records that the message is about to be handed to the server. False when the lease was
 * lost (expired and recovered by another run): the caller must then not send.
 */
export function markHanded(store: Store, id: number, owner: string, leaseMs: number): boolean {
  const now = store.now();
  const r = store.db
    .prepare(
      `UPDATE notices SET handed_at = ?, lease_until = ?, updated_at = ?
       WHERE id = ? AND state = 'sending' AND lease_owner = ? AND lease_until > ?`,
    )
    .run(now, now + leaseMs, now, id, owner, now);
  return r.changes === 1;
}

export function markSent(store: Store, id: number, owner: string, response: string | null): boolean {
  const now = store.now();
  const r = store.db
    .prepare(
      `UPDATE notices SET state = 'sent', sent_at = ?, smtp_response = ?, last_error = NULL, lease_owner = NULL, lease_until = NULL, updated_at = ?
       WHERE id = ? AND state = 'sending' AND lease_owner = ?`,
    )
    .run(now, response, now, id, owner);
  return r.changes === 1;
}

export interface Failure {
  permanent: boolean;
  error: string;
  response: string | null;
  /** for a temporary failure: when to try again */
  nextAttemptAt?: number;
}

export function markFailed(store: Store, id: number, owner: string, f: Failure): boolean {
  const now = store.now();
  const r = store.db
    .prepare(
      `UPDATE notices SET state = ?, last_error = ?, smtp_response = ?, next_attempt_at = ?, handed_at = NULL,
         lease_owner = NULL, lease_until = NULL, updated_at = ?
       WHERE id = ? AND state = 'sending' AND lease_owner = ?`,
    )
    .run(f.permanent ? 'failed-permanent' : 'failed-temporary', f.error, f.response, f.nextAttemptAt ?? now, now, id, owner);
  return r.changes === 1;
}

/** Rows left 'sending' by a sender that stopped; see the file comment for the two outcomes. */
export function recoverExpiredLeases(store: Store): { requeued: NoticeRow[]; unconfirmed: NoticeRow[] } {
  const recover = store.db.transaction(() => {
    const now = store.now();
    const requeued = store.db
      .prepare(
        `UPDATE notices SET state = 'queued', next_attempt_at = ?, lease_owner = NULL, lease_until = NULL, updated_at = ?,
           last_error = 'the previous sender stopped before handing the notice to the mail server'
         WHERE state = 'sending' AND lease_until <= ? AND handed_at IS NULL RETURNING *`,
      )
      .all(now, now, now) as NoticeRow[];
    const unconfirmed = store.db
      .prepare(
        `UPDATE notices SET state = 'unconfirmed', lease_owner = NULL, lease_until = NULL, updated_at = ?,
           last_error = 'the sender stopped after handing the notice to the mail server; it may have been delivered, so it is not resent (check the mail log for its Message-ID; notify retry sends it anyway)'
         WHERE state = 'sending' AND lease_until <= ? AND handed_at IS NOT NULL RETURNING *`,
      )
      .all(now, now) as NoticeRow[];
    return { requeued, unconfirmed };
  });
  return recover.immediate();
}

/**
 * Moves a row from one of `from` to `to` (approve, reject, retry); returns the row before
 * and after, or null when the row is missing or in another state.
 */
export function transition(
  store: Store,
  id: number,
  from: readonly NoticeState[],
  to: 'queued' | 'rejected',
  reason: string | null,
): { before: NoticeRow; after: NoticeRow } | null {
  const run = store.db.transaction(() => {
    const before = getNotice(store, id);
    if (!before || !from.includes(before.state)) return null;
    const now = store.now();
    store.db
      .prepare(
        `UPDATE notices SET state = ?, state_reason = ?, next_attempt_at = ?, handed_at = NULL, lease_owner = NULL, attempts = 0,
           lease_until = NULL, updated_at = ? WHERE id = ?`,
      )
      .run(to, reason, now, now, id);
    return { before, after: getNotice(store, id)! };
  });
  return run.immediate();
}

export function getNotice(store: Store, id: number): NoticeRow | undefined {
  return store.db.prepare('SELECT * FROM notices WHERE id = ?').get(id) as NoticeRow | undefined;
}

export interface NoticeFilter {
  states?: readonly NoticeState[];
  limit?: number;
}

export function listNotices(store: Store, filter: NoticeFilter = {}): NoticeRow[] {
  const states = filter.states?.length ? filter.states : NOTICE_STATES;
  const marks = states.map(() => '?').join(', ');
  return store.db
    .prepare(`SELECT * FROM notices WHERE state IN (${marks}) ORDER BY id DESC LIMIT ?`)
    .all(...states, Math.max(1, filter.limit ?? 200)) as NoticeRow[];
}

/** A notice with the finding it is about (subscription, host, source; null when the finding is gone). */
export type NoticeWithFinding = NoticeRow & { f_subscription: string | null; f_host: string | null; f_source: string | null };

/** Whose notices a query may return: all, those of one reseller's customers (or the login's own), or none. */
export type NoticeScope = { kind: 'all' } | { kind: 'owner'; login: string } | { kind: 'none' };

export interface NoticeWithFindingQuery {
  scope: NoticeScope;
  states?: readonly NoticeState[];
  /** only notices about this subscription id */
  subscription?: string;
  limit: number;
}

const WITH_FINDING = `SELECT n.*, f.subscription_id AS f_subscription, f.host AS f_host, f.source_id AS f_source
  FROM notices n LEFT JOIN findings f ON f.fingerprint = n.fingerprint`;

/** The SQL part that keeps a query to its scope. */
function scopeSql(s: NoticeScope): { sql: string; params: unknown[] } {
  if (s.kind === 'all') return { sql: '1 = 1', params: [] };
  if (s.kind === 'owner') return { sql: '(n.reseller = ? OR n.customer = ?)', params: [s.login, s.login] };
  return { sql: '0 = 1', params: [] };
}

/** Newest first, at most `limit`. */
export function noticesWithFinding(store: Store, q: NoticeWithFindingQuery): NoticeWithFinding[] {
  const s = scopeSql(q.scope);
  const where = [s.sql];
  const params: unknown[] = [...s.params];
  if (q.states?.length) {
    where.push(`n.state IN (${q.states.map(() => '?').join(', ')})`);
    params.push(...q.states);
  }
  if (q.subscription !== undefined) {
    where.push('f.subscription_id = ?');
    params.push(q.subscription);
  }
  return store.db.prepare(`${WITH_FINDING} WHERE ${where.join(' AND ')} ORDER BY n.id DESC LIMIT ?`).all(...params, q.limit) as NoticeWithFinding[];
}

export function noticeWithFinding(store: Store, id: number): NoticeWithFinding | undefined {
  return store.db.prepare(`${WITH_FINDING} WHERE n.id = ?`).get(id) as NoticeWithFinding | undefined;
}
