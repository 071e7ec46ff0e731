/**
 * The notice outbox as the Notices pages show it. Every read goes through here with the
 * principal: the SQL already narrows a reseller to its own customers' notices and
 * mayViewNotice (access.ts) checks each row again, so a page cannot list or open another
 * reseller's notice by forgetting a check. Only reads; decisions go through
 * src/notify/review-notices.ts.
 */
import { noticeWithFinding, noticesWithFinding, type NoticeScope, type NoticeState, type NoticeWithFinding, type Store } from '../store';
import type { Principal } from './principal';
import { mayViewNotice, type PanelHosts } from './access';

/** States an admin (or reseller) still has to act on: shown on the subscription page. */
export const PENDING_STATES: readonly NoticeState[] = ['awaiting-approval', 'failed-permanent', 'unconfirmed'];
/** States "Retry" applies to (see retryNotice). */
export const RETRY_STATES: readonly NoticeState[] = ['failed-permanent', 'failed-temporary', 'unconfirmed'];
/** States "Reject" applies to (see rejectNotice). */
export const REJECT_STATES: readonly NoticeState[] = ['awaiting-approval', 'queued', 'failed-temporary'];

export interface NoticeView {
  id: number;
  state: NoticeState;
  stateReason: string | null;
  recipient: string;
  role: string;
  customer: string | null;
  reseller: string | null;
  locale: string;
  subject: string;
  subscription: string | null;
  host: string | null;
  sourceId: string | null;
  createdAt: string;
  sentAt: string | null;
  attempts: number;
  lastError: string | null;
  smtpResponse: string | null;
  messageId: string;
  canApprove: boolean;
  canReject: boolean;
  canRetry: boolean;
}

export interface NoticeDetail extends NoticeView {
  text: string;
  html: string;
}

export interface NoticeQuery {
  states?: readonly NoticeState[];
  /** only notices about this subscription id */
  subscription?: string;
  limit?: number;
}

type Joined = NoticeWithFinding;

/** Keeps a non-admin to its own customers' rows (customers: nothing). */
function scope(p: Principal): NoticeScope {
  if (p.role === 'admin') return { kind: 'all' };
  if (p.role === 'reseller') return { kind: 'owner', login: p.login };
  return { kind: 'none' };
}

export function visibleNotices(store: Store, p: Principal, panelHosts: PanelHosts, q: NoticeQuery = {}): NoticeView[] {
  const limit = Math.min(Math.max(1, q.limit ?? 500), 2000);
  const rows = noticesWithFinding(store, {
    scope: scope(p),
    limit,
    ...(q.states ? { states: q.states } : {}),
    ...(q.subscription !== undefined ? { subscription: q.subscription } : {}),
  });
  return rows.filter((r) => visible(p, r, panelHosts)).map((r) => toView(p, r));
}

/** How many notices this principal has waiting for its approval (counted up to 2000). */
export function countAwaiting(store: Store, p: Principal, panelHosts: PanelHosts): number {
  return visibleNotices(store, p, panelHosts, { states: ['awaiting-approval'], limit: 2000 }).length;
}

export type NoticeLookup = { ok: true; notice: NoticeDetail } | { ok: false; status: 403 | 404 };

/**
 * One notice by id. As with subscriptions, someone who may not see it gets 403 whether it
 * exists or not; only an admin learns 404.
 */
export function findNotice(store: Store, p: Principal, id: string, panelHosts: PanelHosts): NoticeLookup {
  const denied = { ok: false as const, status: p.role === 'admin' ? (404 as const) : (403 as const) };
  if (p.role === 'customer') return { ok: false, status: 403 };
  if (!/^[1-9][0-9]{0,15}$/.test(id)) return denied;
  const row = noticeWithFinding(store, Number(id));
  if (!row || !visible(p, row, panelHosts)) return denied;
  return { ok: true, notice: { ...toView(p, row), text: row.text_body, html: row.html_body } };
}

function visible(p: Principal, r: Joined, panelHosts: PanelHosts): boolean {
  return mayViewNotice(p, { customer: r.customer, reseller: r.reseller, host: r.f_host }, panelHosts);
}

/** Retry is the admin's: for an unconfirmed notice it accepts that the customer may get it twice. */
export function mayRetryNotices(p: Principal): boolean {
  return p.role === 'admin';
}

function toView(p: Principal, r: Joined): NoticeView {
  return {
    id: r.id,
    state: r.state,
    stateReason: r.state_reason,
    recipient: r.recipient,
    role: r.role,
    customer: r.customer,
    reseller: r.reseller,
    locale: r.locale,
    subject: r.subject,
    subscription: r.f_subscription,
    host: r.f_host,
    sourceId: r.f_source,
    createdAt: iso(r.created_at)!,
    sentAt: iso(r.sent_at),
    attempts: r.attempts,
    lastError: r.last_error,
    smtpResponse: r.smtp_response,
    messageId: r.message_id,
    canApprove: r.state === 'awaiting-approval',
    canReject: REJECT_STATES.includes(r.state),
    canRetry: mayRetryNotices(p) && RETRY_STATES.includes(r.state),
  };
}

function iso(ms: number | null): string | null {
  if (ms === null || !Number.isFinite(ms)) return null;
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
}
