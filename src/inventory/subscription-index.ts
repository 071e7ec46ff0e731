/**
 * Lookups the scan needs once it knows a uid, a user name or a domain: which
 * subscription(s) is that? A list, not one: a uid can (wrongly) be shared, and a domain
 * can appear in two sources; the caller decides what ambiguity means.
 */
import type { Subscription } from '../domain/subscription';
import { normalizeDomain, parentDomain } from './filesystem/domain-name';

export interface SubscriptionIndex {
  byUid(uid: number): Subscription[];
  byUser(name: string): Subscription[];
  /**
   * Exact domain first; without one, the closest parent domain (`shop.example.de` finds
   * `example.de`), never a bare top-level label. Case and a trailing dot do not matter;
   * IDNs match in either form.
   */
  byDomain(domain: string): Subscription[];
}

function add<K>(map: Map<K, Subscription[]>, key: K, s: Subscription): void {
  const list = map.get(key);
  if (!list) map.set(key, [s]);
  else if (!list.includes(s)) list.push(s);
}

export function subscriptionIndex(subs: readonly Subscription[]): SubscriptionIndex {
  const uids = new Map<number, Subscription[]>();
  const users = new Map<string, Subscription[]>();
  const domains = new Map<string, Subscription[]>();
  for (const s of subs) {
    if (s.uid !== null) add(uids, s.uid, s);
    if (s.sysUser !== null) add(users, s.sysUser, s);
    for (const d of s.domains) {
      const n = normalizeDomain(d);
      if (n) add(domains, n, s);
    }
  }
  return {
    byUid: (uid) => [...(uids.get(uid) ?? [])],
    byUser: (name) => [...(users.get(name) ?? [])],
    byDomain: (domain) => {
      for (let d = normalizeDomain(domain); d; d = parentDomain(d)) {
        const hit = domains.get(d);
        if (hit) return [...hit];
      }
      return [];
    },
  };
}
