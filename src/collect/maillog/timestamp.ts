/**
 * The time at the start of a mail log line, in the three shapes found on hosting servers:
 *
 * - syslog (rsyslog's default, `journalctl -o short`): `Feb  5 09:02:09`, day space-padded,
 *   no year, local time;
 * - Postfix's own `maillog_file` (3.4+, containers without syslog): `Feb 05 09:02:09`, the
 *   same with a zero-padded day (msg_logger.c formats with strftime "%b %d %H:%M:%S");
 * - RFC 3339 (rsyslog's high-precision template, `journalctl -o short-iso`):
 *   `2024-02-05T09:02:09.123456+01:00`, also `Z` and `+0100`.
 *
 * A year-less time gets its year from a YearClock (below).
 */

const MONTHS: Record<string, number> = {
  Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11,
};

/** `Feb  5 09:02:09` or `Feb 05 09:02:09`, then one space */
const SYSLOG_TIME = /^([A-Z][a-z]{2}) ([ 0-3]?\d) ([0-2]\d):([0-5]\d):([0-6]\d) /;
/** `2024-02-05T09:02:09(.frac)?(Z|+01:00|+0100)`, then one space */
const RFC3339_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2}) /;

export type LineTime =
  | { kind: 'year-less'; month: number; day: number; hour: number; minute: number; second: number; length: number }
  | { kind: 'absolute'; date: Date; length: number };

/** The timestamp at the start of `line` and how many characters it took (with the space), or null. */
export function parseLineTime(line: string): LineTime | null {
  const s = SYSLOG_TIME.exec(line);
  if (s) {
    const month = MONTHS[s[1]!];
    const day = Number(s[2]!.trim());
    if (month === undefined || day < 1 || day > 31) return null;
    return { kind: 'year-less', month, day, hour: Number(s[3]), minute: Number(s[4]), second: Number(s[5]), length: s[0].length };
  }
  const r = RFC3339_TIME.exec(line);
  if (r) {
    const [, y, mo, d, h, mi, sec, frac, zone] = r;
    const ms = frac ? Math.floor(Number(frac.padEnd(3, '0').slice(0, 3))) : 0;
    let utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec), ms);
    if (zone !== 'Z') {
      const z = zone!.replace(':', '');
      const offsetMin = (Number(z.slice(1, 3)) * 60 + Number(z.slice(3, 5))) * (z[0] === '-' ? -1 : 1);
      utc -= offsetMin * 60_000;
    }
    const date = new Date(utc);
    if (Number.isNaN(utc) || Number(mo) < 1 || Number(mo) > 12) return null;
    return { kind: 'absolute', date, length: r[0].length };
  }
  return null;
}

/** Slack for "before the reference": clock skew and a file written a little after rotation. */
const AFTER_REFERENCE_SLACK_MS = 24 * 60 * 60 * 1000;
/** A month more than this far back is the next year (Dec -> Jan), not lines out of order. */
const NEW_YEAR_MONTH_JUMP = 6;

/**
 * Gives year-less times a year, one file at a time: the first such time in a file takes
 * the year that puts it closest before the file's mtime (when Postfix last wrote to it; or
 * `now`), and within the file a month jump backward (Dec -> Jan) advances the year. Each
 * file is anchored on its own, so a missing rotation in between shifts nothing. Year-less
 * times are wall-clock times of the machine that wrote the log (syslog writes no zone):
 * the scanned host's zone when given, else this machine's.
 */
export class YearClock {
  private reference = 0;
  private year: number | null = null;
  private lastMonth = -1;

  /**
   * `utcOffsetMinutes`: the zone the log was written in, minutes east of UTC (a remote
   * host's `date +%z`); without it, the zone of the machine running spamtrace. A fixed
   * offset: a DST change inside the log shifts the other half by an hour, as it does
   * for the queue's times.
   */
  constructor(private readonly utcOffsetMinutes?: number) {}

  /** Start a file whose last write was at `reference`. */
  startFile(reference: Date): void {
    this.reference = reference.getTime();
    this.year = null;
    this.lastMonth = -1;
  }

  /** The date of a line's time, or null for an impossible date (Feb 30). */
  dateOf(t: LineTime): Date | null {
    if (t.kind === 'absolute') {
      // a high-precision line carries its own year; later year-less lines continue from it
      this.year = t.date.getFullYear();
      this.lastMonth = t.date.getMonth();
      return t.date;
    }
    if (this.year === null) {
      let y = this.civil(this.reference).year;
      if (this.local(y, t) - this.reference > AFTER_REFERENCE_SLACK_MS) y -= 1;
      this.year = y;
    } else if (t.month < this.lastMonth - NEW_YEAR_MONTH_JUMP) {
      this.year += 1;
    }
    this.lastMonth = t.month;
    const ms = this.local(this.year, t);
    const c = this.civil(ms);
    // Date rolls Feb 30 over to March: such a line was not written by syslog
    if (c.day !== t.day || c.month !== t.month) return null;
    return new Date(ms);
  }

  /** The instant of a wall-clock time in the log's zone. */
  private local(year: number, t: { month: number; day: number; hour: number; minute: number; second: number }): number {
    const second = Math.min(t.second, 59);
    if (this.utcOffsetMinutes === undefined) return new Date(year, t.month, t.day, t.hour, t.minute, second).getTime();
    return Date.UTC(year, t.month, t.day, t.hour, t.minute, second) - this.utcOffsetMinutes * 60_000;
  }

  /** Year, month and day of an instant on the log zone's calendar. */
  private civil(ms: number): { year: number; month: number; day: number } {
    if (this.utcOffsetMinutes === undefined) {
      const d = new Date(ms);
      return { year: d.getFullYear(), month: d.getMonth(), day: d.getDate() };
    }
    const d = new Date(ms + this.utcOffsetMinutes * 60_000);
    return { year: d.getUTCFullYear(), month: d.getUTCMonth(), day: d.getUTCDate() };
  }
}
