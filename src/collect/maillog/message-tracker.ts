/**
 * Joins the lines of each queue ID into one MailLogMessage while the log streams by.
 *
 * Memory stays bounded by the messages that are still open, not by the log: a message is
 * handed out shortly after Postfix logged `removed` (a few minutes of log time later, so a
 * copy's link to it can still be made: local(8)'s "forwarded as ID" and a content filter's
 * "queued as ID" are logged after the copy's own first lines), and one outside the time
 * window is dropped right there. A recipient's repeated deferrals keep only the latest, so
 * a message retried for five days does not grow by a line an hour.
 *
 * Queue IDs are reused (a short ID is the inode plus the microsecond): after `removed` the
 * next line with the same ID starts a new message, and a second arrival line (pickup or
 * smtpd client) for a message that already has one does too.
 */
import { newMailLogMessage, type MailLogDelivery, type MailLogMessage } from '../../domain/maillog';
import type { SkipTally } from '../skip-tally';
import type { PostfixEvent } from './postfix-events';

/** How long (log time) a removed message waits for a copy's link before it is handed out. */
const LINGER_MS = 5 * 60 * 1000;
/** Deliveries kept per message; a 10,000-recipient message is rare and its rest is counted. */
export const MAX_DELIVERIES = 5000;
/** Longest text kept from an untrusted field (address, reason, message-id, login name). */
const MAX_FIELD = 2000;
const INTERN_LIMIT = 20_000;

export interface TrackerOptions {
  since?: Date | undefined;
  until?: Date | undefined;
  skipped: SkipTally;
  /** called with each finished message that arrived inside the window */
  emit(m: MailLogMessage): void;
}

interface Open {
  m: MailLogMessage;
  /** a pickup, smtpd client or cleanup line was seen: we know when and how it arrived */
  arrived: boolean;
  /** earliest arrival the delivery lines' delay= imply, for messages whose start is not in the log */
  impliedArrival: number;
  /** handed to a content filter that re-injected it as another queue ID: counted as that copy */
  handedOver: boolean;
  removedAt: number;
}

export class MessageTracker {
  private readonly open = new Map<string, Open>();
  /** removed, waiting LINGER_MS of log time for links */
  private readonly lingering = new Map<string, Open>();
  /**
   * The same, in removal order. A Map iterated from its front after many deletes walks
   * over their holes every time, so the order is kept in an array with a moving head.
   */
  private lingerQueue: Open[] = [];
  private lingerHead = 0;
  private readonly interned = new Map<string, string>();

  constructor(private readonly options: TrackerOptions) {}

  /** open plus lingering messages: what the tracker holds right now */
  get size(): number {
    return this.open.size + this.lingering.size;
  }

  /** `service`: the Postfix program that wrote the line (smtp, local, virtual, lmtp, pipe, ...) */
  add(e: PostfixEvent, time: Date, file: string, line: number, service: string | null = null): void {
    if (!('queueId' in e)) return;
    const t = time.getTime();
    this.flushLingering(t);
    const isArrival = e.kind === 'pickup' || e.kind === 'client' || e.kind === 'message-id';
    let o = this.open.get(e.queueId);
    if (o && isArrival && e.kind !== 'message-id' && (o.m.pickupUid !== null || o.m.clientAddress !== null)) {
      this.finish(o); // the ID was reused and the old message's "removed" is not in the log
      o = undefined;
    }
    if (!o) {
      o = this.start(e.queueId, time, file, line);
      this.open.set(e.queueId, o);
    }
    const m = o.m;
    if (t < m.firstSeen.getTime()) m.firstSeen = time;
    if (t > m.lastSeen.getTime()) m.lastSeen = time;
    if (isArrival) o.arrived = true;
    switch (e.kind) {
      case 'pickup':
        m.pickupUid = e.uid;
        m.sender ??= this.field(e.sender);
        break;
      case 'client':
        m.clientName = this.field(e.clientName);
        m.clientAddress = this.field(e.clientAddress);
        m.saslMethod = e.saslMethod === null ? null : this.field(e.saslMethod);
        m.saslUsername = e.saslUsername === null ? null : this.field(e.saslUsername);
        if (e.origQueueId) this.linkCopy(e.origQueueId, o, 'content-filter');
        break;
      case 'message-id':
        m.messageId = this.field(e.messageId);
        break;
      case 'queue-active':
        m.sender = this.field(e.sender);
        m.size = e.size;
        m.nrcpt = e.nrcpt;
        break;
      case 'delivery':
        this.addDelivery(o, time, e, service);
        break;
      case 'expired':
        m.sender ??= this.field(e.sender);
        this.expire(o, time, e.reason);
        break;
      case 'helo':
        m.helo = this.field(e.helo);
        break;
      case 'rejected':
        if (e.helo !== null) m.helo = this.field(e.helo);
        this.remove(o, t);
        break;
      case 'removed':
        this.remove(o, t);
        break;
    }
  }

  /** End of the log: every message still open or lingering is handed out. */
  end(): void {
    for (const o of this.lingering.values()) this.finish(o);
    this.lingering.clear();
    this.lingerQueue = [];
    this.lingerHead = 0;
    for (const o of this.open.values()) this.finish(o);
    this.open.clear();
  }

  private start(queueId: string, time: Date, file: string, line: number): Open {
    return {
      m: newMailLogMessage(queueId, time, file, line),
      arrived: false,
      impliedArrival: Infinity,
      handedOver: false,
      removedAt: 0,
    };
  }

  private addDelivery(o: Open, time: Date, e: Extract<PostfixEvent, { kind: 'delivery' }>, service: string | null): void {
    const d: MailLogDelivery = {
      time,
      agent: service === null ? null : this.intern(service),
      recipient: this.field(e.recipient),
      status: this.intern(e.status),
      dsn: e.dsn === null ? null : this.intern(e.dsn),
      relay: e.relay === null ? null : this.intern(e.relay),
      reason: e.reason === null ? null : this.intern(e.reason.slice(0, MAX_FIELD)),
    };
    if (Number.isFinite(e.delay)) o.impliedArrival = Math.min(o.impliedArrival, time.getTime() - e.delay * 1000);
    const list = o.m.deliveries;
    if (d.status === 'deferred') {
      // a retry of a recipient that is still deferred replaces the older attempt
      for (let i = list.length - 1; i >= 0; i--) {
        const prev = list[i]!;
        if (prev.recipient === d.recipient) {
          if (prev.status === 'deferred') {
            list[i] = d;
            return;
          }
          break;
        }
      }
    }
    if (list.length >= MAX_DELIVERIES) {
      this.options.skipped.add('mail log delivery', `beyond ${MAX_DELIVERIES} per message: not kept`);
      return;
    }
    list.push(d);
    this.linkForward(o, e);
  }

  /** qmgr gave up: every recipient still deferred has expired (and was returned to sender). */
  private expire(o: Open, time: Date, reason: string): void {
    const last = new Map<string, MailLogDelivery>();
    for (const d of o.m.deliveries) last.set(d.recipient, d);
    for (const d of last.values()) {
      if (d.status === 'deferred' && o.m.deliveries.length < MAX_DELIVERIES) {
        o.m.deliveries.push({ time, agent: d.agent, recipient: d.recipient, status: 'expired', dsn: d.dsn, relay: null, reason: this.intern(reason) });
      }
    }
  }

  /**
   * local(8): `status=sent (forwarded as NEWID)`: an alias or .forward re-sent the
   * message as a new queue file. A content filter on loopback (amavis, ...) answers
   * `250 ... queued as NEWID` and Postfix's own smtpd queued that copy.
   */
  private linkForward(o: Open, e: Extract<PostfixEvent, { kind: 'delivery' }>): void {
    if (e.status !== 'sent' || e.reason === null) return;
    const fwd = /^forwarded as ([0-9A-Za-z]{6,30})$/.exec(e.reason);
    if (fwd) {
      this.linkCopyTo(o, fwd[1]!, 'forward');
      return;
    }
    const queued = /queued as ([0-9A-Za-z]{6,30})\)?$/.exec(e.reason);
    if (queued && e.relay !== null && isLoopbackRelay(e.relay)) {
      const copy = this.open.get(queued[1]!) ?? this.lingering.get(queued[1]!);
      // only a copy that came in from loopback without a login is the filter's re-injection
      if (copy && copy.m.saslUsername === null && copy.m.clientAddress !== null && isLoopback(copy.m.clientAddress)) {
        this.linkCopyTo(o, queued[1]!, 'content-filter');
      }
    }
  }

  private linkCopyTo(original: Open, copyId: string, via: 'forward' | 'content-filter'): void {
    const copy = this.open.get(copyId) ?? this.lingering.get(copyId);
    if (copy && copy !== original) this.inherit(original, copy, via);
  }

  private linkCopy(originalId: string, copy: Open, via: 'forward' | 'content-filter'): void {
    const original = this.open.get(originalId) ?? this.lingering.get(originalId);
    if (original && original !== copy) this.inherit(original, copy, via);
  }

  /**
   * The copy is counted under the original's origin (for a chain of copies the original's
   * fields already hold the first one's); a filtered original is then not counted itself.
   */
  private inherit(original: Open, copy: Open, via: 'forward' | 'content-filter'): void {
    const c = copy.m;
    const src = original.m;
    c.resentFrom = { queueId: src.queueId, via };
    c.pickupUid = src.pickupUid;
    c.clientName = src.clientName;
    c.clientAddress = src.clientAddress;
    c.saslMethod = src.saslMethod;
    c.saslUsername = src.saslUsername;
    c.helo = src.helo ?? c.helo;
    if (via === 'content-filter') original.handedOver = true;
  }

  private remove(o: Open, t: number): void {
    o.m.removed = true;
    o.removedAt = t;
    this.open.delete(o.m.queueId);
    const earlier = this.lingering.get(o.m.queueId);
    if (earlier) {
      this.lingering.delete(o.m.queueId);
      this.finish(earlier);
    }
    this.lingering.set(o.m.queueId, o);
    this.lingerQueue.push(o);
  }

  private flushLingering(now: number): void {
    const q = this.lingerQueue;
    while (this.lingerHead < q.length && now - q[this.lingerHead]!.removedAt >= LINGER_MS) {
      const o = q[this.lingerHead++]!;
      // an entry already handed out (its ID was removed again) is skipped
      if (this.lingering.get(o.m.queueId) === o) {
        this.lingering.delete(o.m.queueId);
        this.finish(o);
      }
    }
    if (this.lingerHead > 4096 && this.lingerHead * 2 > q.length) {
      this.lingerQueue = q.slice(this.lingerHead);
      this.lingerHead = 0;
    }
  }

  private finish(o: Open): void {
    if (o.handedOver) {
      this.options.skipped.add('mail log message', 'passed through a content filter: counted once, as the copy it re-injected');
      return;
    }
    if (!o.arrived && o.m.deliveries.length === 0 && o.m.sender === null) {
      // e.g. only "removed" at the top of the oldest file: nothing to count it by
      this.options.skipped.add('mail log message', 'only its last lines are in the log (it arrived before the oldest line read)');
      return;
    }
    const arrival = o.arrived ? o.m.firstSeen.getTime() : Math.min(o.m.firstSeen.getTime(), o.impliedArrival);
    const { since, until } = this.options;
    if (since && arrival < since.getTime()) return;
    if (until && arrival > until.getTime()) return;
    this.options.emit(o.m);
  }

  /** A flat copy of untrusted text, capped: a slice would keep its whole log line alive. */
  private field(s: string): string {
    return flat(s.length > MAX_FIELD ? s.slice(0, MAX_FIELD) : s);
  }

  /** Reasons, relays and statuses repeat across thousands of messages: keep one copy each. */
  private intern(s: string): string {
    const hit = this.interned.get(s);
    if (hit !== undefined) return hit;
    const own = flat(s);
    if (this.interned.size < INTERN_LIMIT) this.interned.set(own, own);
    return own;
  }
}

function flat(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, 'utf8').toString('utf8'); // V8 slices at >= 13 chars
}

function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1' || address.toLowerCase() === 'ipv6:::1';
}

/** `127.0.0.1[127.0.0.1]:10024`, `localhost[::1]:10024` */
function isLoopbackRelay(relay: string): boolean {
  const m = /\[([^\]]*)\]/.exec(relay);
  return m !== null && isLoopback(m[1]!);
}
