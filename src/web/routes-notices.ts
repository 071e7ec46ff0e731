/**
 * The customer notice outbox in the UI: the list (filterable by state and subscription),
 * one notice's preview exactly as it will be sent, and the decisions on it. Approve and
 * reject are for the admin and, for its own customers' notices, the reseller; retry is
 * the admin's (see notices-view.ts). Each decision goes through src/notify's
 * approveNotice / rejectNotice / retryNotice, which audit it with the panel user as actor.
 *
 * `serve` has no delivery loop: an approved notice is sent by the next
 * `spamtrace notify send` (by hand or from cron), which the pages say.
 */
import type { Request, Response } from 'express';
import { approveNotice, rejectNotice, retryNotice } from '../notify/review-notices';
import { NOTICE_STATES, type NoticeState } from '../store';
import { principalOf, param, type Ctx } from './web-context';
import { actorName } from './principal';
import { countAwaiting, findNotice, mayRetryNotices, visibleNotices } from './notices-view';

const DECISIONS = {
  approve: approveNotice,
  reject: rejectNotice,
  retry: retryNotice,
} as const;
type Decision = keyof typeof DECISIONS;

export function registerNoticeRoutes(ctx: Ctx): void {
  const { deps } = ctx;

  ctx.route('get', '/notices', ['admin', 'reseller'], (req, res) => {
    const p = principalOf(res)!;
    const state = stateFilter(req.query['state']);
    const subscription = typeof req.query['subscription'] === 'string' && req.query['subscription'].length <= 255 ? req.query['subscription'] : null;
    const notices = visibleNotices(deps.store, p, deps.panelHosts, {
      ...(state ? { states: [state] } : {}),
      ...(subscription !== null ? { subscription } : {}),
    });
    const awaiting = countAwaiting(deps.store, p, deps.panelHosts);
    ctx.page(req, res, 'notices', { notices, state, subscription, awaiting, states: NOTICE_STATES });
  });

  ctx.route('get', '/notices/:id', ['admin', 'reseller'], (req, res) => {
    const found = findNotice(deps.store, principalOf(res)!, param(req, 'id'), deps.panelHosts);
    if (!found.ok) return ctx.fail(req, res, found.status);
    const done = typeof req.query['done'] === 'string' && req.query['done'] in DECISIONS ? req.query['done'] : null;
    ctx.page(req, res, 'notice', { notice: found.notice, done, error: null });
  });

  const decide = (decision: Decision) => (req: Request, res: Response) => {
    const p = principalOf(res)!;
    const found = findNotice(deps.store, p, param(req, 'id'), deps.panelHosts);
    if (!found.ok) return ctx.fail(req, res, found.status);
    if (decision === 'retry' && !mayRetryNotices(p)) return ctx.fail(req, res, 403);
    const r = DECISIONS[decision](deps.store, found.notice.id, actorName(p));
    if (r.ok) return res.redirect(303, `/notices/${found.notice.id}?done=${decision}`);
    // the notice changed since the page was shown (another admin, a sender): show it as it is now
    const now = findNotice(deps.store, p, String(found.notice.id), deps.panelHosts);
    ctx.page(req, res, 'notice', { notice: now.ok ? now.notice : found.notice, done: null, error: r.reason.slice(0, 1000) }, 409);
  };

  ctx.route('post', '/notices/:id/approve', ['admin', 'reseller'], decide('approve'));
  ctx.route('post', '/notices/:id/reject', ['admin', 'reseller'], decide('reject'));
  ctx.route('post', '/notices/:id/retry', ['admin'], decide('retry'));
}

function stateFilter(v: unknown): NoticeState | null {
  return typeof v === 'string' && (NOTICE_STATES as readonly string[]).includes(v) ? (v as NoticeState) : null;
}
