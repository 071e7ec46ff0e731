/**
 * Which panel subscription does a source belong to? A local uid is the subscription's
 * system user; a SASL login is a mailbox, found by its address or its domain. Anything
 * ambiguous stays unassigned: naming the wrong customer is worse than naming none.
 */
import type { ReportSource, SourceSubscription } from '../domain/report';
import type { Subscription } from '../domain/subscription';
import type { SubscriptionIndex } from '../inventory/subscription-index';

export function subscriptionOf(source: ReportSource, index: SubscriptionIndex): Subscription | null {
  let found: Subscription[] = [];
  if (source.kind === 'local' && source.uid !== null) {
    found = index.byUid(source.uid);
  } else if (source.kind === 'sasl' && source.saslUsername) {
    const login = source.saslUsername.toLowerCase();
    const at = login.lastIndexOf('@');
    if (at > 0) {
      const byDomain = index.byDomain(login.slice(at + 1));
      const byMailbox = byDomain.filter((s) => s.mailboxes.some((m) => m.address === login));
      found = byMailbox.length ? byMailbox : byDomain;
    } else {
      // Confixx pop3 logins (web9p3) and system users log in without a domain.
      found = [...index.byUser(login)];
      if (!found.length) {
        const owner = /^(web\d+)p\d+$/.exec(login)?.[1];
        if (owner) found = index.byUser(owner);
      }
    }
  }
  return found.length === 1 ? found[0]! : null;
}

export function sourceSubscription(s: Subscription): SourceSubscription {
  return {
    id: s.id,
    panel: s.panel,
    domains: s.domains,
    customer: s.customer?.login ?? null,
    customerEmail: s.customer?.email ?? null,
    customerLocale: s.customer?.locale ?? null,
    reseller: s.reseller?.login ?? null,
    resellerEmail: s.reseller?.email ?? null,
  };
}
