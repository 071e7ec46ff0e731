/**
 * One address on one DNSBL, as answered. Lives in the domain so the report
 * (src/domain/report.ts) and the querying module (src/dnsbl/) share one shape.
 */
export type DnsblState = 'listed' | 'not-listed' | 'cannot-check';

export interface DnsblAnswer {
  address: string;
  zone: string;
  /** the list's name ("Spamhaus ZEN") */
  list: string;
  state: DnsblState;
  /** what the return codes mean (SBL, XBL, ...; or why it cannot be checked) */
  meaning: string[];
  /** the A records returned */
  codes: string[];
  /** TXT reason a listing carries, if any */
  text: string | null;
  /** seconds the answer may be cached */
  ttl: number;
  checkedAt: string;
  delist: string;
}
