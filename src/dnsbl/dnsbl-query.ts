/**
 * One DNSBL question: the address reversed under the zone, an A query through a resolver
 * the admin chose (the system's, or `server`), with the answer's TTL for the cache.
 * NXDOMAIN is "not listed"; a timeout, SERVFAIL or REFUSED is "cannot check" with the
 * error named, never "not listed".
 */
import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { DnsblAnswer } from '../domain/dnsbl';
import { interpretAnswer, type DnsblList } from './dnsbl-lists';

export type { DnsblAnswer } from '../domain/dnsbl';

/** Negative answers carry no TTL through node's resolver: keep them this long. */
export const NEGATIVE_TTL = 900;
/** A failed query is retried sooner. */
export const ERROR_TTL = 120;

/** `4.3.2.1.zone` for IPv4; 32 nibbles for IPv6 (RFC 5782). */
export function queryName(address: string, zone: string): string {
  if (isIP(address) === 4) return `${address.split('.').reverse().join('.')}.${zone}`;
  if (isIP(address) === 6) return `${expandV6(address).split('').reverse().join('.')}.${zone}`;
  throw new Error(`not an IP address: ${address.slice(0, 50)}`);
}

function expandV6(a: string): string {
  const [head, tail = ''] = a.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill = a.includes('::') ? Array(8 - h.length - t.length).fill('0') : [];
  return [...h, ...fill, ...t].map((g) => g.padStart(4, '0')).join('').toLowerCase();
}

export interface QueryOptions {
  /** "127.0.0.1" or "127.0.0.1:5353"; default: the system's resolvers */
  server?: string | null;
  timeoutMs?: number;
  now?: () => Date;
}

export function makeResolver(o: QueryOptions): Resolver {
  const r = new Resolver({ timeout: o.timeoutMs ?? 3000, tries: 2 });
  if (o.server) r.setServers([o.server]);
  return r;
}

export async function queryDnsbl(resolver: Resolver, address: string, list: DnsblList, now: Date = new Date()): Promise<DnsblAnswer> {
  const base = { address, zone: list.zone, list: list.name, checkedAt: now.toISOString(), delist: list.delist };
  const name = queryName(address, list.zone);
  try {
    const recs = await resolver.resolve4(name, { ttl: true });
    const codes = recs.map((r) => r.address);
    const i = interpretAnswer(list, codes);
    let text: string | null = null;
    if (i.state === 'listed') text = await resolver.resolveTxt(name).then((t) => t.map((c) => c.join('')).join(' ').slice(0, 500), () => null);
    return { ...base, state: i.state, meaning: i.meaning, codes, text, ttl: Math.max(30, Math.min(...recs.map((r) => r.ttl))) };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    if (code === 'ENOTFOUND' || code === 'ENODATA') return { ...base, state: 'not-listed', meaning: [], codes: [], text: null, ttl: NEGATIVE_TTL };
    return { ...base, state: 'cannot-check', meaning: [`the query failed: ${code}`], codes: [], text: null, ttl: ERROR_TTL };
  }
}
