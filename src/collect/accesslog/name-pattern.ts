/**
 * What an access-log file name says: which log (kind), whether it is the live file or a
 * rotation, and how old a rotation it is. Matched by a pattern, right to left, not by a
 * fixed list, since Plesk, Confixx and logrotate settings all name them differently:
 *
 *   STEM [.processed] [.N | -YYYYMMDD[HH] | .YYYY-MM-DD] [.gz]
 *
 * STEM contains "access" and not "error"; after the last "access" only `.log` may carry a
 * dot, so Plesk's `access_log.webstat` (a copy kept for the statistics) and temporary
 * files are not read twice. No regular expression: names come from a directory a
 * customer may write to.
 */

export interface AccessLogName {
  /** the name without rotation suffixes: "access_log", "access_ssl_log", "access.log" ... */
  kind: string;
  live: boolean;
  processed: boolean;
  gzip: boolean;
  /** N of a `.N` rotation */
  rotation: number | null;
  /** YYYYMMDD or YYYYMMDDHH of a dated rotation, sortable as text */
  date: string | null;
}

export type NameVerdict = { ok: true; name: AccessLogName } | { ok: false; ignored: string };

export const IGNORED = {
  notAccess: 'not an access log name',
  error: 'an error log',
  compression: 'compressed with a format other than gzip, not read',
  suffix: 'an access log name with an unknown suffix (not a log rotation)',
} as const;

const MAX_NAME = 255;
const OTHER_COMPRESSION = ['.bz2', '.xz', '.zst', '.lz4', '.Z', '.zip'];

function allDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function plausibleDate(d: string): boolean {
  const y = Number(d.slice(0, 4));
  const m = Number(d.slice(4, 6));
  const day = Number(d.slice(6, 8));
  return y >= 1990 && y <= 2200 && m >= 1 && m <= 12 && day >= 1 && day <= 31;
}

/** Strips a rotation suffix; returns the rest and what it said. */
function stripRotation(s: string): { rest: string; rotation: number | null; date: string | null } {
  const dot = s.lastIndexOf('.');
  const dash = s.lastIndexOf('-');
  const tail = s.slice(dot + 1);
  if (dot > 0 && tail.length <= 4 && allDigits(tail)) return { rest: s.slice(0, dot), rotation: Number(tail), date: null };
  // -YYYYMMDD or -YYYYMMDDHH (logrotate dateext)
  const dashTail = s.slice(dash + 1);
  if (dash > 0 && (dashTail.length === 8 || dashTail.length === 10) && allDigits(dashTail) && plausibleDate(dashTail)) {
    return { rest: s.slice(0, dash), rotation: null, date: dashTail };
  }
  // .YYYY-MM-DD
  const iso = s.slice(-11);
  if (s.length > 11 && iso[0] === '.' && iso[5] === '-' && iso[8] === '-') {
    const d = iso.slice(1, 5) + iso.slice(6, 8) + iso.slice(9, 11);
    if (allDigits(d) && plausibleDate(d)) return { rest: s.slice(0, -11), rotation: null, date: d };
  }
  return { rest: s, rotation: null, date: null };
}

/** The stem's own shape: "access" present, "error" absent, no dot after "access" but a final ".log". */
function stemVerdict(stem: string): true | string {
  const lower = stem.toLowerCase();
  const at = lower.lastIndexOf('access');
  if (at === -1) return IGNORED.notAccess;
  if (lower.includes('error')) return IGNORED.error;
  const after = lower.slice(at + 'access'.length);
  const dot = after.indexOf('.');
  if (dot !== -1 && !(dot === after.length - 4 && after.endsWith('.log'))) return IGNORED.suffix;
  return true;
}

export function classifyAccessLogName(fileName: string): NameVerdict {
  if (fileName.length === 0 || fileName.length > MAX_NAME || fileName.includes('/')) return { ok: false, ignored: IGNORED.notAccess };
  if (fileName.toLowerCase().includes('error')) return { ok: false, ignored: fileName.toLowerCase().includes('access') ? IGNORED.error : IGNORED.notAccess };
  let s = fileName;
  const other = OTHER_COMPRESSION.find((ext) => s.endsWith(ext));
  if (other) {
    const inner = classifyAccessLogName(s.slice(0, -other.length));
    return { ok: false, ignored: inner.ok ? IGNORED.compression : inner.ignored };
  }
  const gzip = s.endsWith('.gz');
  if (gzip) s = s.slice(0, -3);
  const { rest, rotation, date } = stripRotation(s);
  s = rest;
  const processed = s.endsWith('.processed');
  if (processed) s = s.slice(0, -'.processed'.length);
  const verdict = stemVerdict(s);
  if (verdict !== true) return { ok: false, ignored: verdict };
  const live = !processed && !gzip && rotation === null && date === null;
  return { ok: true, name: { kind: s, live, processed, gzip, rotation, date } };
}

/**
 * Orders the names of one kind from newest to oldest: live, then `.processed` without a
 * number (Plesk appends to it before rotating), then `.N` by N, then dated ones newest first.
 */
export function compareByAge(a: AccessLogName, b: AccessLogName): number {
  const cls = (n: AccessLogName): number => (n.live ? 0 : n.rotation === null && n.date === null ? 1 : n.rotation !== null ? 2 : 3);
  const d = cls(a) - cls(b);
  if (d !== 0) return d;
  if (a.rotation !== null && b.rotation !== null) return a.rotation - b.rotation;
  if (a.date !== null && b.date !== null) return a.date < b.date ? 1 : a.date > b.date ? -1 : 0;
  return 0;
}
