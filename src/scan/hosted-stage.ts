/**
 * Which domains are hosted here, for the direction of each message (trace/direction.ts):
 * Postfix's own address classes (live scans only: a saved queue may come from another
 * server) and every domain and mailbox the panel inventory lists.
 */
import { readPostfixDomains } from '../collect/hosted/postfix-domains';
import type { PostconfValues } from '../collect/postconf-values';
import type { Subscription } from '../domain/subscription';
import type { Host } from '../host/host';
import { HostedDomains } from '../trace/direction';

export interface HostedSummary {
  /** distinct hosted domains known */
  domains: number;
  fromPostfix: number;
  fromInventory: number;
}

export async function hostedDomains(
  host: Host,
  askPostfix: boolean,
  subscriptions: readonly Subscription[],
  /** the scan's shared main.cf values */
  postconf?: PostconfValues,
): Promise<{ hosted: HostedDomains; summary: HostedSummary; warnings: string[] }> {
  const postfix = askPostfix ? await readPostfixDomains(host, undefined, postconf) : { domains: [], warnings: [] };
  const fromInventory = new Set<string>();
  for (const s of subscriptions) {
    for (const d of s.domains) fromInventory.add(d.toLowerCase());
    for (const m of s.mailboxes) {
      const at = m.address.lastIndexOf('@');
      if (at > 0) fromInventory.add(m.address.slice(at + 1).toLowerCase());
    }
  }
  const hosted = new HostedDomains([...postfix.domains, ...fromInventory]);
  return {
    hosted,
    summary: { domains: hosted.size, fromPostfix: postfix.domains.length, fromInventory: fromInventory.size },
    warnings: postfix.warnings,
  };
}
