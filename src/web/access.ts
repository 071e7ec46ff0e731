/**
 * Authorization in the query layer: every page gets its subscriptions through these
 * functions, so a route cannot show what its principal may not see by forgetting a check.
 *
 * - admin: everything, including sources no subscription owns;
 * - reseller: subscriptions whose reseller is its login (or whose customer it is itself);
 * - customer: subscriptions whose customer is its login or whose main domain the panel
 *   listed in its token.
 */
import type { Report } from '../domain/report';
import type { Principal } from './principal';
import { groupBySubscription, type SubscriptionView } from './subscriptions';

/**
 * In a fleet scan, whose accounts this UI's panel logins are. A reseller "r1" signed in by
 * this server's panel is not necessarily the "r1" of another server's panel: 'all'
 * matches logins on every host (one panel, or panels sharing their accounts); a list
 * matches them only on those hosts, and other hosts' subscriptions stay admin-only.
 * A subscription of a scan without --hosts (no host) is always this panel's.
 */
export type PanelHosts = 'all' | readonly string[];

function panelOwns(sub: SubscriptionView, panelHosts: PanelHosts): boolean {
  return sub.host === null || panelHosts === 'all' || panelHosts.includes(sub.host);
}

export function mayView(p: Principal, sub: SubscriptionView, panelHosts: PanelHosts = 'all'): boolean {
  if (p.role === 'admin') return true;
  if (sub.unassigned) return false;
  if (!panelOwns(sub, panelHosts)) return false;
  if (p.role === 'reseller') return sub.reseller === p.login || sub.customer === p.login;
  const main = sub.domains[0]?.toLowerCase();
  return sub.customer === p.login || (main !== undefined && p.domains.includes(main));
}

/** The subscriptions of the report this principal may see, worst first. */
export function visibleSubscriptions(p: Principal, report: Report | null, panelHosts: PanelHosts = 'all'): SubscriptionView[] {
  if (!report) return [];
  return groupBySubscription(report).filter((s) => mayView(p, s, panelHosts));
}

export type Lookup = { ok: true; sub: SubscriptionView } | { ok: false; status: 403 | 404 };

/**
 * One subscription by id. Someone who may not see it gets 403 whether it exists or not,
 * so a reseller cannot probe for other resellers' customers; only an admin learns 404.
 */
export function findSubscription(p: Principal, report: Report | null, id: string, panelHosts: PanelHosts = 'all'): Lookup {
  if (p.role === 'customer') return { ok: false, status: 403 };
  const sub = report ? groupBySubscription(report).find((s) => s.id === id) : undefined;
  if (sub && mayView(p, sub, panelHosts)) return { ok: true, sub };
  return { ok: false, status: p.role === 'admin' ? 404 : 403 };
}

/** Only the server's admin acts (containment changes the whole server's mail system). */
export function mayAct(p: Principal): boolean {
  return p.role === 'admin';
}

/** Who owns a notice in the outbox: its customer and reseller logins and the scanned host. */
export interface NoticeOwner {
  customer: string | null;
  reseller: string | null;
  /** the host of the finding the notice is about (the report's host) */
  host: string | null;
}

/**
 * The customer notices a principal may see and decide on: an admin all of them, a
 * reseller those of its own customers (the same ownership as mayView, by the logins the
 * notice was queued with), a customer none (the notice is the hoster's letter to it, not
 * a page of its own). With a panelHosts list, a reseller's notices are only those about
 * a finding on one of those hosts.
 */
export function mayViewNotice(p: Principal, n: NoticeOwner, panelHosts: PanelHosts = 'all'): boolean {
  if (p.role === 'admin') return true;
  if (p.role !== 'reseller') return false;
  if (panelHosts !== 'all' && (n.host === null || !panelHosts.includes(n.host))) return false;
  return n.reseller === p.login || n.customer === p.login;
}
