/**
 * Reads `postcat` output back into messages. postcat (postcat/postcat.c) prints, per
 * queue file:
 *
 *   *** ENVELOPE RECORDS deferred/A/AB2C4561DA6 ***      (path = queue/hash/ID with -q)
 *   message_size:             744             185               1               0             744
 *   message_arrival_time: Fri Feb 21 09:02:09 2014       (asctime, the host's local time)
 *   named_attribute: rewrite_context=local
 *   sender: x@y                                            recipient: / done_recipient: ...
 *   *** MESSAGE CONTENTS deferred/A/AB2C4561DA6 ***
 *   Received: by host (Postfix, from userid 4079)          headers, folded as sent
 *   <blank line and body: only without -h, i.e. plain `postcat -q ID`>
 *   *** HEADER EXTRACTED deferred/A/AB2C4561DA6 ***        extracted envelope records
 *   *** MESSAGE FILE END deferred/A/AB2C4561DA6 ***
 *
 * and the next file follows directly. With `-e -h`, postcat stops printing at the first
 * non-header line, so no body ever reaches us; with plain `postcat -q` the body does,
 * and the body is the attacker's text: a body line "*** ENVELOPE RECORDS ..." must not
 * start a fake message with fake attributes. So inside a body only the end markers of
 * *the same path* count, and a new section is honoured there only for an ID the caller
 * told us to expect (the batch passes the IDs it asked for).
 *
 * Nothing here throws on bad input: cut lines, junk, a message cut off mid-way are
 * counted (per message in `damaged`, overall in the tally). Memory per message is
 * bounded: header count and length, attribute count, recipient count and length.
 */
import type { EnvelopeRecipient, HeaderField, QueueId, QueueName, QueuedMessage } from '../../domain/queue';
import type { Line } from '../../host/host';
import type { SkipTally } from '../skip-tally';
import { parseQueueId } from './queue-id';
import { stripControlChars } from './rfc2047';
import { UNREAD_HEADER, type ReadSelection } from './read-selection';

export interface PostcatParserOptions {
  skipped: SkipTally;
  /** headers kept per message (default 100); the rest are counted */
  maxHeaders?: number;
  /** characters kept per header value (default 2,000) */
  maxHeaderValueChars?: number;
  /** recipients kept per message (default 10,000) */
  maxRecipients?: number;
  /** the IDs asked for: only these may start a message inside a body (see above) */
  expectedIds?: ReadonlySet<string>;
  /** the host's UTC offset in minutes for asctime() dates; default: local time here */
  utcOffsetMinutes?: number;
  /** only these attributes and header values are kept (read-selection.ts); default: all */
  reads?: ReadSelection;
}

const WHAT = 'postcat output';
const MAX_ATTRIBUTES = 200;
const MAX_VALUE = 2_000;
/** RFC 5321 caps a path at 256 octets; twice that is generous. */
const MAX_ADDRESS = 512;

const MARKER = /^\*\*\* (ENVELOPE RECORDS|MESSAGE CONTENTS|HEADER EXTRACTED|MESSAGE FILE END) (.{1,4096}) \*\*\*$/;
const RECORD = /^([a-z_]{1,40}): ?(.*)$/s;
/** Postfix is_header(): printable ASCII but ':' for the name, optional blanks, ':'. */
const HEADER = /^([!-9;-~]{1,200})[ \t]*:[ \t]*(.*)$/s;
const ASCTIME = /^(?:Sun|Mon|Tue|Wed|Thu|Fri|Sat) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) {1,2}(\d{1,2}) (\d\d):(\d\d):(\d\d) (\d{4})$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const QUEUES: ReadonlySet<string> = new Set(['maildrop', 'incoming', 'active', 'deferred', 'hold', 'corrupt']);

/**
 * Attributes that say where a message came from. A second, different value for one of
 * them is not something Postfix writes: it is a damaged file or text smuggled into a
 * record (a newline inside an address), so the message is marked damaged.
 */
const ORIGIN_ATTRIBUTES: ReadonlySet<string> = new Set([
  'rewrite_context', 'sasl_method', 'sasl_username', 'sasl_sender', 'client_address', 'client_name',
  'reverse_client_name', 'client_port', 'helo_name', 'protocol_name', 'log_client_address',
  'log_client_name', 'log_client_port', 'log_helo_name', 'log_protocol_name', 'log_message_origin',
]);

type State = 'outside' | 'skipping' | 'envelope' | 'headers' | 'body' | 'extracted';

interface Building {
  path: string;
  msg: QueuedMessage;
  header: HeaderField | null;
  headerCut: boolean;
  /** the current header is not kept (beyond maxHeaders, or unread): its continuation lines go too */
  dropping: boolean;
  originalRecipient: string | undefined;
  senderSeen: boolean;
  attributeCount: number;
}

/** Splits "deferred/A/AB2C4561DA6" (or a plain file name) into queue and ID. */
export function parseSectionPath(path: string): { queueName: QueueName; queueId: QueueId } | null {
  const parts = path.split('/');
  const queueId = parseQueueId(parts[parts.length - 1] ?? '');
  if (!queueId) return null;
  // "deferred/A/ID", "active/ID", or a saved file's own path: the nearest queue name
  // above the file wins; "saved" and plain file names give 'unknown'.
  for (let i = parts.length - 2; i >= 0; i--) {
    if (QUEUES.has(parts[i]!)) return { queueId, queueName: parts[i] as QueueName };
  }
  return { queueId, queueName: 'unknown' };
}

/** "Fri Feb 21 09:02:09 2014" as postcat's asctime(localtime()) printed it. */
export function parseAsctime(text: string, utcOffsetMinutes?: number): Date | null {
  const m = ASCTIME.exec(text.trim());
  if (!m) return null;
  const mon = MONTHS.indexOf(m[1]!);
  const [day, hh, mm, ss, year] = [m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number];
  const d =
    utcOffsetMinutes === undefined
      ? new Date(year, mon, day, hh, mm, ss)
      : new Date(Date.UTC(year, mon, day, hh, mm, ss) - utcOffsetMinutes * 60_000);
  return Number.isNaN(d.getTime()) ? null : d;
}

export class PostcatParser {
  private state: State = 'outside';
  private cur: Building | null = null;
  /**
   * Reverts what the last line did. When the output stops inside a message, its last
   * line is probably incomplete ("sasl_username=kontakt@kanz"): a cut value must not
   * become evidence, so end() takes it back.
   */
  private undo: (() => void) | null = null;
  /** false while records come from a queue file: a record is whole or absent, nothing to take back */
  private recordUndo = true;
  /** the value being read is printable ASCII (the queue-file reader checked its bytes) */
  private plain = false;
  private readonly maxHeaders: number;
  private readonly maxValue: number;
  private readonly maxRecipients: number;
  private readonly reads: ReadSelection | undefined;

  constructor(private readonly options: PostcatParserOptions) {
    this.reads = options.reads;
    this.maxHeaders = options.maxHeaders ?? 100;
    this.maxValue = options.maxHeaderValueChars ?? MAX_VALUE;
    this.maxRecipients = options.maxRecipients ?? 10_000;
  }

  /** The ID whose section is being read, when postcat dies mid-way. */
  get inProgress(): QueueId | null {
    return this.cur ? this.cur.msg.queueId : null;
  }

  private count(reason: string, n = 1): void {
    this.options.skipped.add(WHAT, reason, n);
  }

  /** Counts a problem against the message being read (and the tally). */
  private damage(reason: string, n = 1): void {
    if (this.cur) this.cur.msg.damaged += n;
    this.count(reason, n);
  }

  private clean(text: string, limit: number): string {
    // a queue file's value the reader found to be printable ASCII: nothing to strip
    if (this.plain) return text.length > limit ? text.slice(0, limit) : text;
    const c = stripControlChars(text.length > limit * 2 ? text.slice(0, limit * 2) : text);
    if (c.removed > 0) this.count('control characters removed from a value', 1);
    return c.text.length > limit ? c.text.slice(0, limit) : c.text;
  }

  push(line: Line | string): QueuedMessage | null {
    this.recordUndo = true;
    this.plain = false;
    const l = typeof line === 'string' ? { text: line, cut: false } : line;
    // Most lines are records or headers: only a line starting "***" can be a marker.
    const marker = l.cut || l.text.charCodeAt(0) !== 42 ? null : MARKER.exec(l.text);
    this.undo = null;
    if (marker) return this.onMarker(marker[1]!, marker[2]!);
    switch (this.state) {
      case 'outside':
        if (l.text.trim() !== '') this.count('line outside any message');
        return null;
      case 'skipping':
      case 'body':
        return null; // body lines are never stored; a skipped section was counted once
      case 'envelope':
      case 'extracted':
        this.onRecord(l.text, l.cut);
        return null;
      case 'headers':
        this.onHeaderLine(l.text, l.cut);
        return null;
    }
  }

  /** Call at the end of the output: a message still open was cut off. */
  end(): QueuedMessage | null {
    if (this.cur && this.undo) {
      this.undo();
      this.damage('last line of a cut-off output dropped (probably incomplete)');
    }
    this.undo = null;
    return this.closeTruncated();
  }

  private closeTruncated(): QueuedMessage | null {
    const b = this.cur;
    this.state = 'outside';
    if (!b) return null;
    this.flushHeader();
    this.damage('message cut off before MESSAGE FILE END (output truncated or postcat died)');
    this.cur = null;
    return b.msg;
  }

  private onMarker(kind: string, path: string): QueuedMessage | null {
    const same = this.cur !== null && this.cur.path === path;
    if (kind === 'ENVELOPE RECORDS') {
      if (this.state === 'body') {
        const id = parseSectionPath(path)?.queueId;
        if (!id || !this.options.expectedIds?.has(id) || same) {
          this.count('section marker inside a message body ignored');
          return null;
        }
      }
      const previous = this.state === 'skipping' ? null : this.closeTruncated();
      this.start(path);
      return previous;
    }
    if (this.state === 'skipping') return null;
    if (!same) {
      if (this.state === 'body') this.count('section marker inside a message body ignored');
      else this.damage(`${kind} marker for another message`);
      return null;
    }
    if (kind === 'MESSAGE CONTENTS' && this.state === 'envelope') {
      this.state = 'headers';
      return null;
    }
    if (kind === 'HEADER EXTRACTED' && (this.state === 'headers' || this.state === 'body')) {
      this.flushHeader();
      this.state = 'extracted';
      return null;
    }
    if (kind === 'MESSAGE FILE END' && (this.state === 'extracted' || this.state === 'envelope')) {
      const done = this.cur!.msg;
      this.cur = null;
      this.state = 'outside';
      return done;
    }
    this.damage(`${kind} marker out of order`);
    return null;
  }

  private start(path: string, knownId?: QueueId): void {
    const parsed = parseSectionPath(path);
    // the caller's own string for the ID when it is the same: one string per queued
    // message, not two (the index keeps it to the end of the scan)
    const where = parsed && knownId === parsed.queueId ? { ...parsed, queueId: knownId } : parsed;
    if (!where) {
      this.count('section for a name that is not a queue ID skipped');
      this.state = 'skipping';
      this.cur = null;
      return;
    }
    this.cur = {
      path,
      msg: {
        queueId: where.queueId,
        queueName: where.queueName,
        arrivalTime: null,
        messageSize: null,
        sender: '',
        recipients: [],
        attributes: {},
        headers: [],
        damaged: 0,
      },
      header: null,
      headerCut: false,
      dropping: false,
      originalRecipient: undefined,
      senderSeen: false,
      attributeCount: 0,
    };
    this.state = 'envelope';
  }

  // ---- records handed over directly (queue-file-reader.ts reads the queue file itself) ----
  // The same state machine and the same limits as postcat's printed lines, so both ways
  // in give equal messages; there is no cut-off last line to take back (no undo).

  /** A queue file begins; `path` as `postcat -q` names it ("deferred/A/ID"). */
  beginFile(path: string, queueId?: QueueId): void {
    this.undo = null;
    this.recordUndo = false;
    this.closeTruncated();
    this.start(path, queueId);
  }

  /** An envelope or extracted record by its postcat name ("sender", "recipient", ...). */
  fileRecord(name: string, value: string, cut: boolean, plain = false): void {
    this.undo = null;
    if (this.state !== 'envelope' && this.state !== 'extracted') return;
    this.plain = plain;
    this.onEnvelopeRecord(name, value, cut);
    this.plain = false;
  }

  /** REC_TYPE_TIME read as seconds: no asctime() round trip through the local zone. */
  fileArrival(time: Date | null): void {
    this.undo = null;
    if (this.state !== 'envelope' && this.state !== 'extracted') return;
    if (time && !Number.isNaN(time.getTime())) this.cur!.msg.arrivalTime = time;
    else this.damage('unreadable message_arrival_time');
  }

  /** One header-section line (REC_TYPE_CONT pieces joined). False once the body began: skip it. */
  fileTextLine(text: string, cut: boolean, plain = false): boolean {
    this.undo = null;
    this.plain = plain;
    if (this.state === 'headers') this.onHeaderLine(text, cut);
    this.plain = false;
    return this.state === 'headers';
  }

  /**
   * A header line whose name the reader found outside the selection (`reads`): it keeps its
   * place, its value and folded lines are not decoded. False once the body began.
   */
  fileUnreadHeader(): boolean {
    this.undo = null;
    if (this.state === 'headers') this.addUnreadHeader();
    return this.state === 'headers';
  }

  /** REC_TYPE_MESG, REC_TYPE_XTRA, REC_TYPE_END; returns the message at its end. */
  fileMarker(kind: 'MESSAGE CONTENTS' | 'HEADER EXTRACTED' | 'MESSAGE FILE END'): QueuedMessage | null {
    this.undo = null;
    if (!this.cur) return null;
    return this.onMarker(kind, this.cur.path);
  }

  /** The file could not be read to its end: the message read so far, marked damaged. */
  fileCutOff(): QueuedMessage | null {
    this.undo = null;
    return this.closeTruncated();
  }

  private onRecord(text: string, cut: boolean): void {
    // named_attribute lines are most of the envelope: take them without the regex.
    if (text.startsWith('named_attribute: ')) {
      this.onEnvelopeRecord('named_attribute', text.slice(17), cut);
      return;
    }
    if (cut) this.damage('envelope record longer than the line limit, cut');
    const m = RECORD.exec(text);
    if (!m) {
      if (text.trim() !== '') this.damage('unreadable envelope line');
      return;
    }
    const [, name, value] = m as unknown as [string, string, string];
    this.onNamedRecord(name, value);
  }

  /**
   * One envelope record, printed or from the file. A cut attribute is damage only when it is
   * read: an unread one (read-selection.ts) is not checked, whichever way it came in.
   */
  private onEnvelopeRecord(name: string, value: string, cut: boolean): void {
    if (name !== 'named_attribute') {
      if (cut) this.damage('envelope record longer than the line limit, cut');
      this.onNamedRecord(name, value);
      return;
    }
    const eq = value.indexOf('=');
    if (cut && !(this.reads && eq > 0 && !this.reads.attributes.has(this.clean(value.slice(0, eq), 100)))) {
      this.damage('envelope record longer than the line limit, cut');
    }
    this.onAttribute(value);
  }

  private onNamedRecord(name: string, value: string): void {
    const b = this.cur!;
    switch (name) {
      case 'message_size': {
        const n = /^\s*(\d{1,15})/.exec(value);
        const before = b.msg.messageSize;
        if (this.recordUndo) this.undo = () => (b.msg.messageSize = before);
        if (n) b.msg.messageSize = Number(n[1]);
        else this.damage('unreadable message_size');
        return;
      }
      case 'message_arrival_time': {
        const d = parseAsctime(value, this.options.utcOffsetMinutes);
        const before = b.msg.arrivalTime;
        if (this.recordUndo) this.undo = () => (b.msg.arrivalTime = before);
        if (d) b.msg.arrivalTime = d;
        else this.damage('unreadable message_arrival_time');
        return;
      }
      case 'sender': {
        const s = this.clean(value, MAX_ADDRESS);
        if (b.senderSeen) {
          if (s !== b.msg.sender) this.damage('a second, different sender record');
          return;
        }
        b.senderSeen = true;
        b.msg.sender = s;
        if (this.recordUndo) this.undo = () => {
          b.senderSeen = false;
          b.msg.sender = '';
        };
        return;
      }
      case 'original_recipient':
        b.originalRecipient = this.clean(value, MAX_ADDRESS);
        if (this.recordUndo) this.undo = () => (b.originalRecipient = undefined);
        return;
      case 'recipient':
      case 'done_recipient': {
        const original = b.originalRecipient;
        b.originalRecipient = undefined;
        if (b.msg.recipients.length >= this.maxRecipients) {
          this.damage(`recipient beyond ${this.maxRecipients} per message not kept`);
          return;
        }
        const address = this.clean(value, MAX_ADDRESS);
        const r: EnvelopeRecipient = { address, done: name === 'done_recipient' };
        if (original !== undefined && original !== address) r.original = original;
        b.msg.recipients.push(r);
        if (this.recordUndo) this.undo = () => b.msg.recipients.pop();
        return;
      }
      case 'named_attribute':
        this.onAttribute(value);
        return;
      default:
        return; // create_time, sender_fullname, warning_message_time, dsn_*, ...: not needed
    }
  }

  private onAttribute(value: string): void {
    const b = this.cur!;
    const eq = value.indexOf('=');
    if (eq <= 0) {
      this.damage('named_attribute without name=value');
      return;
    }
    const name = this.clean(value.slice(0, eq), 100);
    if (this.reads && !this.reads.attributes.has(name)) return;
    const v = this.clean(value.slice(eq + 1), MAX_VALUE);
    const attrs = b.msg.attributes;
    const known = Object.prototype.hasOwnProperty.call(attrs, name);
    if (!known && b.attributeCount >= MAX_ATTRIBUTES) {
      this.damage(`named_attribute beyond ${MAX_ATTRIBUTES} per message not kept`);
      return;
    }
    if (known && ORIGIN_ATTRIBUTES.has(name) && attrs[name] !== v) {
      this.damage(`conflicting values for named_attribute ${name}`);
    }
    if (!known) b.attributeCount += 1;
    const before = known ? attrs[name] : undefined;
    if (this.recordUndo) this.undo = () => {
      if (before === undefined) {
        delete attrs[name];
        b.attributeCount -= 1;
      } else Object.defineProperty(attrs, name, { value: before, enumerable: true, writable: true, configurable: true });
    };
    // A plain object keyed by attacker text: "__proto__" is defined, never assigned, so it
    // stays data. Every other name assigns safely (Object.prototype has no other setter),
    // and plain assignment is several times faster: this is the parser's hottest line.
    if (name === '__proto__') Object.defineProperty(attrs, name, { value: v, enumerable: true, writable: true, configurable: true });
    else attrs[name] = v;
  }

  private onHeaderLine(text: string, cut: boolean): void {
    const b = this.cur!;
    if (/^[ \t]/.test(text)) {
      if (b.dropping) return;
      if (!b.header) {
        this.damage('header continuation without a header');
        return;
      }
      this.appendHeader(text, cut);
      return;
    }
    const m = HEADER.exec(text);
    if (!m) {
      // The first non-header line starts the body (plain postcat prints it, -h does not).
      this.flushHeader();
      this.state = 'body';
      return;
    }
    const name = m[1]!.toLowerCase();
    if (this.reads && !this.reads.headerValues.has(name)) {
      this.addUnreadHeader();
      return;
    }
    this.flushHeader();
    if (this.headersFull()) return;
    b.header = { name, value: '' };
    b.headerCut = false;
    b.dropping = false;
    this.appendHeader(m[2]!, cut);
    if (this.recordUndo) this.undo = () => (b.header = null);
  }

  /** At maxHeaders: the header (and its folded lines) is counted and dropped. */
  private headersFull(): boolean {
    const b = this.cur!;
    if (b.msg.headers.length < this.maxHeaders) return false;
    this.damage(`header beyond ${this.maxHeaders} per message not kept`);
    b.header = null;
    b.dropping = true;
    return true;
  }

  /** A header outside the selection: its place kept, its value and folded lines skipped. */
  private addUnreadHeader(): void {
    const b = this.cur!;
    this.flushHeader();
    if (this.headersFull()) return;
    b.msg.headers.push(UNREAD_HEADER);
    b.header = null;
    b.dropping = true;
    if (this.recordUndo) this.undo = () => b.msg.headers.pop();
  }

  /** Unfolds by concatenation (RFC 5322 2.2.3: only the line break goes). */
  private appendHeader(part: string, cut: boolean): void {
    const b = this.cur!;
    const h = b.header;
    if (!h) return;
    if (cut && !b.headerCut) {
      b.headerCut = true;
      this.damage('header line longer than the line limit, cut');
    }
    const room = this.maxValue - h.value.length;
    if (room <= 0) return;
    const before = h.value;
    if (this.recordUndo) this.undo = () => (h.value = before);
    const piece = this.clean(part, room + 1);
    if (piece.length > room && !b.headerCut) {
      b.headerCut = true;
      this.damage(`header value beyond ${this.maxValue} characters cut`);
    }
    h.value += piece.slice(0, room);
  }

  private flushHeader(): void {
    const b = this.cur;
    if (!b || !b.header) return;
    b.msg.headers.push(b.header);
    b.header = null;
  }
}

/** Streams messages out of postcat output; never throws for what the text contains. */
export async function* parsePostcat(
  lines: AsyncIterable<Line | string>,
  options: PostcatParserOptions,
  parser: PostcatParser = new PostcatParser(options),
): AsyncGenerator<QueuedMessage> {
  for await (const line of lines) {
    const m = parser.push(line);
    if (m) yield m;
  }
  const last = parser.end();
  if (last) yield last;
}
