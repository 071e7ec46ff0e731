/**
 * The blocklists an outbound address is checked against, as data: the zone, what each
 * return code means, and which answers are not listings at all. A DNSBL answers a listing
 * with an address in 127.0.0.0/8; Spamhaus answers 127.255.255.x when it refuses the
 * query (a public or open resolver, too many queries, a typing error in the zone name):
 * that is "cannot check", never "listed". An answer outside 127/8 means a resolver that
 * rewrites NXDOMAIN (an ISP's search page) or a list that was shut down: "cannot check" too.
 */

import type { DnsblState } from '../domain/dnsbl';

export interface DnsblList {
  zone: string;
  name: string;
  /** meaning of each listing code; a 127.0.0.x code not in the table is "listed (code X)" */
  codes: Readonly<Record<string, string>>;
  /** codes (or a prefix like "127.255.255.") that mean the query was refused, with why */
  refusals: Readonly<Record<string, string>>;
  /** where the admin asks for removal */
  delist: string;
}

const SPAMHAUS_REFUSALS = {
  '127.255.255.252': 'Spamhaus: typing error in the DNSBL name',
  '127.255.255.254': 'Spamhaus: the query came through a public or open resolver (use your own resolver or a Data Query Service key)',
  '127.255.255.255': 'Spamhaus: excessive number of queries',
  '127.255.255.': 'Spamhaus refused the query',
};

export const DNSBL_LISTS: readonly DnsblList[] = [
  {
    zone: 'zen.spamhaus.org',
    name: 'Spamhaus ZEN',
    codes: {
      '127.0.0.2': 'SBL: Spamhaus SBL data',
      '127.0.0.3': 'SBL: Spamhaus SBL CSS data',
      '127.0.0.4': 'XBL: CBL data (exploited or infected host)',
      '127.0.0.9': 'SBL: Spamhaus DROP/EDROP data',
      '127.0.0.10': 'PBL: ISP maintained (end-user range)',
      '127.0.0.11': 'PBL: Spamhaus maintained (end-user range)',
    },
    refusals: SPAMHAUS_REFUSALS,
    delist: 'https://check.spamhaus.org/',
  },
  {
    zone: 'bl.spamcop.net',
    name: 'SpamCop',
    codes: { '127.0.0.2': 'listed by SpamCop (reported spam)' },
    refusals: {},
    delist: 'https://www.spamcop.net/bl.shtml',
  },
  {
    zone: 'b.barracudacentral.org',
    name: 'Barracuda',
    codes: { '127.0.0.2': 'listed by the Barracuda Reputation Block List' },
    refusals: {},
    delist: 'https://www.barracudacentral.org/rbl/removal-request',
  },
  {
    zone: 'psbl.surriel.com',
    name: 'PSBL',
    codes: { '127.0.0.2': 'listed by the Passive Spam Block List' },
    refusals: {},
    delist: 'https://psbl.org/',
  },
];

export type { DnsblState } from '../domain/dnsbl';

export interface Interpretation {
  state: DnsblState;
  /** the meanings of the codes, or why it cannot be checked */
  meaning: string[];
}

/** What the A records a DNSBL returned for an address mean. */
export function interpretAnswer(list: DnsblList, addresses: readonly string[]): Interpretation {
  const listed: string[] = [];
  const cannot: string[] = [];
  for (const a of addresses) {
    const refusal = list.refusals[a] ?? Object.entries(list.refusals).find(([k]) => k.endsWith('.') && a.startsWith(k))?.[1];
    if (refusal || a.startsWith('127.255.255.')) cannot.push(refusal ?? `${list.name} refused the query (${a})`);
    else if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a)) listed.push(list.codes[a] ?? `listed (code ${a})`);
    else cannot.push(`answer ${a} is outside 127.0.0.0/8: a resolver rewriting NXDOMAIN, or a list that was shut down`);
  }
  // one refusal in the answer spoils it: the listing codes beside it are not trustworthy either
  if (cannot.length > 0) return { state: 'cannot-check', meaning: cannot };
  if (listed.length > 0) return { state: 'listed', meaning: listed };
  return { state: 'not-listed', meaning: [] };
}

/** A list by its zone, or an ad-hoc one with the generic meanings. */
export function listOf(zone: string): DnsblList {
  const z = zone.toLowerCase().replace(/\.$/, '');
  return DNSBL_LISTS.find((l) => l.zone === z) ?? { zone: z, name: z, codes: {}, refusals: {}, delist: '' };
}
