/**
 * The report's sources grouped by the subscription they belong to, ranked worst first.
 * Sources no subscription owns are one pseudo-subscription, visible to admins only.
 */
import type { Report, ReportSource, SourceSubscription, Verdict } from '../domain/report';

export const UNASSIGNED_ID = '~unassigned';

export interface SubscriptionView {
  id: string;
  unassigned: boolean;
  panel: SourceSubscription['panel'] | null;
  domains: string[];
  customer: string | null;
  customerEmail: string | null;
  customerLocale: string | null;
  reseller: string | null;
  /** the fleet host (SSH alias) the subscription's sources were seen on; null: this server */
  host: string | null;
  sources: ReportSource[];
  worst: Verdict;
  messages: number;
  score: number;
}

const SEVERITY: Record<Verdict, number> = { spam: 2, suspicious: 1, normal: 0 };

export function severity(v: Verdict): number {
  return SEVERITY[v] ?? 0;
}

export function groupBySubscription(report: Report): SubscriptionView[] {
  const byId = new Map<string, SubscriptionView>();
  for (const s of report.sources) {
    const sub = s.subscription ?? null;
    const id = sub?.id ?? UNASSIGNED_ID;
    let view = byId.get(id);
    if (!view) {
      view = {
        id,
        unassigned: sub === null,
        panel: sub?.panel ?? null,
        domains: sub?.domains ?? [],
        customer: sub?.customer ?? null,
        customerEmail: sub?.customerEmail ?? null,
        customerLocale: sub?.customerLocale ?? null,
        reseller: sub?.reseller ?? null,
        host: sub ? (s.host ?? null) : null,
        sources: [],
        worst: 'normal',
        messages: 0,
        score: 0,
      };
      byId.set(id, view);
    }
    view.sources.push(s);
    view.messages += s.messages;
    view.score = Math.max(view.score, s.score);
    if (severity(s.verdict) > severity(view.worst)) view.worst = s.verdict;
  }
  return [...byId.values()].sort(compareAffected);
}

/** Worst verdict first, then most messages, then id (stable for tests and screenshots). */
export function compareAffected(a: SubscriptionView, b: SubscriptionView): number {
  return severity(b.worst) - severity(a.worst) || b.messages - a.messages || b.score - a.score || a.id.localeCompare(b.id);
}
