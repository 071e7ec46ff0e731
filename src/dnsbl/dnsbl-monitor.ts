/**
 * The blocklist state of the outbound addresses, kept between runs in one JSON file
 * (`/var/lib/spamtrace/watch/dnsbl.json`): each answer is reused until its TTL runs out,
 * so a watcher that checks every few minutes asks the lists no more often than their own
 * TTLs allow; and a change of state (listed, delisted, now checkable or not) is returned so
 * the caller can alert the admin.
 */
import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { listOf } from './dnsbl-lists';
import { makeResolver, queryDnsbl, type DnsblAnswer, type QueryOptions } from './dnsbl-query';
import type { OutboundAddress } from './outbound-ips';

export interface DnsblChange {
  address: string;
  zone: string;
  list: string;
  from: DnsblAnswer['state'] | 'unknown';
  to: DnsblAnswer['state'];
  meaning: string[];
}

export interface DnsblStatus {
  checkedAt: string;
  addresses: OutboundAddress[];
  notes: string[];
  results: DnsblAnswer[];
  /** answers taken from the cache this time (TTL not over) */
  cached: number;
  changes: DnsblChange[];
}

export interface MonitorOptions extends QueryOptions {
  statePath: string;
  zones: readonly string[];
  /** parallel queries (default 4) */
  parallel?: number;
}

export class DnsblMonitor {
  constructor(private readonly o: MonitorOptions) {}

  async read(): Promise<DnsblStatus | null> {
    try {
      return JSON.parse(await fs.readFile(this.o.statePath, 'utf8')) as DnsblStatus;
    } catch {
      return null;
    }
  }

  async check(addresses: readonly OutboundAddress[], notes: readonly string[] = []): Promise<DnsblStatus> {
    const now = (this.o.now ?? (() => new Date()))();
    const before = await this.read();
    const old = new Map((before?.results ?? []).map((r) => [`${r.address} ${r.zone}`, r]));
    const resolver = makeResolver(this.o);
    const jobs: { address: string; zone: string }[] = [];
    // private addresses are never what a list sees (and asking about them leaks nothing useful)
    for (const a of addresses) if (!a.private || a.via.includes('configured')) for (const z of this.o.zones) jobs.push({ address: a.address, zone: listOf(z).zone });
    const results: DnsblAnswer[] = [];
    let cached = 0;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < jobs.length) {
        const j = jobs[next++]!;
        const hit = old.get(`${j.address} ${j.zone}`);
        if (hit && Date.parse(hit.checkedAt) + hit.ttl * 1000 > now.getTime()) {
          results.push(hit);
          cached += 1;
          continue;
        }
        results.push(await queryDnsbl(resolver, j.address, listOf(j.zone), now));
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.o.parallel ?? 4, jobs.length) }, worker));
    results.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : a.zone < b.zone ? -1 : 1));
    const changes: DnsblChange[] = [];
    for (const r of results) {
      const prev = old.get(`${r.address} ${r.zone}`);
      if (prev?.state === r.state) continue;
      // first sight of a clean address is not news; a first listing is
      if (!prev && r.state === 'not-listed') continue;
      changes.push({ address: r.address, zone: r.zone, list: r.list, from: prev?.state ?? 'unknown', to: r.state, meaning: r.meaning });
    }
    const status: DnsblStatus = { checkedAt: now.toISOString(), addresses: [...addresses], notes: [...notes], results, cached, changes };
    await fs.mkdir(dirname(this.o.statePath), { recursive: true, mode: 0o700 });
    const tmp = `${this.o.statePath}.${process.pid}.tmp`;
    await fs.writeFile(tmp, JSON.stringify(status) + '\n', { mode: 0o600 });
    await fs.rename(tmp, this.o.statePath);
    return status;
  }
}

/** One line per address and list, for the terminal and the alert mail. */
export function renderDnsbl(s: DnsblStatus): string {
  const out: string[] = [`blocklist check ${s.checkedAt} (${s.results.length - s.cached} asked, ${s.cached} from the cache)`];
  for (const r of s.results) {
    const what = r.state === 'listed' ? `LISTED: ${r.meaning.join('; ')}${r.text ? ` (${r.text})` : ''}${r.delist ? `; removal: ${r.delist}` : ''}` : r.state === 'cannot-check' ? `cannot check: ${r.meaning.join('; ')}` : 'not listed';
    out.push(`  ${r.address.padEnd(16)} ${r.list.padEnd(16)} ${what}`);
  }
  for (const n of s.notes) out.push(`  note: ${n}`);
  return out.join('\n') + '\n';
}
