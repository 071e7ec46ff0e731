/**
 * The remote commands behind the Host file operations, and how their output and error
 * words map back to what LocalHost gives (FileInfo, errno codes). Every command runs
 * with LC_ALL=C, so the error words are coreutils' English ones.
 */
import type { FileInfo } from '../host';

/** size, mtime with nanoseconds, raw mode in hex, uid, gid: no file name, so no quoting problem. */
export const STAT_FORMAT = '%s %.9Y %f %u %g';

export function statArgs(path: string): string[] {
  // stat does not follow a final symlink, like LocalHost's lstat
  return ['stat', '-c', STAT_FORMAT, '--', path];
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

export function parseStat(path: string, stdout: string): FileInfo | null {
  const m = /^(\d+) (\d+)(?:\.(\d+))? ([0-9a-f]+) (\d+) (\d+)\n?$/.exec(stdout);
  if (!m) return null;
  const mode = parseInt(m[4]!, 16);
  // whole milliseconds from the digits, as lstat's Date has them (no float rounding)
  const ms = Number(m[2]) * 1000 + Number((m[3] ?? '').padEnd(3, '0').slice(0, 3));
  return {
    path,
    size: Number(m[1]),
    mtime: new Date(ms),
    mode,
    uid: Number(m[5]),
    gid: Number(m[6]),
    isFile: (mode & S_IFMT) === S_IFREG,
    isDirectory: (mode & S_IFMT) === S_IFDIR,
    isSymbolicLink: (mode & S_IFMT) === S_IFLNK,
  };
}

/** find cannot take `--`: a relative name starting with '-' would be read as an option. */
function safePath(path: string): string {
  return path.startsWith('/') ? path : `./${path}`;
}

/** An entry's lstat facts as find prints them (type, size, mtime, mode, uid, gid). */
const FACTS = '%y %s %T@ %m %U %G';

/**
 * Names in a directory, NUL-separated so a name with a newline stays one name. The
 * trailing slash makes find fail with "Not a directory" on a file (readdir's ENOTDIR)
 * and follow a symlink to a directory (as readdir does).
 *
 * No backslash in the arguments: the agent decodes an escaped argument with a command
 * substitution, a fork per argument, and a process start is most of a request's cost.
 * So the NUL comes from -print0, not from a `\0` in the format.
 */
export function listArgs(dir: string): string[] {
  // each entry: its lstat facts (find -P does not follow entries), a space, its path, NUL
  return ['find', `${safePath(dir).replace(/\/+$/, '')}/`, '-mindepth', '1', '-maxdepth', '1', '-printf', `${FACTS} `, '-print0'];
}

const TYPE_BITS: Record<string, number> = { f: 0o100000, d: 0o040000, l: 0o120000, p: 0o010000, s: 0o140000, c: 0o020000, b: 0o060000 };

/** "f 3 1795908958.1162689770 644 0 0" as FileInfo (null when find printed something else). */
function entryInfo(path: string, facts: string): FileInfo | null {
  const m = /^([fdlpscbD]) (\d+) (\d+)(?:\.(\d+))? ([0-7]+) (\d+) (\d+)$/.exec(facts);
  if (!m) return null;
  const type = TYPE_BITS[m[1]!] ?? 0;
  const ms = Number(m[3]) * 1000 + Number((m[4] ?? '').padEnd(3, '0').slice(0, 3));
  return {
    path,
    size: Number(m[2]),
    mtime: new Date(ms),
    mode: type | parseInt(m[5]!, 8),
    uid: Number(m[6]),
    gid: Number(m[7]),
    isFile: m[1] === 'f',
    isDirectory: m[1] === 'd',
    isSymbolicLink: m[1] === 'l',
  };
}

export interface ListedEntry {
  name: string;
  info: FileInfo | null;
}

/** "f 3 1795908958.1162689770 644 0 0 " and then the path: six fields, each without a space. */
const RECORD = /^((?:\S+ ){5}\S+) ([^]*)$/;

/**
 * The names (sorted, like LocalHost) and what find said about each. A record is the
 * facts, a space and the entry's path as find printed it: the name is what follows the
 * last slash (a name never holds one).
 */
export function parseListing(dir: string, stdout: Buffer | string): ListedEntry[] {
  const text = typeof stdout === 'string' ? stdout : stdout.toString('utf8');
  const out: ListedEntry[] = [];
  for (const record of text.split('\0')) {
    const m = RECORD.exec(record);
    if (!m) continue;
    const name = m[2]!.slice(m[2]!.lastIndexOf('/') + 1);
    if (name === '') continue;
    out.push({ name, info: entryInfo(joinPath(dir, name), m[1]!) });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function parseList(stdout: Buffer | string): string[] {
  return parseListing('/', stdout).map((e) => e.name);
}

/** dir + name as path.join gives it for a clean directory path (the key callers stat later). */
export function joinPath(dir: string, name: string): string {
  return `${dir.replace(/\/+$/, '')}/${name}`;
}

/** cat follows symlinks like createReadStream; gzip is undone here, so compressed bytes travel. */
export function catArgs(path: string): string[] {
  return ['cat', '--', path];
}

/**
 * readChunks must not follow a final symlink (LocalHost opens with O_NOFOLLOW): GNU dd's
 * iflag=nofollow does the same. `if=` takes the rest of the operand literally.
 */
export function noFollowReadArgs(path: string, statusNone = true): string[] {
  return ['dd', `if=${path}`, 'bs=1048576', 'iflag=nofollow', ...(statusNone ? ['status=none'] : [])];
}

/** One entry's lstat facts through find (no `stat -c` needed): the format listArgs uses per entry. */
export function findStatArgs(path: string): string[] {
  return ['find', safePath(path), '-maxdepth', '0', '-printf', FACTS];
}

/**
 * Many paths' lstat facts in one run: `find P... -maxdepth 0`, each printed as facts, a
 * space, the path as given, NUL. A missing path is a line on stderr and no record.
 */
export function findStatManyArgs(paths: readonly string[]): string[] {
  return ['find', ...paths.map(safePath), '-maxdepth', '0', '-printf', `${FACTS} `, '-print0'];
}

/** What findStatManyArgs printed, by the caller's path; a path with no record is not in the map. */
export function parseStatMany(paths: readonly string[], stdout: string): Map<string, FileInfo> {
  const byArg = new Map(paths.map((p) => [safePath(p), p]));
  const out = new Map<string, FileInfo>();
  for (const record of stdout.split('\0')) {
    const m = RECORD.exec(record);
    const path = m ? byArg.get(m[2]!) : undefined;
    if (!m || path === undefined) continue;
    const info = entryInfo(path, m[1]!);
    if (info) out.set(path, info);
  }
  return out;
}

/**
 * Many directories listed in one run: `find D1/ D2/... -maxdepth 1`, every record led by
 * its depth. Depth 0 is the directory itself (proof it was there and is one), the depth-1
 * records after it are its entries, in the order find walks the start points.
 */
export function listManyArgs(dirs: readonly string[]): string[] {
  return ['find', ...dirs.map(listStart), '-maxdepth', '1', '-printf', `%d ${FACTS} `, '-print0'];
}

function listStart(dir: string): string {
  return `${safePath(dir).replace(/\/+$/, '')}/`;
}

const DEPTH_RECORD = /^([01]) ((?:\S+ ){5}\S+) ([^]*)$/;

/** listManyArgs' output: per directory that answered, its entries (sorted); the others are left out. */
export function parseListMany(dirs: readonly string[], stdout: string): Map<string, ListedEntry[]> {
  const byStart = new Map(dirs.map((d) => [listStart(d), d]));
  const out = new Map<string, ListedEntry[]>();
  let current: { dir: string; entries: ListedEntry[] } | null = null;
  for (const record of stdout.split('\0')) {
    const m = DEPTH_RECORD.exec(record);
    if (!m) continue;
    if (m[1] === '0') {
      const dir = byStart.get(m[3]!);
      current = dir !== undefined && m[2]!.startsWith('d ') ? { dir, entries: [] } : null;
      if (current) out.set(dir!, current.entries);
      continue;
    }
    if (!current) continue;
    const name = m[3]!.slice(m[3]!.lastIndexOf('/') + 1);
    if (name !== '') current.entries.push({ name, info: entryInfo(joinPath(current.dir, name), m[2]!) });
  }
  for (const entries of out.values()) entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return out;
}

/** find's facts for one path (findStatArgs' output) as FileInfo. */
export function parseFindStat(path: string, stdout: string): FileInfo | null {
  const facts = stdout.endsWith('\0') ? stdout.slice(0, -1) : stdout;
  return entryInfo(path, facts);
}

const ERRNO_WORDS: Array<[string, string]> = [
  ['No such file or directory', 'ENOENT'],
  ['Permission denied', 'EACCES'],
  ['Is a directory', 'EISDIR'],
  ['Not a directory', 'ENOTDIR'],
  ['Too many levels of symbolic links', 'ELOOP'],
  ['Operation not permitted', 'EPERM'],
  ['Input/output error', 'EIO'],
];

/**
 * The errno behind a coreutils/find message ("cat: PATH: Permission denied"). Only the
 * text after the LAST ": " counts: the path before it is the attacker's and may contain
 * any of these words.
 */
export function errnoOf(stderr: string): string | null {
  for (const line of stderr.split('\n').reverse()) {
    const i = line.lastIndexOf(': ');
    if (i < 0) continue;
    const reason = line.slice(i + 2).trim();
    for (const [words, code] of ERRNO_WORDS) if (reason === words) return code;
  }
  return null;
}

export class RemoteFileError extends Error {
  readonly code: string;
  readonly path: string;

  constructor(code: string, path: string, what: string) {
    super(`${code}: ${what} ${path}`);
    this.name = 'RemoteFileError';
    this.code = code;
    this.path = path;
  }
}

/**
 * Files filtered on the remote side, one or many in one run (one request, one `sh`):
 * `dd iflag=nofollow | [zcat -f |] grep -a -n -F`, so only matching lines, with their
 * numbers, cross the network. Each file is opened exactly once, by dd with O_NOFOLLOW
 * (issue 12: no `[ -L ]` check before a read that follows the path), so a symlink swapped
 * in at any moment is refused (ELOOP) as readChunks refuses it; a missing or non-regular
 * file is refused before. sh has no pipefail: dd's, zcat's and grep's status words go
 * out on fd 3, so an unreadable file or a broken .gz is an error, not grep's "no match".
 * The file names and needles are positional parameters, never part of the script text.
 * Uses `zcat -f` for a name ending in .gz (the same rule as LocalHost's
 * readChunks; other names go straight to grep, one process less per file). After each
 * file's matching lines comes one trailer: `/STATUS LEN`, a newline, LEN bytes of that
 * file's stderr and a newline. grep's lines all start with a digit, so a trailer cannot be
 * confused with one; its length prefix (bytes: the agent runs with LC_ALL=C) makes the
 * stderr, which names the file, plain data. STATUS is 0 (lines), 1 (no match) or 2 (an
 * error: stderr says which). The status words travel on fd 3 in a capture of their own,
 * never mixed with the stderr that holds the attacker's file name. The needles travel as
 * one argument, newline-separated: a -F pattern list (POSIX), so no per-needle argument
 * has to be moved around the file names in "$@".
 */
export const GREP_MANY_SCRIPT =
  's=$1; p=$2; shift 2; exec 4>&1; ' +
  'r() { case $1 in *d0*) ;; *) return 2;; esac; case $1 in *z0*) ;; *) return 2;; esac; case $1 in *g0*) return 0;; *g1*) return 1;; *) return 2;; esac; }; ' +
  'for f do c=2; e="not a regular file: No such file or directory"; ' +
  'if [ -f "$f" ]; then case $f in ' +
  '*.gz) e=$( { st=$( { { dd if="$f" iflag=nofollow bs=1048576 $s; echo "d$?" >&3; } | { zcat -f; echo "z$?" >&3; } | LC_ALL=C grep -a -n -F -e "$p" >&4; echo "g$?"; } 3>&1 ); r "$st"; } 2>&1 ); c=$?;; ' +
  '*) e=$( { st=$( { { dd if="$f" iflag=nofollow bs=1048576 $s; echo "d$?" >&3; } | LC_ALL=C grep -a -n -F -e "$p" >&4; echo "g$?"; } 3>&1 ); r "z0 $st"; } 2>&1 ); c=$?;; ' +
  'esac; fi; printf \'/%s %s\\n%s\\n\' "$c" "${#e}" "$e"; done';

/** `sh -c GREP_MANY_SCRIPT sh STATUS NEEDLES FILE...`: needles joined by newlines (a -F list). */
export function grepManyArgs(paths: readonly string[], needles: readonly string[], statusNone = true): string[] {
  if (needles.length === 0) throw new RangeError('grepManyArgs: at least one needle');
  if (needles.some((n) => n === '')) throw new RangeError('grepManyArgs: an empty needle matches everything');
  return ['sh', '-c', GREP_MANY_SCRIPT, 'sh', statusNone ? 'status=none' : '', needles.join('\n'), ...paths];
}

export type GrepManyEvent =
  | { type: 'line'; lineNo: number; text: string; cut: boolean }
  /** one file is done: `status` 0/1 fine, else an error whose class is in `stderr` */
  | { type: 'end'; status: number; stderr: string };

/** a file's stderr longer than this is not a trailer GREP_MANY_SCRIPT writes: a broken stream */
const MAX_TRAILER_STDERR = 1024 * 1024;

/**
 * GREP_MANY_SCRIPT's output, fed in chunks cut anywhere, as events. Matching lines longer
 * than `maxLineBytes` (after grep's "N:" prefix) are cut and flagged like splitLines cuts
 * them; memory stays one capped line.
 */
export class GrepManyParser {
  private parts: Buffer[] = [];
  private held = 0;
  private cut = false;
  /** bytes of a trailer's stderr still expected (+1 for its newline); -1: reading lines */
  private want = -1;
  private status = 0;

  constructor(private readonly maxLineBytes: number) {}

  push(chunk: Buffer): GrepManyEvent[] {
    const out: GrepManyEvent[] = [];
    let start = 0;
    while (start < chunk.length) {
      if (this.want >= 0) {
        const take = Math.min(this.want - this.held, chunk.length - start);
        this.parts.push(chunk.subarray(start, start + take));
        this.held += take;
        start += take;
        if (this.held < this.want) break;
        const body = Buffer.concat(this.parts, this.held);
        if (body[body.length - 1] !== 0x0a) throw new AgentStreamError('a file trailer of the remote filter did not end as announced');
        out.push({ type: 'end', status: this.status, stderr: body.toString('utf8', 0, body.length - 1) });
        this.reset();
        continue;
      }
      const nl = chunk.indexOf(0x0a, start);
      const stop = nl === -1 ? chunk.length : nl;
      const room = this.maxLineBytes - this.held;
      const take = Math.max(0, Math.min(room, stop - start));
      if (take > 0) {
        this.parts.push(chunk.subarray(start, start + take));
        this.held += take;
      }
      if (stop - start > take) this.cut = true;
      if (nl === -1) break;
      start = nl + 1;
      this.line(out);
    }
    return out;
  }

  /** The stream ended: anything left over means it was cut short. */
  end(): void {
    if (this.want >= 0 || this.held > 0 || this.cut) throw new AgentStreamError('the remote filter\'s output ended in the middle of a file');
  }

  private line(out: GrepManyEvent[]): void {
    const buf = Buffer.concat(this.parts, this.held);
    const cut = this.cut;
    this.reset();
    if (buf[0] === 0x2f /* '/' */) {
      const m = /^\/(\d{1,3}) (\d{1,8})$/.exec(buf.toString('latin1'));
      if (!m || cut || Number(m[2]) > MAX_TRAILER_STDERR) throw new AgentStreamError('a file trailer of the remote filter is malformed');
      this.status = Number(m[1]);
      this.want = Number(m[2]) + 1;
      return;
    }
    let end = buf.length;
    if (end > 0 && buf[end - 1] === 0x0d) end -= 1; // tolerate CRLF, as splitLines does
    const text = buf.toString('utf8', 0, end);
    const colon = text.indexOf(':');
    const lineNo = colon > 0 ? Number(text.slice(0, colon)) : NaN;
    if (!Number.isSafeInteger(lineNo) || lineNo < 1) return;
    out.push({ type: 'line', lineNo, text: text.slice(colon + 1), cut });
  }

  private reset(): void {
    this.parts = [];
    this.held = 0;
    this.cut = false;
    this.want = -1;
  }
}

export class AgentStreamError extends Error {
  readonly code = 'EIO';
  constructor(message: string) {
    super(message);
    this.name = 'AgentStreamError';
  }
}
