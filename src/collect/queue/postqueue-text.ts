/**
 * `postqueue -p` / `mailq` text: older Postfix (< 3.1, no -j) and what admins paste.
 * Formats as printed by postqueue/showq_compat.c (3.1+) and, before that, by showq.c:
 *
 *   -Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------
 *   AB2C4561DA6     744 Fri Feb 21 09:02:09  mollie_lester@tauernresidence.at
 *   (delivery temporarily suspended: host mailin-02.mx.aol.com[64.12.88.163] refused ...)
 *                                            mbarney555@aol.com
 *
 *   -- 32354 Kbytes in 12505 Requests.
 *
 * - ID column "%-11s" (long IDs: "%-17s") is the ID plus `*` active, `!` hold, then `#`
 *   when forced to expire. No mark: deferred, incoming or a readable maildrop file;
 *   the text cannot tell them apart (we say deferred; postcat's section header later
 *   names the real queue).
 * - The time is asctime() cut to 20 (19) characters: weekday, month, space-padded day,
 *   time, no year. We place it in the year that makes it not lie in the future of
 *   `now`, and check the weekday; a mismatch gives null rather than a wrong date.
 * - "(reason)" is printed when it differs from the previous recipient's, so a reason
 *   applies to the recipients after it until the next one; "(reason unavailable)" means
 *   the following recipients have none. Long reasons start in column 0.
 * - showq before 3.1 listed an unreadable maildrop file as
 *   "ID   size date (maildrop queue, sender UID 4079)": the submitting uid, kept.
 * - The trailer counts what showq saw; an admin's paste is often cut, so we keep the
 *   trailer's totals beside the number of entries actually parsed.
 */
import type { ListedRecipient, QueueListingEntry } from '../../domain/queue';
import type { Line } from '../../host/host';
import type { SkipTally } from '../skip-tally';
import { MAX_LISTED_RECIPIENTS } from './postqueue-json';
import { parseQueueId } from './queue-id';
import { printable } from './rfc2047';

const WHAT = 'postqueue -p line';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const HEADING = /^-+Queue ID-+ +-+Size-+ +-+Arrival Time-+ +-+Sender\/Recipient-+ *$/;
const ENTRY =
  /^([0-9A-Za-z]{1,40})([*!#]{0,2})\s+(\d{1,15})\s+(?:(Sun|Mon|Tue|Wed|Thu|Fri|Sat) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) {1,2}(\d{1,2}) (\d\d):(\d\d):(\d\d)|\?\?)\s+(\S.*)$/;
const TRAILER = /^-- (\d{1,15}) Kbytes in (\d{1,15}) Requests?\.$/;
const MAILDROP_UID = /^\(maildrop queue, sender UID (\d{1,10})\)$/;
const REASON = /^\((.*)\)$/;
/** Characters a bare recipient token may not hold (checked in one pass, see isBareAddress). */
const NOT_IN_TOKEN = /[\s()]/;

const MAX_TEXT = 2_000;
/** A future date beyond this is last year's; inside it, clock skew between hosts. */
const FUTURE_GRACE_MS = 24 * 3600 * 1000;

export interface TextListingSummary {
  entries: number;
  /** from "-- N Kbytes in M Requests.", null when the listing had no trailer (cut) */
  trailerKbytes: number | null;
  trailerRequests: number | null;
  /** "Mail queue is empty" */
  empty: boolean;
  junkLines: number;
  duplicates: number;
}

export interface TextParserOptions {
  skipped: SkipTally;
  /** when the listing was taken; the year of each date is placed relative to it */
  now: Date;
  /**
   * the listing host's UTC offset in minutes (e.g. 60 for CET); default: this
   * process's local time zone, right for a listing taken on this machine
   */
  utcOffsetMinutes?: number;
}

/**
 * Places a year-less asctime() date. Returns null when no year makes the weekday fit,
 * which happens when `now` is not when the listing was taken.
 */
export function placeArrivalTime(
  weekday: string,
  month: string,
  day: number,
  hh: number,
  mm: number,
  ss: number,
  now: Date,
  utcOffsetMinutes?: number,
): Date | null {
  const mon = MONTHS.indexOf(month);
  const dow = DAYS.indexOf(weekday);
  if (mon < 0 || dow < 0 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60) return null;
  const make = (year: number): Date =>
    utcOffsetMinutes === undefined
      ? new Date(year, mon, day, hh, mm, ss)
      : new Date(Date.UTC(year, mon, day, hh, mm, ss) - utcOffsetMinutes * 60_000);
  const nowYear = utcOffsetMinutes === undefined ? now.getFullYear() : new Date(now.getTime() + utcOffsetMinutes * 60_000).getUTCFullYear();
  let year = nowYear;
  let d = make(year);
  if (d.getTime() > now.getTime() + FUTURE_GRACE_MS) {
    year -= 1;
    d = make(year);
  }
  // Feb 30 rolls over into March: not a date asctime() printed.
  const civil = utcOffsetMinutes === undefined ? d : new Date(d.getTime() + utcOffsetMinutes * 60_000);
  const [cMon, cDay, cDow] =
    utcOffsetMinutes === undefined ? [civil.getMonth(), civil.getDate(), civil.getDay()] : [civil.getUTCMonth(), civil.getUTCDate(), civil.getUTCDay()];
  if (cMon !== mon || cDay !== day) return null;
  if (cDow !== dow) return null;
  return d;
}

/** A push parser: one pending entry at most, completed by the line after it. */
export class PostqueueTextParser {
  readonly summary: TextListingSummary = {
    entries: 0,
    trailerKbytes: null,
    trailerRequests: null,
    empty: false,
    junkLines: 0,
    duplicates: 0,
  };
  private pending: QueueListingEntry | null = null;
  private reason: string | undefined;
  private droppedRecipients = 0;
  private readonly seen = new Set<string>();
  private weekdayMismatch = 0;

  constructor(private readonly options: TextParserOptions) {}

  private junk(reason: string): void {
    this.summary.junkLines += 1;
    this.options.skipped.add(WHAT, reason);
  }

  private finish(): QueueListingEntry | null {
    const e = this.pending;
    this.pending = null;
    this.reason = undefined;
    if (!e) return null;
    if (this.droppedRecipients > 0) {
      this.options.skipped.add('postqueue -p recipient', `beyond ${MAX_LISTED_RECIPIENTS} per message`, this.droppedRecipients);
      this.droppedRecipients = 0;
    }
    if (this.seen.has(e.queueId)) {
      this.summary.duplicates += 1;
      this.options.skipped.add(WHAT, 'listed twice while the queue changed (first listing kept)');
      return null;
    }
    this.seen.add(e.queueId);
    this.summary.entries += 1;
    return e;
  }

  push(line: Line | string): QueueListingEntry | null {
    const l = typeof line === 'string' ? { text: line, cut: false } : line;
    const raw = l.text;
    if (l.cut) {
      // A cut line may be a recipient or a reason; neither can be trusted whole.
      this.junk('line longer than the line limit');
      return null;
    }
    const t = raw.trim();
    if (t === '') return this.finish();
    if (HEADING.test(t)) return this.finish();
    if (t === 'Mail queue is empty') {
      this.summary.empty = true;
      return this.finish();
    }
    const trailer = TRAILER.exec(t);
    if (trailer) {
      const done = this.finish();
      this.summary.trailerKbytes = Number(trailer[1]);
      this.summary.trailerRequests = Number(trailer[2]);
      return done;
    }
    const m = ENTRY.exec(raw);
    if (m) return this.startEntry(m);
    if (!this.pending) {
      this.junk('not part of a queue entry');
      return null;
    }
    const reason = REASON.exec(t);
    if (reason) {
      const r = printable(reason[1]!).slice(0, MAX_TEXT);
      this.reason = r === 'reason unavailable' ? undefined : r;
      return null;
    }
    const indented = /^\s/.test(raw);
    if (indented || isBareAddress(t)) {
      if (this.pending.recipients.length >= MAX_LISTED_RECIPIENTS) {
        this.droppedRecipients += 1;
        return null;
      }
      const address = printable(t).slice(0, MAX_TEXT);
      const rcpt: ListedRecipient = this.reason ? { address, delayReason: this.reason } : { address };
      this.pending.recipients.push(rcpt);
      return null;
    }
    this.junk('not a recipient, reason or entry line');
    return null;
  }

  /** Call after the last line: completes a listing that was cut without its trailer. */
  end(): QueueListingEntry | null {
    const e = this.finish();
    if (this.weekdayMismatch > 0) {
      this.options.skipped.add('postqueue -p arrival time', 'weekday does not fit any year near the reference time: time left unknown', this.weekdayMismatch);
      this.weekdayMismatch = 0;
    }
    return e;
  }

  private startEntry(m: RegExpExecArray): QueueListingEntry | null {
    const done = this.finish();
    const [, idText, marks, size, dow, mon, day, hh, mm, ss, rest] = m as unknown as (string | undefined)[];
    const queueId = parseQueueId(idText!);
    if (!queueId) {
      this.junk('invalid queue ID');
      return done;
    }
    let arrivalTime: Date | null = null;
    if (dow) {
      arrivalTime = placeArrivalTime(dow, mon!, Number(day), Number(hh), Number(mm), Number(ss), this.options.now, this.options.utcOffsetMinutes);
      if (!arrivalTime) this.weekdayMismatch += 1;
    }
    const senderText = printable(rest!.trim()).slice(0, MAX_TEXT);
    const dropUid = MAILDROP_UID.exec(senderText);
    const entry: QueueListingEntry = {
      queueId,
      queueName: dropUid ? 'maildrop' : marks!.includes('*') ? 'active' : marks!.includes('!') ? 'hold' : 'deferred',
      arrivalTime,
      messageSize: Number(size),
      sender: dropUid || senderText === 'MAILER-DAEMON' ? '' : senderText,
      recipients: [],
      ...(marks!.includes('#') ? { forcedExpire: true } : {}),
      ...(dropUid ? { submitterUid: Number(dropUid[1]) } : {}),
    };
    this.pending = entry;
    return done;
  }
}

/** Streams entries from `postqueue -p` lines; the parser's summary is final when this ends. */
export async function* parsePostqueueText(
  lines: AsyncIterable<Line | string>,
  parser: PostqueueTextParser,
): AsyncGenerator<QueueListingEntry> {
  for await (const line of lines) {
    const e = parser.push(line);
    if (e) yield e;
  }
  const last = parser.end();
  if (last) yield last;
}

/**
 * A recipient pasted without its indentation: one token (no whitespace, no parentheses)
 * with an "@" that has something before and after it. Two linear scans: the regex it
 * replaces (/^[^\s()]+@[^\s()]+$/) tried every "@" as the split point and took 2.7 s on
 * a 64 KiB line of "@@@...(".
 */
export function isBareAddress(t: string): boolean {
  if (t.length < 3 || NOT_IN_TOKEN.test(t)) return false;
  const at = t.indexOf('@', 1);
  return at !== -1 && at < t.length - 1;
}
