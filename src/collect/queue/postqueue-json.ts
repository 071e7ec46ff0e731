/**
 * `postqueue -j` (Postfix >= 3.1): one JSON object per line, written by
 * postqueue/showq_json.c:
 *
 *   {"queue_name": "deferred", "queue_id": "AB2C4561DA6", "arrival_time": 1392969729,
 *    "message_size": 744, "forced_expire": false, "sender": "x@y",
 *    "recipients": [{"address": "a@b", "delay_reason": "..."}]}
 *
 * Postfix 3.7 writes "forced_expire"; some 3.x sources say "force_expired": both are
 * read. 3.11 adds recipient members (orig_address, bounce_reason); unknown members are
 * ignored so the next version does not break us. The listing is taken while the queue
 * moves, so one message can appear twice (deferred, then active): the first wins and
 * the second is counted.
 */
import type { ListedRecipient, QueueListingEntry, QueueName } from '../../domain/queue';
import type { Line } from '../../host/host';
import type { SkipTally } from '../skip-tally';
import { parseQueueId } from './queue-id';
import { printable } from './rfc2047';

const WHAT = 'postqueue -j line';

const LISTED_QUEUES: ReadonlySet<string> = new Set(['maildrop', 'incoming', 'active', 'deferred', 'hold', 'corrupt']);

/** Recipients kept per entry; a 50,000-recipient message must not cost 50,000 objects. */
export const MAX_LISTED_RECIPIENTS = 10_000;
/** Reason texts are one SMTP reply; longer is junk or an attack. */
const MAX_TEXT = 2_000;

export interface JsonListingStats {
  lines: number;
  entries: number;
  invalid: number;
  duplicates: number;
}

export type JsonLineResult = { entry: QueueListingEntry; recipientsDropped: number } | { error: string };

function text(v: unknown): string | null {
  return typeof v === 'string' ? printable(v).slice(0, MAX_TEXT) : null;
}

function queueNameOf(v: unknown): QueueName {
  return typeof v === 'string' && LISTED_QUEUES.has(v) ? (v as QueueName) : 'unknown';
}

/** Parses one line. Pure: no tally, no dedupe (the streaming parser adds those). */
export function parsePostqueueJsonLine(line: string): JsonLineResult {
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch {
    return { error: 'not JSON' };
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return { error: 'not a JSON object' };
  const o = obj as Record<string, unknown>;
  const queueId = typeof o.queue_id === 'string' ? parseQueueId(o.queue_id) : null;
  if (!queueId) return { error: 'missing or invalid queue_id' };
  const size = o.message_size;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) return { error: 'invalid message_size' };
  const sender = text(o.sender);
  if (sender === null) return { error: 'missing sender' };
  const arrival = o.arrival_time;
  const arrivalTime =
    typeof arrival === 'number' && Number.isFinite(arrival) && arrival > 0 ? new Date(arrival * 1000) : null;
  const recipients: ListedRecipient[] = [];
  let recipientsDropped = 0;
  if (Array.isArray(o.recipients)) {
    for (const r of o.recipients as unknown[]) {
      if (typeof r !== 'object' || r === null) {
        recipientsDropped += 1;
        continue;
      }
      const rr = r as Record<string, unknown>;
      const address = text(rr.address);
      if (address === null || recipients.length >= MAX_LISTED_RECIPIENTS) {
        recipientsDropped += 1;
        continue;
      }
      const reason = text(rr.delay_reason);
      recipients.push(reason ? { address, delayReason: reason } : { address });
    }
  } else if (o.recipients !== undefined) {
    return { error: 'recipients is not an array' };
  }
  const forced = o.forced_expire ?? o.force_expired;
  const entry: QueueListingEntry = {
    queueId,
    queueName: queueNameOf(o.queue_name),
    arrivalTime,
    messageSize: size,
    // showq prints empty_address_recipient (MAILER-DAEMON) for the null sender <>.
    sender: sender === 'MAILER-DAEMON' ? '' : sender,
    recipients,
    ...(forced === true ? { forcedExpire: true } : {}),
  };
  return { entry, recipientsDropped };
}

/**
 * The members before "recipients" in the order showq_json.c prints them, read from the
 * start of a line that was cut. Anything unexpected means no entry.
 */
const HEAD =
  /^\{"queue_name": "([a-z]{1,16})", "queue_id": "([0-9A-Za-z]{1,40})", "arrival_time": (\d{1,12}), "message_size": (\d{1,15}), (?:"force(?:d_expire|_expired)": (?:true|false), )?"sender": "((?:[^"\\]|\\.){0,2000})", "recipients": \[/;

export function salvageCutLine(head: string): JsonLineResult {
  const m = HEAD.exec(head);
  if (!m) return { error: 'line longer than the line limit, cut: entry lost' };
  let sender: string;
  try {
    sender = JSON.parse(`"${m[5]!}"`) as string;
  } catch {
    return { error: 'line longer than the line limit, cut: entry lost' };
  }
  return parsePostqueueJsonLine(
    JSON.stringify({ queue_name: m[1], queue_id: m[2], arrival_time: Number(m[3]), message_size: Number(m[4]), sender, recipients: [] }),
  );
}

/**
 * A push parser: feed lines, get entries back. Keeps one Set of seen IDs (a few MB for
 * a million-message queue) and nothing else across lines.
 */
export class PostqueueJsonParser {
  readonly stats: JsonListingStats = { lines: 0, entries: 0, invalid: 0, duplicates: 0 };
  private readonly seen = new Set<string>();

  constructor(private readonly skipped: SkipTally) {}

  push(line: Line | string): QueueListingEntry | null {
    const l = typeof line === 'string' ? { text: line, cut: false } : line;
    if (l.text.trim() === '') return null;
    this.stats.lines += 1;
    let r: JsonLineResult;
    if (l.cut) {
      // A message with tens of thousands of recipients makes one huge line. Its head
      // still names the message; keep that so postcat reads the message in full.
      r = salvageCutLine(l.text);
      if ('entry' in r) this.skipped.add(WHAT, 'line cut at the line limit: listed recipients lost (postcat still reads them)');
    } else {
      r = parsePostqueueJsonLine(l.text);
    }
    if ('error' in r) {
      this.stats.invalid += 1;
      this.skipped.add(WHAT, r.error);
      return null;
    }
    if (r.recipientsDropped > 0) {
      this.skipped.add('postqueue -j recipient', `malformed or beyond ${MAX_LISTED_RECIPIENTS} per message`, r.recipientsDropped);
    }
    if (this.seen.has(r.entry.queueId)) {
      this.stats.duplicates += 1;
      this.skipped.add(WHAT, 'listed twice while the queue changed (first listing kept)');
      return null;
    }
    this.seen.add(r.entry.queueId);
    this.stats.entries += 1;
    return r.entry;
  }
}

/** Streams entries from `postqueue -j` lines. */
export async function* parsePostqueueJson(
  lines: AsyncIterable<Line | string>,
  skipped: SkipTally,
  parser: PostqueueJsonParser = new PostqueueJsonParser(skipped),
): AsyncGenerator<QueueListingEntry> {
  for await (const line of lines) {
    const e = parser.push(line);
    if (e) yield e;
  }
}
