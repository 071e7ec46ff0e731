/**
 * Running totals for one source. Messages stream through one at a time, so a queue of
 * 100,000 never sits in memory as message objects: only counts, capped sets and maps of
 * addresses (capped-counts.ts: exact up to their caps, sketched past them) and a few
 * samples stay. Which counts can be estimates: `estimatedCounts()`.
 */
import type { DeferralClass, DeferralCount } from '../domain/report';
import type { Origin } from '../domain/origin';
import type { QueueName } from '../domain/queue';
import { classifyDeferral } from './classify-deferral';
import { isFreemail } from './rules/freemail-domains';
import { domainOf, type TraceMessage } from './trace-message';
import type { Direction } from './direction';

const HOUR_MS = 3_600_000;
import { CappedCounts, CappedDistinct, UNLIMITED, type ExactBudget } from './capped-counts';
import { detach, detachAll } from './detach';

const SAMPLE_IDS = 10;
const SAMPLE_SUBJECTS = 5;
/** distinct recipients counted exactly per source; past it, estimated */
export const EXACT_RECIPIENTS = 10_000;
/** distinct senders, domains, clients, HELOs, scripts kept with exact counts per source */
export const EXACT_KEYS = 2_000;
/**
 * Exact entries for all sources of one scan together (~100 bytes each): far above a queue's
 * few sources at their caps (3 x 22,000 at 100,000 messages), reached by a big mail log with
 * hundreds of sources; past it, new values go to each counter's sketch.
 */
export const EXACT_ENTRIES_PER_SCAN = 2_000_000;

export class SourceAccumulator {
  readonly key: string;
  readonly origin: Origin;
  /** every message counted here */
  messages = 0;
  /** messages the verdict reads: all but inbound ones */
  judged = 0;
  /** of those, with at least one recipient outside this server's domains */
  outgoing = 0;
  /** arrived from outside for hosted recipients: not judged */
  inbound = 0;
  /**
   * Judged messages per hour of arrival (hours since the epoch -> count): the exact
   * timeline, a few numbers per active hour (perHour()). The first hour in two fields, a Map
   * once a second one comes, and deferral rules in a Map made at the first deferral: a
   * source seen once (one per client in a botnet wave, tens of thousands) would carry two
   * Maps of ~180 bytes each for nothing (see FirstSeenExact in capped-counts.ts).
   */
  private hour0: number | null = null;
  private hour0Count = 0;
  private hours: Map<number, number> | null = null;
  examined = 0;
  inferred = 0;
  recipients = 0;
  readonly uniqueRecipients: CappedDistinct;
  readonly recipientDomains: CappedCounts;
  freemailRecipients = 0;
  readonly senders: CappedCounts;
  readonly senderDomains: CappedCounts;
  readonly clientAddresses: CappedCounts;
  readonly clientNames: CappedCounts;
  readonly heloNames: CappedCounts;
  readonly phpScripts: CappedCounts;
  fromCompared = 0;
  fromMismatch = 0;
  listUnsubscribe = 0;
  /** messages a local uid sent over SMTP to loopback (socket owner from the policy service) */
  smtpLoopback = 0;
  /** messages whose headers were read: the base of the header-based shares */
  headersRead = 0;
  firstSeen: number | null = null;
  lastSeen: number | null = null;
  readonly deferrals: Record<DeferralClass, number> = { blocklisted: 0, 'rate-limited': 0, 'unknown-user': 0, other: 0 };
  private rules: Map<string, DeferralCount> | null = null;
  deferredRecipients = 0;
  readonly byQueue: Partial<Record<QueueName, number>> = {};
  /** grown one exact-size copy at a time (at most 10 and 5): push() would reserve 16 slots each */
  sampleQueueIds: readonly string[] = [];
  sampleSubjects: readonly string[] = [];

  /** `budget`: exact entries shared with the scan's other sources (EXACT_ENTRIES_PER_SCAN) */
  constructor(key: string, origin: Origin, budget: ExactBudget = UNLIMITED) {
    this.key = detach(key);
    this.origin = detachAll(origin);
    this.uniqueRecipients = new CappedDistinct(EXACT_RECIPIENTS, budget);
    this.recipientDomains = new CappedCounts(EXACT_KEYS, budget);
    this.senders = new CappedCounts(EXACT_KEYS, budget);
    this.senderDomains = new CappedCounts(EXACT_KEYS, budget);
    this.clientAddresses = new CappedCounts(EXACT_KEYS, budget);
    this.clientNames = new CappedCounts(EXACT_KEYS, budget);
    this.heloNames = new CappedCounts(EXACT_KEYS, budget);
    this.phpScripts = new CappedCounts(EXACT_KEYS, budget);
  }

  add(m: TraceMessage, direction: Direction = 'outgoing'): void {
    this.messages += 1;
    if (m.examined) this.examined += 1;
    else this.inferred += 1;
    this.byQueue[m.queueName] = (this.byQueue[m.queueName] ?? 0) + 1;
    if (this.sampleQueueIds.length < SAMPLE_IDS) this.sampleQueueIds = [...this.sampleQueueIds, detach(m.queueId)];
    if (m.subject && this.sampleSubjects.length < SAMPLE_SUBJECTS && !this.sampleSubjects.includes(m.subject)) {
      this.sampleSubjects = [...this.sampleSubjects, detach(m.subject.slice(0, 200))];
    }
    if (m.arrivalTime) {
      const t = m.arrivalTime.getTime();
      this.firstSeen = this.firstSeen === null ? t : Math.min(this.firstSeen, t);
      this.lastSeen = this.lastSeen === null ? t : Math.max(this.lastSeen, t);
    }
    if (direction === 'inbound') {
      // a provider delivering to our mailboxes: counted, not judged as a sender
      this.inbound += 1;
      return;
    }
    this.judged += 1;
    if (direction === 'outgoing') this.outgoing += 1;
    if (m.arrivalTime) this.countHour(Math.floor(m.arrivalTime.getTime() / HOUR_MS));
    this.addRecipients(m.recipients);
    const sender = m.sender.toLowerCase();
    this.senders.add(sender);
    this.senderDomains.add(domainOf(sender));
    if (m.fromAddress && sender) {
      this.fromCompared += 1;
      if (!sameOrganisation(domainOf(sender), domainOf(m.fromAddress))) this.fromMismatch += 1;
    }
    if (m.headersRead ?? m.examined) this.headersRead += 1;
    if (m.listUnsubscribe) this.listUnsubscribe += 1;
    const o = m.origin;
    if (o.kind === 'sasl' || o.kind === 'smtp-client') {
      if (o.clientAddress) this.clientAddresses.add(o.clientAddress);
      if (o.clientName) this.clientNames.add(o.clientName);
      if (o.helo) this.heloNames.add(o.helo);
    }
    if (o.kind === 'local' && o.phpScript) this.phpScripts.add(o.phpScript.script);
    if (o.kind === 'local' && o.via === 'smtp-loopback') this.smtpLoopback += 1;
    for (const reason of m.delayReasons) this.addDeferral(reason);
  }

  private countHour(hour: number): void {
    if (this.hours) this.hours.set(hour, (this.hours.get(hour) ?? 0) + 1);
    else if (this.hour0 === null || this.hour0 === hour) {
      this.hour0 = hour;
      this.hour0Count += 1;
    } else {
      this.hours = new Map([
        [this.hour0, this.hour0Count],
        [hour, 1],
      ]);
    }
  }

  /** [hour since the epoch, judged messages] for each hour with any, in no set order */
  perHour(): [number, number][] {
    if (this.hours) return [...this.hours.entries()];
    return this.hour0 === null ? [] : [[this.hour0, this.hour0Count]];
  }

  /** each deferral rule met, with its count and first example, in first-met order */
  deferralRules(): DeferralCount[] {
    return this.rules ? [...this.rules.values()] : [];
  }

  /** Recipients of a message counted here (also: the listing's, when its postcat output had none). */
  addRecipients(recipients: readonly string[]): void {
    for (const r of recipients) {
      const addr = r.toLowerCase();
      this.recipients += 1;
      this.uniqueRecipients.add(addr);
      const d = domainOf(addr);
      this.recipientDomains.add(d);
      if (isFreemail(d)) this.freemailRecipients += 1;
    }
  }

  /** recipients of alias/.forward copies of messages counted here (the copies are not counted again) */
  forwardedRecipients = 0;

  addCopy(m: TraceMessage): void {
    this.forwardedRecipients += m.recipients.length;
  }

  /**
   * The report's counts that are estimates for this source (past the exact caps): their
   * relative error is about 1.6 % of the part past the cap (distinct-sketch.ts).
   */
  estimatedCounts(): string[] {
    const out: string[] = [];
    if (this.uniqueRecipients.estimated) out.push('uniqueRecipients');
    if (this.recipientDomains.estimated) out.push('distinctRecipientDomains', 'recipientDomains');
    if (this.senders.estimated) out.push('distinctSenders', 'senders');
    return out;
  }

  /** A delay reason for one recipient, when it is learnt after the message was added. */
  addDeferral(reason: string): void {
    const match = classifyDeferral(reason);
    this.deferredRecipients += 1;
    this.deferrals[match.class] += 1;
    const key = match.rule ?? `other:${match.class}`;
    const rules = (this.rules ??= new Map());
    const hit = rules.get(key);
    if (hit) hit.count += 1;
    else rules.set(key, { ...match, count: 1, example: detach(reason.slice(0, 300)) });
  }
}

/** shop.example.de and example.de are one sender; unrelated domains are not. */
function sameOrganisation(a: string, b: string): boolean {
  if (!a || !b) return true;
  return a === b || a.endsWith('.' + b) || b.endsWith('.' + a);
}

export function topCounts(map: { entries(): Iterable<[string, number]> }, n: number): { key: string; count: number }[] {
  return [...map.entries()]
    .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))
    .slice(0, n)
    .map(([key, count]) => ({ key, count }));
}
