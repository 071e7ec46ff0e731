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
 * `dd iflag=nofollow | zcat -f | grep -n -F -e N...` on the remote side: only matching
 * lines, with their numbers, cross the network. The file is opened exactly once, by dd
 * with O_NOFOLLOW (issue 12: no `[ -L ]` check before a read that follows the path), so
 * a symlink swapped in at any moment is refused (ELOOP) as readChunks refuses it. A
 * missing or non-regular file is refused before. grep's "no match" (1) is a normal end,
 * anything above an error, and so is a failing dd or zcat (unreadable file, broken .gz).
 * The file name and needles are positional parameters, never part of the script text.
 */
export const GREP_SCRIPT =
  'f=$1; s=$2; shift 2; if [ ! -f "$f" ]; then printf \'grep: %s: No such file or directory\' "$f" >&2; echo >&2; exit 2; fi; ' +
  // sh has no pipefail: dd's and zcat's status go out on fd 3 next to grep's, so a file that
  // cannot be read or a broken .gz is an error (2), not grep's "no match" (1)
  '{ st=$( { { dd if="$f" iflag=nofollow bs=1048576 $s; echo "d$?" >&3; } | { zcat -f; echo "z$?" >&3; } | LC_ALL=C grep -a -n -F "$@" >&4; echo "g$?"; } 3>&1 ); } 4>&1; ' +
  'case $st in *d0*) ;; *) exit 2;; esac; case $st in *z0*) ;; *) exit 2;; esac; case $st in *g0*) exit 0;; *g1*) exit 1;; *) exit 2;; esac';

/** `statusNone`: the remote dd knows status=none (else its counts go to stderr, ignored on success). */
export function grepArgs(path: string, needles: readonly string[], statusNone = true): string[] {
  if (needles.length === 0) throw new RangeError('grepArgs: at least one needle');
  return ['sh', '-c', GREP_SCRIPT, 'sh', path, statusNone ? 'status=none' : '', ...needles.flatMap((n) => ['-e', n])];
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
