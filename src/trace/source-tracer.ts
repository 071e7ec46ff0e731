/**
 * Groups messages by origin into sources and judges each one. Pure: no I/O. The caller
 * streams examined messages in, hands over the listing-only ones, looks up the uids it
 * asks for, and calls finish().
 */
import type { ReportSource, SourceKind } from '../domain/report';
import type { UserDirectory } from '../domain/users';
import { EXACT_ENTRIES_PER_SCAN, SourceAccumulator, topCounts } from './source-accumulator';
import { ExactBudget } from './capped-counts';
import { factsOf } from './source-facts';
import { sourceKeyOf } from './origin';
import { domainOf, type TraceMessage } from './trace-message';
import { judge } from './verdict';
import { VERDICT_RANK } from './rules/rule-kit';
import { directionOf, NO_HOSTED_DOMAINS, type HostedDomains } from './direction';
import { detach, detachAll } from './detach';
import { sizeOf, valuesOf, withValue, type OneOrSet } from './one-or-set';

const BOUNCES = 'unknown:bounces';
/** worst first: verdict, score, volume, then id for a stable order */
export function bySeverity(a: ReportSource, b: ReportSource): number {
  return VERDICT_RANK[b.verdict] - VERDICT_RANK[a.verdict] || b.score - a.score || b.messages - a.messages || (a.id < b.id ? -1 : 1);
}

/** sender domains remembered for placing listed-only messages (see senderDomainOwners) */
export const MAX_SENDER_DOMAINS = 100_000;

export class SourceTracer {
  /** `hosted`: this server's domains, to tell inbound mail from mail sent here (direction.ts) */
  constructor(private readonly hosted: HostedDomains = NO_HOSTED_DOMAINS) {}

  private readonly sources = new Map<string, SourceAccumulator>();
  /** exact entries of all sources' counters together */
  private readonly budget = new ExactBudget(EXACT_ENTRIES_PER_SCAN);
  /**
   * sender domain -> keys of the examined sources that used it (to place listed-only queue
   * messages); random sender domains of a spam run would grow it without end, so at most
   * MAX_SENDER_DOMAINS domains, first seen first
   */
  private readonly senderDomainOwners = new Map<string, OneOrSet>();
  private readonly unexamined: TraceMessage[] = [];
  /** recipient domains the listing showed for examined messages (addListingOf) */
  private readonly listedDomains = new Map<string, OneOrSet>();

  /** Adds a message; returns the key of the source it was counted under. */
  add(m: TraceMessage): string {
    const key = sourceKeyOf(m.origin);
    let acc = this.sources.get(key);
    if (!acc) {
      acc = new SourceAccumulator(key, m.origin, this.budget);
      this.sources.set(key, acc);
    }
    const direction = directionOf(m, this.hosted);
    acc.add(m, direction);
    const d = domainOf(m.sender);
    if (d && direction !== 'inbound') this.ownerOf(d, acc.key);
    // the accumulator's own copy: callers keep it per message
    return acc.key;
  }

  /**
   * A copy Postfix re-sent for an alias or .forward of a message already counted: the
   * same message, so only its recipients are added (listed apart, not judged: the
   * submitter chose the alias's address, not where it forwards to). Without its
   * original here (it arrived before the window) the copy is counted as the message.
   */
  addCopy(m: TraceMessage): string {
    const key = sourceKeyOf(m.origin);
    const acc = this.sources.get(key);
    if (!acc) return this.add(m);
    acc.addCopy(m);
    return key;
  }

  /** Delay reasons of a message added earlier, learnt from a listing that came later. */
  addDelayReasons(key: string, reasons: readonly string[]): void {
    const acc = this.sources.get(key);
    if (acc) for (const r of reasons) acc.addDeferral(r);
  }

  /**
   * The listing's view of a message examined under `key`. Saved postcat output may show
   * another sender or no recipients (rewritten, or anonymised before it was pasted):
   * the listing's sender domain and recipient domains then connect the listed-only
   * messages to this source too, and its recipients stand in when postcat showed none.
   */
  private ownerOf(domain: string, key: string): void {
    const owners = this.senderDomainOwners.get(domain);
    if (owners === undefined) {
      if (this.senderDomainOwners.size >= MAX_SENDER_DOMAINS) return;
      this.senderDomainOwners.set(detach(domain), key);
      return;
    }
    const now = withValue(owners, key);
    if (now !== owners) this.senderDomainOwners.set(domain, now);
  }

  addListingOf(key: string, listing: { sender: string; recipients: readonly string[] }, examinedRecipients: number): void {
    const acc = this.sources.get(key);
    if (!acc) return;
    const d = domainOf(listing.sender);
    if (d) this.ownerOf(d, key);
    let domains = this.listedDomains.get(key);
    for (const r of listing.recipients) domains = withValue(domains, detach(domainOf(r)));
    if (domains !== undefined) this.listedDomains.set(key, domains);
    if (examinedRecipients === 0) acc.addRecipients(listing.recipients);
  }

  /** A message only the queue listing showed (postcat output missing or it vanished). */
  addUnexamined(m: TraceMessage): void {
    this.unexamined.push(detachAll(m));
  }

  localUids(): number[] {
    const uids: number[] = [];
    for (const acc of this.sources.values()) if (acc.origin.kind === 'local') uids.push(acc.origin.uid);
    return uids;
  }

  finish(users: UserDirectory): ReportSource[] {
    this.placeUnexamined();
    const out = [...this.sources.values()].map((acc) => this.toReport(acc, users));
    return out.sort(bySeverity);
  }

  /**
   * The admin's own shortcut (seed step 2: "open a few of these IDs"): a listed message
   * that was not examined is counted under the one examined source that sent from the
   * same sender domain to the same recipient domains. Envelope senders are the sender's
   * choice, so a listed message going elsewhere (or a domain several sources used)
   * stays under its sender domain with an unknown origin rather than being pinned on
   * anyone.
   */
  private placeUnexamined(): void {
    // recipient domains of the examined messages only, before anything is added
    const examinedDomains = new Map<string, Set<string>>();
    for (const [key, acc] of this.sources) examinedDomains.set(key, new Set([...acc.recipientDomains.keys(), ...valuesOf(this.listedDomains.get(key) ?? new Set())]));
    for (const m of this.unexamined) {
      const d = domainOf(m.sender);
      const owners = this.senderDomainOwners.get(d);
      let acc: SourceAccumulator | undefined;
      if (owners !== undefined && sizeOf(owners) === 1) {
        const key = [...valuesOf(owners)][0]!;
        const seen = examinedDomains.get(key);
        if (seen && m.recipients.some((r) => seen.has(domainOf(r)))) acc = this.sources.get(key);
      }
      if (!acc) {
        const key = `unknown:sender-domain:${d || 'null-sender'}`;
        acc = this.sources.get(key);
        if (!acc) {
          acc = new SourceAccumulator(key, { kind: 'unknown', why: `not examined (only listed); sender domain ${d || '<>'}` });
          this.sources.set(key, acc);
        }
      }
      acc.add(m, directionOf(m, this.hosted));
    }
    this.unexamined.length = 0;
  }

  private toReport(acc: SourceAccumulator, users: UserDirectory): ReportSource {
    const o = acc.origin;
    const facts = factsOf(acc);
    const result =
      acc.key === BOUNCES
        ? // Postfix wrote these itself: returns of mail it could not deliver. Many of them
          // (backscatter to forged senders) point at a spam source elsewhere in the queue.
          { verdict: 'normal' as const, score: 0, rules: [], reasons: ['bounces this server generated for mail it could not deliver: not a sender, but many of them mean spam with forged senders went out'] }
        : judge(facts, { originKnown: o.kind !== 'unknown' });
    let reasons = [...result.reasons];
    if (acc.inbound > 0) {
      if (acc.judged === 0) reasons = reasons.filter((r) => r !== 'nothing unusual');
      const what = acc.judged === 0 ? 'inbound mail, not judged as a sender' : `not judged; the verdict reads the other ${acc.judged}`;
      reasons.push(`${acc.inbound} of ${acc.messages} messages came from outside for mailboxes hosted here: ${what}`);
    }
    if (acc.inferred > 0 && o.kind !== 'unknown') {
      reasons.push(`${acc.inferred} of ${acc.messages} messages were only listed, not examined, and are counted here because they share this source's sender domain`);
    }
    const user = o.kind === 'local' ? users.byUid(o.uid) : undefined;
    const kind: SourceKind = o.kind;
    const span = acc.firstSeen !== null && acc.lastSeen !== null ? acc.lastSeen - acc.firstSeen : 0;
    return {
      id: acc.key,
      kind,
      uid: o.kind === 'local' ? o.uid : null,
      user: user?.login ?? null,
      home: user?.home ?? null,
      saslUsername: o.kind === 'sasl' ? o.username : null,
      clientAddresses: topCounts(acc.clientAddresses, 20).map((c) => c.key),
      clientNames: topCounts(acc.clientNames, 20).map((c) => c.key),
      heloNames: topCounts(acc.heloNames, 20).map((c) => c.key),
      phpScripts: topCounts(acc.phpScripts, 20).map((c) => c.key),
      messages: acc.messages,
      outgoingMessages: acc.outgoing,
      inboundMessages: acc.inbound,
      perHour: perHourOf(acc.perHour()),
      examinedMessages: acc.examined,
      inferredMessages: acc.inferred,
      recipients: acc.recipients,
      ...(acc.forwardedRecipients > 0 ? { forwardedRecipients: acc.forwardedRecipients } : {}),
      uniqueRecipients: acc.uniqueRecipients.size,
      firstSeen: acc.firstSeen === null ? null : new Date(acc.firstSeen).toISOString(),
      lastSeen: acc.lastSeen === null ? null : new Date(acc.lastSeen).toISOString(),
      ratePerHour: acc.messages >= 2 && span >= 60_000 ? Math.round((acc.messages / (span / 3_600_000)) * 10) / 10 : null,
      recipientDomains: topCounts(acc.recipientDomains, 10).map((c) => ({ domain: c.key, count: c.count })),
      distinctRecipientDomains: acc.recipientDomains.size,
      freemailShare: Math.round(facts.freemailShare * 1000) / 1000,
      senders: topCounts(acc.senders, 10).map((c) => ({ address: c.key, count: c.count })),
      distinctSenders: acc.senders.size,
      senderFromMismatch: acc.fromMismatch,
      listUnsubscribe: acc.listUnsubscribe,
      verdict: result.verdict,
      score: result.score,
      reasons,
      rules: result.rules,
      deferrals: { ...acc.deferrals },
      deferralRules: acc.deferralRules().sort((a, b) => b.count - a.count || (a.label < b.label ? -1 : 1)),
      byQueue: { ...acc.byQueue },
      sampleQueueIds: [...acc.sampleQueueIds],
      sampleSubjects: [...acc.sampleSubjects],
      ...(o.kind === 'unknown' ? { originNote: o.why } : {}),
      ...(acc.smtpLoopback > 0 ? { smtpLoopback: { messages: acc.smtpLoopback, how: 'socket owner (policy service)' as const } } : {}),
      ...estimatesOf(acc),
    };
  }
}

/** Judged messages per hour of arrival, oldest first: exact counts for the UI's timeline. */
function perHourOf(hours: [number, number][]): { hour: string; count: number }[] {
  return hours.sort((a, b) => a[0] - b[0]).map(([h, count]) => ({ hour: new Date(h * 3_600_000).toISOString(), count }));
}

/** Names the counts that are estimates (only sources past the exact caps have any). */
function estimatesOf(acc: SourceAccumulator): { estimatedCounts?: string[] } {
  const names = acc.estimatedCounts();
  return names.length > 0 ? { estimatedCounts: names } : {};
}
