/**
 * Apache/nginx `%t` times: `22/Feb/2014:06:30:16 +0100`, always English month names and
 * a numeric offset. Parsed by position (fixed width), so a hostile line costs constant time.
 */

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

/** `dd/Mon/yyyy:hh:mm:ss +zzzz` is 26 characters. */
export const LOG_TIME_LENGTH = 26;

function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** Epoch milliseconds of the time starting at `at` in `s`, or NaN when it is not one. */
export function parseLogTime(s: string, at = 0): number {
  if (s.length < at + LOG_TIME_LENGTH) return NaN;
  if (s[at + 2] !== '/' || s[at + 6] !== '/' || s[at + 11] !== ':' || s[at + 14] !== ':' || s[at + 17] !== ':' || s[at + 20] !== ' ') return NaN;
  const day = digits(s, at, 2);
  const month = MONTHS[s.slice(at + 3, at + 6)];
  const year = digits(s, at + 7, 4);
  const hh = digits(s, at + 12, 2);
  const mm = digits(s, at + 15, 2);
  const ss = digits(s, at + 18, 2);
  const sign = s[at + 21];
  const oh = digits(s, at + 22, 2);
  const om = digits(s, at + 24, 2);
  if (month === undefined || day < 1 || day > 31 || year < 1970 || hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60) return NaN;
  if ((sign !== '+' && sign !== '-') || oh < 0 || oh > 23 || om < 0 || om > 59) return NaN;
  const local = Date.UTC(year, month, day, hh, mm, ss);
  // Date.UTC rolls 31 Feb over into March: such a day does not exist, the line is junk
  if (new Date(local).getUTCDate() !== day) return NaN;
  const offset = (oh * 60 + om) * 60_000;
  return sign === '+' ? local - offset : local + offset;
}

/**
 * The time of a log line: the first `[` that opens a valid time and is followed by `]`,
 * searched only in the line's head (before the first `"`, at most `limit` characters),
 * since client, ident and user come first and the user name may itself hold a `[`.
 * Returns the index of the `[` and the time, or null.
 */
export function findLineTime(line: string, limit = 1024): { open: number; ms: number } | null {
  let quote = line.indexOf('"');
  if (quote === -1 || quote > limit) quote = Math.min(line.length, limit);
  let open = line.indexOf('[');
  while (open !== -1 && open < quote) {
    if (line[open + 1 + LOG_TIME_LENGTH] === ']') {
      const ms = parseLogTime(line, open + 1);
      if (!Number.isNaN(ms)) return { open, ms };
    }
    open = line.indexOf('[', open + 1);
  }
  return null;
}
