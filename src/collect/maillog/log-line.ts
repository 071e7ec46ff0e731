/**
 * One mail log line, whole: timestamp, syslog head, Postfix event. The one entry point
 * for every reader of the log (the scan's collector, a live `watch`), so they agree on
 * what a line says and on why a line was not read.
 *
 * Returns `event` for a line about a message or a failed login, `ignore` for lines that
 * say nothing about one (connect, statistics, other daemons' chatter inside Postfix),
 * and `skip` with a reason for what could not be read: the caller counts those in its
 * SkipTally (never silently dropped, STYLE.md 5).
 */
import { parsePostfixText, type PostfixEvent } from './postfix-events';
import { parseSyslogLine } from './syslog-line';
import { parseLineTime, type YearClock } from './timestamp';

export type ParsedLogLine =
  | { kind: 'event'; time: Date; host: string; service: string; event: Exclude<PostfixEvent, { kind: 'other' | 'noqueue' | 'unreadable' }> }
  | { kind: 'ignore' }
  | { kind: 'skip'; reason: string };

export const NOQUEUE_REASON = 'NOQUEUE: an attempt Postfix refused, no message';

/** `clock` gives year-less syslog times their year (one YearClock per file). */
export function parseMailLogLine(text: string, clock: YearClock, syslogName: string | null = null): ParsedLogLine {
  const t = parseLineTime(text);
  if (!t) return { kind: 'skip', reason: text.trim() === '' ? 'empty' : 'no syslog or RFC 3339 timestamp' };
  const time = clock.dateOf(t);
  if (!time) return { kind: 'skip', reason: 'a date that does not exist' };
  const s = parseSyslogLine(text.slice(t.length), syslogName);
  if (!s) return { kind: 'skip', reason: 'no host and program after the timestamp' };
  if (s.service === null) return { kind: 'skip', reason: 'from another program than Postfix' };
  const event = parsePostfixText(s.text);
  switch (event.kind) {
    case 'other':
      return { kind: 'ignore' };
    case 'noqueue':
      return { kind: 'skip', reason: NOQUEUE_REASON };
    case 'unreadable':
      return { kind: 'skip', reason: event.reason };
    default:
      return { kind: 'event', time, host: s.host, service: s.service, event };
  }
}
