/** The read-only pages: admin overview, subscription, reseller, customer, audit log. */
import type { Request } from 'express';
import type { Report } from '../domain/report';
import type { Principal } from './principal';
import { principalOf, ENTRY, param, type Ctx } from './web-context';
import { findSubscription, mayAct, visibleSubscriptions, type PanelHosts } from './access';
import { offersFor } from './action-offers';
import { deferralsByProvider, timeline } from './overview-model';
import { auditRows } from './audit-view';
import { PENDING_STATES, countAwaiting, visibleNotices } from './notices-view';
import { lastFailedAfterDone, latestReport, runningScan } from '../store';
import { hostStatuses, latestCrossHost } from './fleet-view';

export function registerPageRoutes(ctx: Ctx): void {
  const { deps } = ctx;
  const scanState = () => ({ latest: latestReport(deps.store), running: runningScan(deps.store) ?? null, failed: lastFailedAfterDone(deps.store) ?? null });

  ctx.route('get', '/', ['admin', 'reseller', 'customer'], async (req, res) => {
    const p = principalOf(res)!;
    const target = deepLink(p, req, () => latestReport(deps.store)?.report ?? null, deps.panelHosts);
    if (target) return res.redirect(303, target);
    if (p.role !== 'admin') return res.redirect(303, ENTRY[p.role]);
    const state = scanState();
    const report = state.latest?.report ?? null;
    const subs = visibleSubscriptions(p, report, deps.panelHosts);
    ctx.page(req, res, 'overview', {
      ...state,
      report,
      affected: subs.filter((s) => !s.unassigned),
      unassigned: subs.find((s) => s.unassigned) ?? null,
      deferrals: report ? deferralsByProvider(report) : [],
      chart: report ? timeline(report) : null,
      outboundIps: safeList(deps.outboundIps),
      hosts: hostStatuses(deps.store) ?? [],
      crossHost: latestCrossHost(deps.store),
      awaitingNotices: countAwaiting(deps.store, p, deps.panelHosts),
      watch: deps.watch ? await deps.watch.state().catch(() => null) : null,
    });
  });

  ctx.route('get', '/subscriptions/:id', ['admin', 'reseller', 'customer'], (req, res) => {
    const p = principalOf(res)!;
    const latest = latestReport(deps.store);
    const found = findSubscription(p, latest?.report ?? null, param(req, 'id'), deps.panelHosts);
    if (!found.ok) return ctx.fail(req, res, found.status);
    const canAct = mayAct(p);
    ctx.page(req, res, 'subscription', {
      sub: found.sub,
      scan: latest!.scan,
      canAct,
      offers: canAct ? offersFor(found.sub, deps.actions.available()) : [],
      notices: visibleNotices(deps.store, p, deps.panelHosts, { states: PENDING_STATES, subscription: found.sub.id, limit: 50 }),
    });
  });

  ctx.route('get', '/reseller', ['admin', 'reseller'], (req, res) => {
    const p = principalOf(res)!;
    const target = deepLink(p, req, () => latestReport(deps.store)?.report ?? null, deps.panelHosts);
    if (target) return res.redirect(303, target);
    const latest = latestReport(deps.store);
    ctx.page(req, res, 'reseller', { subs: visibleSubscriptions(p, latest?.report ?? null, deps.panelHosts).filter((s) => !s.unassigned), scan: latest?.scan ?? null });
  });

  ctx.route('get', '/customer', ['customer'], (req, res) => {
    const p = principalOf(res)!;
    const latest = latestReport(deps.store);
    ctx.page(req, res, 'customer', { subs: visibleSubscriptions(p, latest?.report ?? null, deps.panelHosts), scan: latest?.scan ?? null });
  });

  ctx.route('get', '/audit', ['admin'], (req, res) => {
    ctx.page(req, res, 'audit', { rows: auditRows(deps.store) });
  });
}

/**
 * The panel opens us from a subscription's page with `?subscription=DOMAIN` (see
 * plesk/plib/controllers/IndexController.php): go to that subscription's page when this
 * principal may see it, otherwise stay on the entry page.
 */
function deepLink(p: Principal, req: Request, report: () => Report | null, panelHosts: PanelHosts): string | null {
  const q = req.query['subscription'];
  if (typeof q !== 'string' || q === '' || q.length > 255 || p.role === 'customer') return null;
  const name = q.toLowerCase();
  const sub = visibleSubscriptions(p, report(), panelHosts).find((s) => s.id === q || s.domains.includes(name));
  return sub ? `/subscriptions/${encodeURIComponent(sub.id)}` : null;
}

function safeList(f: () => string[]): string[] {
  try {
    return f();
  } catch {
    return [];
  }
}
