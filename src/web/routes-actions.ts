/**
 * Containment from the subscription page: a preview (the engine's plan, nothing changes),
 * then apply with the CSRF token; and undo from the audit log. Admins only; the
 * (action, target) pair must be one the subscription page offered.
 */
import { principalOf, param, type Ctx } from './web-context';
import { findSubscription } from './access';
import { isOffered, offersFor } from './action-offers';
import { auditRowById } from './audit-view';
import { latestReport } from '../store';
import { actorName } from './principal';
import { shellQuote } from '../act/action';

export function registerActionRoutes(ctx: Ctx): void {
  const { deps } = ctx;

  const lookup = (req: Parameters<Parameters<Ctx['route']>[3]>[0], res: Parameters<Parameters<Ctx['route']>[3]>[1], source: Record<string, unknown>) => {
    const p = principalOf(res)!;
    const found = findSubscription(p, latestReport(deps.store)?.report ?? null, param(req, 'id'), deps.panelHosts);
    if (!found.ok) {
      ctx.fail(req, res, found.status);
      return null;
    }
    const action = source['action'];
    const target = source['target'];
    if (!isOffered(offersFor(found.sub, deps.actions.available()), action, target)) {
      ctx.fail(req, res, 400);
      return null;
    }
    return { p, sub: found.sub, action: action as string, target: target as string };
  };

  ctx.route('get', '/subscriptions/:id/plan', ['admin'], async (req, res) => {
    const it = lookup(req, res, req.query as Record<string, unknown>);
    if (!it) return;
    try {
      const plan = await deps.actions.plan(it.action, it.target);
      ctx.page(req, res, 'plan', { sub: it.sub, action: it.action, target: it.target, plan, error: null, quote: shellQuote });
    } catch (e) {
      ctx.page(req, res, 'plan', { sub: it.sub, action: it.action, target: it.target, plan: null, error: message(e), quote: shellQuote }, 409);
    }
  });

  ctx.route('post', '/subscriptions/:id/apply', ['admin'], async (req, res) => {
    const it = lookup(req, res, (req.body ?? {}) as Record<string, unknown>);
    if (!it) return;
    try {
      const r = await deps.actions.apply(it.action, it.target, actorName(it.p));
      ctx.page(req, res, 'result', { sub: it.sub, action: it.action, target: it.target, result: r, error: null, undone: false });
    } catch (e) {
      ctx.page(req, res, 'result', { sub: it.sub, action: it.action, target: it.target, result: null, error: message(e), undone: false }, 409);
    }
  });

  ctx.route('post', '/audit/:id/undo', ['admin'], async (req, res) => {
    const id = Number(param(req, 'id'));
    const row = Number.isSafeInteger(id) ? auditRowById(deps.store, id) : undefined;
    if (!row) return ctx.fail(req, res, 404);
    if (!row.undoable || !row.undoHandle) return ctx.fail(req, res, 400);
    try {
      const r = await deps.actions.undo(row.undoHandle, actorName(principalOf(res)!));
      ctx.page(req, res, 'result', { sub: null, action: row.action, target: row.target, result: { id: row.undoHandle, plan: null, verified: r.verified, observations: [...r.observations, ...r.warnings] }, error: null, undone: true });
    } catch (e) {
      ctx.page(req, res, 'result', { sub: null, action: row.action, target: row.target, result: null, error: message(e), undone: true }, 409);
    }
  });
}

function message(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).slice(0, 2000);
}
