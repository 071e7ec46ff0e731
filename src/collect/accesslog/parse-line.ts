/**
 * One access-log line into a WebRequest, without regular expressions: a left-to-right
 * scanner, linear in the (already length-capped) line, so a hostile line cannot make it
 * backtrack. Formats, all recognised from the line itself:
 *
 *   common    1.2.3.4 - user [22/Feb/2014:06:30:16 +0100] "POST /x.php HTTP/1.1" 200 372
 *   combined  ... 200 372 "referer" "agent"      (nginx's default and Plesk's proxy_access_log)
 *   vhost     example.de:443 1.2.3.4 - - [...] ...   (Apache vhost_combined, %v:%p)
 *             example.de 1.2.3.4 - - [...] ...       (Plesk/Confixx style, no port)
 *
 * Apache escapes `"` as `\"` and `\` as `\\` inside quoted fields (nginx writes `\x22`):
 * those two are undone; `\xNN` stays as logged. Fields after the agent are ignored.
 */
import type { WebRequest } from '../../domain/weblog';
import { findLineTime, LOG_TIME_LENGTH } from './log-time';

/** Why a line was not a request; the words are stable, the report counts by them. */
export const JUNK = {
  noTime: 'no [dd/Mon/yyyy:hh:mm:ss +zzzz] time',
  prefix: 'not "[vhost] client ident user" before the time',
  noRequest: 'no quoted request after the time',
  unterminated: 'a quoted field is not closed',
  status: 'no 3-digit status after the request',
  size: 'size is neither a number nor "-"',
  noMethod: 'request line is not "METHOD target [HTTP/x]" (e.g. "-" or TLS bytes on port 80)',
} as const;

export type ParseResult = { ok: true; request: WebRequest } | { ok: false; reason: string };

const MAX_HOST_TOKEN = 255;
const MAX_METHOD = 32;

/** Host names, IPv4, IPv6 (with zone), or "-": letters, digits and . : - _ % only. */
function isHostToken(t: string): boolean {
  if (t.length === 0 || t.length > MAX_HOST_TOKEN) return false;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    const ok = (c >= 48 && c <= 58) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 46 || c === 45 || c === 95 || c === 37;
    if (!ok) return false;
  }
  return true;
}

/** `example.de:443` → `example.de`; an IPv6 literal (several colons) stays whole. */
function stripPort(v: string): string {
  const colon = v.indexOf(':');
  if (colon === -1 || colon !== v.lastIndexOf(':')) return v;
  for (let i = colon + 1; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) return v;
  }
  return colon + 1 < v.length ? v.slice(0, colon) : v;
}

/** Reads `"..."` starting at the quote; returns the unescaped text and the index after the closing quote. */
function readQuoted(s: string, at: number): { text: string; next: number } | null {
  let out = '';
  let from = at + 1;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 92 /* \ */ && i + 1 < s.length) {
      const n = s[i + 1];
      if (n === '"' || n === '\\') {
        out += s.slice(from, i) + n;
        i += 1;
        from = i + 1;
      }
    } else if (c === 34 /* " */) {
      return { text: out + s.slice(from, i), next: i + 1 };
    }
  }
  return null;
}

/** Reads a run of non-space characters at `at`; returns it and the index after it. */
function readToken(s: string, at: number): { text: string; next: number } {
  let end = s.indexOf(' ', at);
  if (end === -1) end = s.length;
  return { text: s.slice(at, end), next: end };
}

function isMethod(m: string): boolean {
  if (m.length === 0 || m.length > MAX_METHOD) return false;
  for (let i = 0; i < m.length; i++) {
    const c = m.charCodeAt(i);
    if (!((c >= 65 && c <= 90) || c === 45 || c === 95)) return false;
  }
  return true;
}

function splitRequest(req: string): { method: string; path: string; query: string } | null {
  const sp = req.indexOf(' ');
  if (sp === -1) return null;
  const method = req.slice(0, sp);
  if (!isMethod(method)) return null;
  let end = req.length;
  const last = req.lastIndexOf(' ');
  if (last > sp && req.startsWith('HTTP/', last + 1)) end = last;
  const target = req.slice(sp + 1, end);
  if (target.length === 0) return null;
  const q = target.indexOf('?');
  return q === -1 ? { method, path: target, query: '' } : { method, path: target.slice(0, q), query: target.slice(q + 1) };
}

function isDigits(s: string, max: number): boolean {
  if (s.length === 0 || s.length > max) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function orNull(v: string): string | null {
  return v === '-' || v === '' ? null : v;
}

/**
 * The fields before the time: 3 (client ident user) or 4 (vhost first), separated by
 * single or repeated spaces. Returns [client, vhost|null] or null for any other count.
 */
function headTokens(line: string, end: number): [string, string | null] | null {
  const starts: number[] = [];
  const ends: number[] = [];
  let i = 0;
  while (i < end) {
    while (i < end && line.charCodeAt(i) === 32) i++;
    if (i >= end) break;
    if (starts.length === 4) return null;
    starts.push(i);
    while (i < end && line.charCodeAt(i) !== 32) i++;
    ends.push(i);
  }
  if (starts.length === 3) return [line.slice(starts[0], ends[0]), null];
  if (starts.length === 4) return [line.slice(starts[1], ends[1]), line.slice(starts[0], ends[0])];
  return null;
}

/** `file` and `lineNo` are copied into the request (the caller knows where the line was). */
export function parseAccessLine(line: string, file = '', lineNo = 0): ParseResult {
  const time = findLineTime(line);
  if (!time) return { ok: false, reason: JUNK.noTime };
  const head = headTokens(line, time.open);
  // client ident user, optionally preceded by the vhost; ident and user are not kept
  if (head === null || !isHostToken(head[0]) || (head[1] !== null && !isHostToken(head[1]))) return { ok: false, reason: JUNK.prefix };
  const client = head[0];
  // "-" is no address: more likely a user name with a space shifted the fields
  if (client === '-') return { ok: false, reason: JUNK.prefix };
  const vhost = head[1] === null ? null : stripPort(head[1]);
  let at = time.open + LOG_TIME_LENGTH + 2;
  if (line[at] !== ' ' || line[at + 1] !== '"') return { ok: false, reason: JUNK.noRequest };
  const request = readQuoted(line, at + 1);
  if (!request) return { ok: false, reason: JUNK.unterminated };
  at = request.next;
  if (line[at] !== ' ') return { ok: false, reason: JUNK.status };
  const status = readToken(line, at + 1);
  if (status.text.length !== 3 || !isDigits(status.text, 3) || status.text[0] === '0') return { ok: false, reason: JUNK.status };
  const code = Number(status.text);
  at = status.next;
  let bytes: number | null = null;
  if (at < line.length) {
    const size = readToken(line, at + 1);
    if (size.text !== '-') {
      if (!isDigits(size.text, 15)) return { ok: false, reason: JUNK.size };
      bytes = Number(size.text);
    }
    at = size.next;
  }
  let referer: string | null = null;
  let userAgent: string | null = null;
  if (line[at] === ' ' && line[at + 1] === '"') {
    const r = readQuoted(line, at + 1);
    if (!r) return { ok: false, reason: JUNK.unterminated };
    referer = orNull(r.text);
    at = r.next;
    if (line[at] === ' ' && line[at + 1] === '"') {
      const a = readQuoted(line, at + 1);
      if (!a) return { ok: false, reason: JUNK.unterminated };
      userAgent = orNull(a.text);
    }
  }
  const req = splitRequest(request.text);
  if (!req) return { ok: false, reason: JUNK.noMethod };
  return {
    ok: true,
    request: { time: new Date(time.ms), client, vhost, method: req.method, path: req.path, query: req.query, status: code, bytes, referer, userAgent, file, line: lineNo },
  };
}
