/**
 * Which way a message went: only mail that leaves (or is submitted here) says anything
 * about a sender on this server. Pure.
 *
 * - `inbound`: an SMTP client from outside (no login, not loopback) handing in mail whose
 *   recipients are all hosted here: a provider's server delivering to our mailboxes. It
 *   is counted, never judged as a sender.
 * - `outgoing`: at least one recipient is not hosted here: the mail leaves this server.
 * - `internal`: submitted here (local uid, a login, a script on loopback) for hosted
 *   recipients only: judged (it is a submission), but not outgoing.
 *
 * A recipient is hosted when its domain is one of this server's (postconf's
 * mydestination, virtual_mailbox_domains, virtual_alias_domains, relay_domains, and the
 * panel inventory's domains and mailboxes), when it has no domain (`root`), or when the
 * mail log shows it delivered here (local, virtual, lmtp or pipe). With no hosted domain
 * known at all (a saved queue from another server), every message with recipients is
 * outgoing: the verdicts are then what they were before direction existed.
 */
import type { TraceMessage } from './trace-message';
import { domainOf } from './trace-message';

export type Direction = 'inbound' | 'outgoing' | 'internal';

/** The domains this server receives mail for, lower-cased, without a trailing dot. */
export class HostedDomains {
  private readonly domains = new Set<string>();

  constructor(domains: Iterable<string> = []) {
    for (const d of domains) this.addDomain(d);
  }

  addDomain(domain: string): void {
    const d = domain.trim().toLowerCase().replace(/\.$/, '');
    if (d) this.domains.add(d);
  }

  get size(): number {
    return this.domains.size;
  }

  has(domain: string): boolean {
    return this.domains.has(domain.toLowerCase());
  }

  /** `root`, `user@localhost`, `info@hosted.example` */
  isHostedAddress(address: string): boolean {
    if (!address.includes('@')) return true;
    const d = domainOf(address);
    return d === '' || d === 'localhost' || this.domains.has(d);
  }

  list(): string[] {
    return [...this.domains].sort();
  }
}

export const NO_HOSTED_DOMAINS = new HostedDomains();

export function isLoopbackAddress(address: string): boolean {
  const a = address.toLowerCase();
  return a.startsWith('127.') || a === '::1' || a === 'ipv6:::1' || a.startsWith('::ffff:127.');
}

export function directionOf(m: Pick<TraceMessage, 'origin' | 'recipients' | 'localRecipients'>, hosted: HostedDomains): Direction {
  const local = m.localRecipients && m.localRecipients.length > 0 ? new Set(m.localRecipients.map((r) => r.toLowerCase())) : null;
  const allHosted = m.recipients.length > 0 && m.recipients.every((r) => hosted.isHostedAddress(r) || (local !== null && local.has(r.toLowerCase())));
  if (!allHosted) return 'outgoing';
  const o = m.origin;
  if (o.kind === 'smtp-client' && !isLoopbackAddress(o.clientAddress)) return 'inbound';
  return 'internal';
}
