/**
 * Reads the database settings out of Confixx's `confixx_main.conf`.
 *
 * The file is Perl: Confixx `require`s it. We never run it; we read the four or five
 * assignments we need as plain literals and ignore every other line. A line we need that
 * is not a plain literal (concatenation, interpolation, q(), a string over several lines)
 * is an error that names the setting and the line, never its value (it may be a password).
 *
 * Known keys (the LiveConfig Confixx importer `cfximport.php` reads the same four):
 * `$dbServer` (may carry `:port` or `:/path/to/socket`, as PHP's mysql_connect accepts),
 * `$dbUser`, `$dbPw`, `$dbDB`. `$dbPort` is not known to exist in real files; we accept it
 * when present because it costs nothing.
 */
import type { Host, Line } from '../../host/host';
import { SpamtraceError } from '../../errors';

export const DEFAULT_CONFIXX_CONF = '/root/confixx/confixx_main.conf';

const WANTED = ['dbServer', 'dbUser', 'dbPw', 'dbDB', 'dbPort'] as const;
type WantedKey = (typeof WANTED)[number];
const REQUIRED: readonly WantedKey[] = ['dbServer', 'dbUser', 'dbPw', 'dbDB'];

/** Where and how to reach the Confixx database. */
export interface ConfixxDbSettings {
  /** host name or address; absent when a socket is given */
  host?: string;
  port?: number;
  socketPath?: string;
  user: string;
  password: string;
  database: string;
  /** the file the settings came from, for messages */
  source: string;
}

/** A literal read from the file, or why it could not be. */
type Literal = { ok: true; value: string } | { ok: false; why: string };

const ASSIGNMENT = /^\s*(?:(?:our|my|local)\s+)?\$([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=|~)\s*([\s\S]*)$/;
/** after the literal: an optional `;` and an optional comment, nothing else */
const TAIL = /^\s*;?\s*(?:#[\s\S]*)?$/;

/** Perl single quotes: only `\\` and `\'` are escapes; everything else is literal. */
function singleQuoted(s: string): { value: string; rest: string } | null {
  let out = '';
  for (let i = 1; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && (s[i + 1] === '\\' || s[i + 1] === "'")) {
      out += s[i + 1];
      i++;
    } else if (c === "'") {
      return { value: out, rest: s.slice(i + 1) };
    } else out += c;
  }
  return null;
}

const DOUBLE_ESCAPES: Record<string, string> = { '\\': '\\', '"': '"', $: '$', '@': '@', "'": "'", '#': '#', t: '\t', n: '\n', r: '\r' };

/**
 * Perl double quotes without interpolation. An unescaped `$` or `@` is something Perl
 * would replace by a variable's value, which we cannot know without running the file.
 */
function doubleQuoted(s: string): { value: string; rest: string } | { why: string } | null {
  let out = '';
  for (let i = 1; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\') {
      const next = s[i + 1];
      if (next === undefined) return null;
      const mapped = DOUBLE_ESCAPES[next];
      if (mapped === undefined) return { why: `uses the escape \\${next}, which spamtrace does not interpret` };
      out += mapped;
      i++;
    } else if (c === '$' || c === '@') {
      return { why: `contains an unescaped ${c} that Perl would replace with a variable` };
    } else if (c === '"') {
      return { value: out, rest: s.slice(i + 1) };
    } else out += c;
  }
  return null;
}

/** The right-hand side of an assignment, if it is a plain literal. */
export function parsePerlLiteral(rhs: string): Literal {
  const s = rhs.trimStart();
  let parsed: { value: string; rest: string };
  if (s.startsWith("'")) {
    const r = singleQuoted(s);
    if (!r) return { ok: false, why: 'is a quoted string that does not end on its line' };
    parsed = r;
  } else if (s.startsWith('"')) {
    const r = doubleQuoted(s);
    if (!r) return { ok: false, why: 'is a quoted string that does not end on its line' };
    if ('why' in r) return { ok: false, why: r.why };
    parsed = r;
  } else {
    const m = /^(\d{1,10})([\s\S]*)$/.exec(s);
    if (!m) return { ok: false, why: 'is not a plain quoted string or number' };
    parsed = { value: m[1]!, rest: m[2]! };
  }
  if (!TAIL.test(parsed.rest)) return { ok: false, why: 'is an expression, not a plain literal' };
  return { ok: true, value: parsed.value };
}

interface Found {
  value: string;
  line: number;
}

/**
 * Feeds the file line by line (bounded memory; the file is small but hostile).
 * The last assignment of a key wins, as it does when Perl runs the file.
 */
export class ConfixxConfParser {
  private readonly found = new Map<WantedKey, Found>();
  private readonly problems = new Map<WantedKey, string>();
  private inPod = false;
  private ended = false;

  constructor(private readonly source: string) {}

  feed(line: Line, lineNo: number): void {
    if (this.ended) return;
    const text = line.text.replace(/\r$/, ''); // a file saved with Windows line ends
    if (this.inPod) {
      if (/^=cut\b/.test(text)) this.inPod = false;
      return;
    }
    if (/^=[A-Za-z]/.test(text)) {
      this.inPod = true; // POD documentation block, up to =cut
      return;
    }
    if (/^__(?:END|DATA)__\b/.test(text)) {
      this.ended = true;
      return;
    }
    const m = ASSIGNMENT.exec(text);
    if (!m) return;
    const key = m[1] as WantedKey;
    if (!(WANTED as readonly string[]).includes(key)) return;
    if (line.cut) {
      this.problems.set(key, `line ${lineNo}: $${key} is on a line too long to read`);
      this.found.delete(key);
      return;
    }
    const lit = parsePerlLiteral(m[2]!);
    if (lit.ok) {
      this.found.set(key, { value: lit.value, line: lineNo });
      this.problems.delete(key);
    } else {
      this.problems.set(key, `line ${lineNo}: $${key} ${lit.why}`);
      this.found.delete(key);
    }
  }

  /** The settings, or E_CONFIXX_CONF naming every setting that is missing or unreadable. */
  finish(): ConfixxDbSettings {
    const issues: string[] = [];
    for (const key of WANTED) {
      const p = this.problems.get(key);
      if (p) issues.push(p);
    }
    const missing = REQUIRED.filter((k) => !this.found.has(k) && !this.problems.has(k));
    if (missing.length > 0) issues.push(`no ${missing.map((k) => '$' + k).join(', ')}`);
    if (issues.length > 0) {
      throw new SpamtraceError(
        'E_CONFIXX_CONF',
        `${this.source}: ${issues.join('; ')} (spamtrace reads plain 'quoted' values, it never runs the file)`,
      );
    }
    const get = (k: WantedKey): string => this.found.get(k)!.value;
    const server = splitServer(get('dbServer'), this.source);
    const portText = this.found.get('dbPort')?.value;
    let port = server.port;
    if (portText !== undefined && portText !== '') {
      port = parsePort(portText);
      if (port === undefined) throw new SpamtraceError('E_CONFIXX_CONF', `${this.source}: $dbPort is not a port number`);
    }
    const user = get('dbUser');
    const database = get('dbDB');
    if (user === '') throw new SpamtraceError('E_CONFIXX_CONF', `${this.source}: $dbUser is empty`);
    if (database === '') throw new SpamtraceError('E_CONFIXX_CONF', `${this.source}: $dbDB is empty`);
    return {
      ...(server.host !== undefined ? { host: server.host } : {}),
      ...(port !== undefined && server.socketPath === undefined ? { port } : {}),
      ...(server.socketPath !== undefined ? { socketPath: server.socketPath } : {}),
      user,
      password: get('dbPw'),
      database,
      source: this.source,
    };
  }
}

function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= 65535 ? n : undefined;
}

/** `host`, `host:port`, `[v6]:port`, `host:/path/to/socket` (PHP mysql_connect's forms). */
export function splitServer(server: string, source: string): { host?: string; port?: number; socketPath?: string } {
  const s = server.trim();
  const bad = (): never => {
    throw new SpamtraceError('E_CONFIXX_CONF', `${source}: $dbServer is not a host name, host:port or host:/socket`);
  };
  if (s === '' || /[\s\u0000-\u001f]/.test(s)) bad();
  const v6 = /^\[([0-9A-Fa-f:.]+)\](?::(\d{1,5}))?$/.exec(s);
  if (v6) {
    const port = v6[2] !== undefined ? parsePort(v6[2]) : undefined;
    if (v6[2] !== undefined && port === undefined) bad();
    return { host: v6[1]!, ...(port !== undefined ? { port } : {}) };
  }
  const colon = s.indexOf(':');
  const host = colon < 0 ? s : s.slice(0, colon);
  if (!/^[A-Za-z0-9._-]{1,253}$/.test(host)) bad();
  if (colon < 0) return { host };
  const rest = s.slice(colon + 1);
  if (rest.startsWith('/')) return { socketPath: rest };
  const port = parsePort(rest);
  if (port === undefined) bad();
  return { host, port: port! };
}

/** Reads and parses the file through the Host; unreadable -> E_CONFIXX_CONF. */
export async function readConfixxConf(host: Host, path: string = DEFAULT_CONFIXX_CONF): Promise<ConfixxDbSettings> {
  const parser = new ConfixxConfParser(path);
  let n = 0;
  try {
    for await (const line of host.readLines(path, { maxLineBytes: 16 * 1024 })) parser.feed(line, ++n);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'read error';
    throw new SpamtraceError('E_CONFIXX_CONF', `cannot read the Confixx configuration ${path}: ${code}`);
  }
  return parser.finish();
}

/** For tests and callers that already hold the text. */
export function parseConfixxConfText(text: string, source = 'confixx_main.conf'): ConfixxDbSettings {
  const parser = new ConfixxConfParser(source);
  // split on \n only: a CR left at a line's end must be handled like the file reader's
  text.split('\n').forEach((t, i) => parser.feed({ text: t, cut: false }, i + 1));
  return parser.finish();
}
