/**
 * The mail log as it is written, turned into messages that are still young: per queue ID
 * the arrival (pickup uid or smtpd client and login), the sender and every delivery so
 * far. Unlike the scan's MessageTracker, which hands a message out minutes after Postfix
 * removed it, a live message is visible from its first line, so a run is judged while it
 * happens.
 *
 * The lines are read with the scan's own line parser (`parseMailLogLine`: timestamp,
 * syslog head, Postfix event) and the messages have the scan's MailLogMessage shape, so `traceMessageOfLog` and the
 * verdict rules see exactly what a scan would.
 *
 * Memory is bounded by age: a message is forgotten `maxAgeMs` after its last line.
 */
import { newMailLogMessage, type MailLogMessage, type SaslFailure } from '../domain/maillog';
import { parseMailLogLine, YearClock } from '../collect/maillog';
import { SkipTally } from '../collect/skip-tally';
import { originOfLog } from '../trace/maillog-message';
import { isLoopbackAddress, sourceKeyOf } from '../trace/origin';

const MAX_FIELD = 2000;
/** deliveries kept per live message; a 10,000-recipient message is judged on its first ones */
const MAX_DELIVERIES = 2000;

export interface LiveMessage {
  m: MailLogMessage;
  /** the source it counts under, once its arrival line was seen */
  source: string | null;
  /** wall-clock ms of the last line about it (eviction) */
  touched: number;
}

export interface LiveEvents {
  /** a message's arrival (its source became known) */
  arrived(msg: LiveMessage): void;
  /** a delivery line, a sender or size for a message that already arrived */
  changed(msg: LiveMessage): void;
  failure(f: SaslFailure): void;
}

export class LiveMessages {
  private readonly byId = new Map<string, LiveMessage>();
  private readonly clock = new YearClock();
  readonly skipped = new SkipTally();
  /** lines that were Postfix's and parsed */
  parsed = 0;

  constructor(
    private readonly events: LiveEvents,
    private readonly maxAgeMs = 30 * 60_000,
    /** this Postfix's syslog_name (postconf), so a renamed instance's lines are read too */
    private readonly syslogName: string | null = null,
    /**
     * the policy service's socket owners by queue ID: a loopback SMTP message then counts under
     * `uid:N`. Its arrival waits for the owner (recorded at end of data, after smtpd's client=
     * line) until qmgr's first line, which Postfix writes only after the policy answered.
     */
    private readonly ownerOf: ((queueId: string) => number | null) | null = null,
  ) {}

  get size(): number {
    return this.byId.size;
  }

  /** Call once per batch of lines with the current time: year-less lines take their year from it. */
  startBatch(now: Date): void {
    this.clock.startFile(now);
  }

  get(queueId: string): LiveMessage | undefined {
    return this.byId.get(queueId);
  }

  line(text: string, file: string, lineNo: number, nowMs: number): void {
    const p = parseMailLogLine(text, this.clock, this.syslogName);
    if (p.kind === 'ignore') return;
    if (p.kind === 'skip') {
      // other daemons share the file: not worth counting here
      if (p.reason !== 'from another program than Postfix') this.skipped.add('mail log line', p.reason);
      return;
    }
    const { event: e, time: date } = p;
    this.parsed += 1;
    if (e.kind === 'sasl-failure') {
      this.events.failure({ time: date, clientAddress: e.clientAddress, clientName: e.clientName || null, method: e.method, username: e.username, file, line: lineNo });
      return;
    }
    let lm = this.byId.get(e.queueId);
    const isArrival = e.kind === 'pickup' || e.kind === 'client';
    if (lm && isArrival && lm.source !== null) lm = undefined; // a reused queue ID: a new message
    if (!lm) {
      lm = { m: newMailLogMessage(e.queueId, date, file, lineNo), source: null, touched: nowMs };
      this.byId.set(e.queueId, lm);
    }
    lm.touched = nowMs;
    const m = lm.m;
    if (date > m.lastSeen) m.lastSeen = date;
    switch (e.kind) {
      case 'pickup':
        m.pickupUid = e.uid;
        m.sender ??= cap(e.sender);
        break;
      case 'client':
        m.clientName = cap(e.clientName);
        m.clientAddress = cap(e.clientAddress);
        m.saslMethod = e.saslMethod && cap(e.saslMethod);
        m.saslUsername = e.saslUsername && cap(e.saslUsername);
        break;
      case 'message-id':
        m.messageId = cap(e.messageId);
        break;
      case 'queue-active':
        m.sender = cap(e.sender);
        m.size = e.size;
        m.nrcpt = e.nrcpt;
        // a message Postfix made itself (bounce, local(8) copy) arrives with its first qmgr line
        if (lm.source === null) return void this.arrive(lm);
        break;
      case 'delivery':
        addDelivery(m, { time: date, recipient: cap(e.recipient), status: e.status, dsn: e.dsn, relay: e.relay, reason: e.reason && cap(e.reason) });
        this.linkForward(lm, e.status, e.reason);
        break;
      case 'helo':
        m.helo = cap(e.helo);
        break;
      case 'rejected':
      case 'removed':
        m.removed = true;
        break;
      case 'expired':
        break;
    }
    if (lm.source !== null) this.events.changed(lm);
    else if (isArrival || this.awaitsOwner(lm) !== null) {
      if (this.awaitsOwner(lm) !== true) this.arrive(lm);
    }
  }

  /** null: not a loopback SMTP message (or no policy service); true: its owner is not known yet. */
  private awaitsOwner(lm: LiveMessage): boolean | null {
    const m = lm.m;
    if (!this.ownerOf || !m.clientAddress || m.saslUsername || !isLoopbackAddress(m.clientAddress)) return null;
    return this.ownerOf(m.queueId) === null;
  }

  /** Forgets messages without a line for maxAgeMs; returns how many. */
  evict(nowMs: number): number {
    let n = 0;
    for (const [id, lm] of this.byId) {
      if (nowMs - lm.touched > this.maxAgeMs) {
        this.byId.delete(id);
        n += 1;
      }
    }
    return n;
  }

  private arrive(lm: LiveMessage): void {
    if (this.awaitsOwner(lm) === false) lm.m.socketUid = this.ownerOf!(lm.m.queueId);
    lm.source = sourceKeyOf(originOfLog(lm.m));
    this.events.arrived(lm);
  }

  /** local(8) re-sent it for an alias or .forward: the copy counts under the original's origin. */
  private linkForward(orig: LiveMessage, status: string, reason: string | null): void {
    if (status !== 'sent' || !reason) return;
    const fwd = /^forwarded as ([0-9A-Za-z]{6,30})$/.exec(reason);
    const copy = fwd ? this.byId.get(fwd[1]!) : undefined;
    if (!copy || copy === orig) return;
    const c = copy.m;
    c.resentFrom = { queueId: orig.m.queueId, via: 'forward' };
    c.pickupUid = orig.m.pickupUid;
    c.clientName = orig.m.clientName;
    c.clientAddress = orig.m.clientAddress;
    c.saslMethod = orig.m.saslMethod;
    c.saslUsername = orig.m.saslUsername;
    c.socketUid = orig.m.socketUid ?? null;
    const before = copy.source;
    copy.source = sourceKeyOf(originOfLog(c));
    if (before !== copy.source) this.events.arrived(copy);
  }
}

/** A retried deferral replaces the recipient's earlier one, as the scan's tracker does. */
function addDelivery(m: MailLogMessage, d: MailLogMessage['deliveries'][number]): void {
  const list = m.deliveries;
  for (let i = list.length - 1; i >= 0; i--) {
    if (list[i]!.recipient === d.recipient) {
      if (list[i]!.status === 'deferred') {
        list[i] = d;
        return;
      }
      break;
    }
  }
  if (list.length < MAX_DELIVERIES) list.push(d);
}

function cap(s: string): string {
  return s.length > MAX_FIELD ? s.slice(0, MAX_FIELD) : s;
}
