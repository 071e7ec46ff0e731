/**
 * The blocklist state of the outbound addresses, for the scan report: which addresses mail
 * leaves from (asked from Postfix, `discoverOutbound`), and per DNSBL listed / not listed /
 * cannot check, with when each answer was taken. The watcher's answers
 * (`dnsbl.cacheFile`) are used while their TTL lasts; a stale or missing answer is asked
 * now when the config names zones (`dnsbl.zones`), else the section says "not checked".
 * A scan only reads the watcher's cache: writing it would hide a change from the watcher,
 * whose alert is the admin's news of a listing.
 */
import { promises as fs } from 'node:fs';
import type { Host } from '../host/host';
import type { ReportDnsbl } from '../domain/report';
import type { SpamtraceConfig } from '../config/config-types';
import { discoverOutbound, type InterfaceAddress } from '../dnsbl/outbound-ips';
import type { PostconfValues } from '../collect/postconf-values';
import { listOf } from '../dnsbl/dnsbl-lists';
import { makeResolver, queryDnsbl, type DnsblAnswer } from '../dnsbl/dnsbl-query';
import type { DnsblStatus } from '../dnsbl/dnsbl-monitor';

export interface DnsblStageOptions {
  config: Readonly<SpamtraceConfig['dnsbl']>;
  /** this machine's interface addresses when the scanned host is this machine; [] otherwise */
  interfaces: InterfaceAddress[];
  now: Date;
  /** parallel queries (default 4) */
  parallel?: number;
  /** the scan's shared main.cf values (asked together with the other stages') */
  postconf?: PostconfValues;
}

export async function dnsblState(host: Host, o: DnsblStageOptions): Promise<ReportDnsbl> {
  const cache = await readCache(o.config.cacheFile);
  const d = await discoverOutbound(host, o.interfaces, o.config.addresses, o.postconf);
  const checkable = d.addresses.filter((a) => !a.private || a.via.includes('configured'));
  const fresh = (r: DnsblAnswer): boolean => Date.parse(r.checkedAt) + r.ttl * 1000 > o.now.getTime();
  const cached = new Map((cache?.results ?? []).map((r) => [`${r.address} ${r.zone}`, r]));
  const zones = o.config.zones.length ? o.config.zones.map((z) => listOf(z).zone) : [...new Set((cache?.results ?? []).filter(fresh).map((r) => r.zone))];
  const jobs = checkable.flatMap((a) => zones.map((zone) => ({ address: a.address, zone })));
  const results: ReportDnsbl['results'] = [];
  const ask: typeof jobs = [];
  for (const j of jobs) {
    const hit = cached.get(`${j.address} ${j.zone}`);
    if (hit && fresh(hit)) results.push({ ...hit, from: 'cache' });
    else if (o.config.zones.length) ask.push(j);
  }
  if (ask.length) {
    const resolver = makeResolver({ server: o.config.server });
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < ask.length) {
        const j = ask[next++]!;
        results.push({ ...(await queryDnsbl(resolver, j.address, listOf(j.zone), o.now)), from: 'query' });
      }
    };
    await Promise.all(Array.from({ length: Math.min(o.parallel ?? 4, ask.length) }, worker));
  }
  results.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : a.zone < b.zone ? -1 : a.zone > b.zone ? 1 : 0));
  const notes = [...d.notes];
  let note: string;
  if (results.length === 0) {
    note = checkable.length === 0
      ? 'not checked: no public outbound address found (behind NAT: name it in dnsbl.addresses)'
      : 'not checked: no DNSBL zones configured (dnsbl.zones) and no fresh answers from spamtrace watch';
  } else {
    const fromCache = results.filter((r) => r.from === 'cache').length;
    note = `${results.length} answers: ${fromCache} from the watcher's cache (TTL not over), ${results.length - fromCache} asked now`;
  }
  return {
    checked: results.length > 0,
    note,
    addresses: d.addresses,
    results,
    listed: results.filter((r) => r.state === 'listed').length,
    cannotCheck: results.filter((r) => r.state === 'cannot-check').length,
    notes,
  };
}

/** The state for an offline scan: the files came from another server. */
export function dnsblOffline(): ReportDnsbl {
  return { checked: false, note: 'not checked: an offline scan (the blocklist state belongs to the server the files came from)', addresses: [], results: [], listed: 0, cannotCheck: 0, notes: [] };
}

async function readCache(path: string): Promise<DnsblStatus | null> {
  try {
    const s = JSON.parse(await fs.readFile(path, 'utf8')) as DnsblStatus;
    return Array.isArray(s.results) ? s : null;
  } catch {
    return null;
  }
}
