/**
 * Whom to write to about a source, and in which language. The report carries the
 * customer's address (subscription.customerEmail); the locale and the reseller's address
 * come from the inventory's Subscription when the caller has it, or from optional report
 * fields `customerLocale` / `resellerEmail` once the report carries them.
 */
import type { ReportSource, SourceSubscription } from '../domain/report';
import type { Subscription } from '../domain/subscription';

export interface Contacts {
  customer: { login: string | null; email: string | null; locale: string | null } | null;
  reseller: { login: string; email: string | null } | null;
}

export type ContactLookup = (source: ReportSource) => Contacts;

/** Fields a report may add to SourceSubscription later; read when present. */
type ReportSubscriptionExtras = SourceSubscription & { customerLocale?: string | null; resellerEmail?: string | null };

export function contactsFromReport(source: ReportSource): Contacts {
  const sub = source.subscription as ReportSubscriptionExtras | null | undefined;
  if (!sub) return { customer: null, reseller: null };
  return {
    customer: { login: sub.customer, email: sub.customerEmail, locale: sub.customerLocale ?? null },
    reseller: sub.reseller ? { login: sub.reseller, email: sub.resellerEmail ?? null } : null,
  };
}

/** Prefers the inventory's subscription (same panel and id); falls back to the report. */
export function contactsFromInventory(subscriptions: readonly Subscription[]): ContactLookup {
  const byKey = new Map(subscriptions.map((s) => [`${s.panel}\0${s.id}`, s]));
  return (source) => {
    const fromReport = contactsFromReport(source);
    const ref = source.subscription;
    const sub = ref ? byKey.get(`${ref.panel}\0${ref.id}`) : undefined;
    if (!sub) return fromReport;
    return {
      customer: sub.customer
        ? { login: sub.customer.login, email: sub.customer.email ?? fromReport.customer?.email ?? null, locale: sub.customer.locale ?? fromReport.customer?.locale ?? null }
        : fromReport.customer,
      reseller: sub.reseller ? { login: sub.reseller.login, email: sub.reseller.email ?? null } : fromReport.reseller,
    };
  };
}
