/**
 * Reading and replacing a small config file (main.cf, an access map) on any Host, with
 * constant POSIX sh scripts run through `host.run`: the same code on the local machine
 * and over SSH, where Node's fs cannot reach. Every value (path, owner, the expected
 * state) is a positional parameter, never script text; the new bytes go on stdin and
 * cross byte for byte (a latin1 main.cf stays latin1).
 *
 * - read: the file's lstat facts (`stat -c`), its bytes as hex (`od`, POSIX; base64 is
 *   not on coreutils 5), the facts again; a file replaced while it was read is read
 *   again. The facts line is the file's *identity*: size, mode, owner, device, inode,
 *   mtime and ctime (to the ns where stat prints them).
 * - replace: refused (exit 3, nothing written) unless the file's identity is still the
 *   one the caller read (or, for a new file, there is still none): a change made by
 *   someone else since is never overwritten. Otherwise a temporary file next to it,
 *   created with O_EXCL (`set -C`), filled from stdin, chown/chmod to the given owner and
 *   mode, fsynced, checked again, renamed over the file (a new file: hard-linked, which
 *   fails if one appeared), the directory fsynced. Then the file is read back here and
 *   its hash, owner and mode compared with what was meant.
 * - remove: the same identity check, then rm.
 *
 * fsync: `sync FILE` (coreutils >= 8.24) syncs that file; older sync ignores its
 * arguments and syncs everything, which is slower but as safe.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Host, RunResult } from './host';

/** A file as a plan records it: config files are small, so the bytes themselves (base64). */
export interface FileState {
  exists: boolean;
  /** base64 of the bytes */
  content: string | null;
  sha256: string | null;
  mode: number | null;
  uid: number | null;
  gid: number | null;
}

export interface ReadFile {
  state: FileState;
  /** the lstat facts line (opaque; compared as text); null when the file does not exist */
  identity: string | null;
}

export interface Owner {
  mode: number;
  uid: number;
  gid: number;
}

export type FileEditProblem = 'changed' | 'not-regular' | 'failed';

export class FileEditError extends Error {
  constructor(
    readonly problem: FileEditProblem,
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'FileEditError';
  }
}

/** Files larger than this are not config files: refused before a byte is read. */
export const MAX_EDIT_BYTES = 4 * 1024 * 1024;

/** size, raw mode (hex), uid, gid, then what changes with any write or replacement. */
const FACTS = '%s %f %u %g %d %i %Y %Z %y %z';

const READ_SCRIPT = [
  'f=$1; max=$2; F=$3',
  'if [ -L "$f" ]; then echo "not-regular: a symlink" >&2; exit 3; fi',
  'if [ ! -e "$f" ]; then echo absent; exit 0; fi',
  'if [ ! -f "$f" ]; then echo "not-regular: not a regular file" >&2; exit 3; fi',
  'a=$(stat -c "$F" -- "$f") || exit 4',
  'case $a in [0-9]*) ;; *) exit 4;; esac',
  'if [ "${a%% *}" -gt "$max" ]; then echo "too large: ${a%% *} bytes" >&2; exit 4; fi',
  'printf "%s\\n" "$a"',
  'od -A n -t x1 -v -- "$f" || exit 4',
  'b=$(stat -c "$F" -- "$f") || exit 4',
  // replaced or written while od read it: the caller reads again
  'if [ "$a" != "$b" ]; then exit 5; fi',
].join('\n');

/** Shared by replace and remove: is the file still what the caller read? */
const SAME = [
  'same() {',
  '  if [ "$want" = - ]; then [ ! -e "$f" ] && [ ! -L "$f" ]; return; fi',
  '  [ ! -L "$f" ] && [ -f "$f" ] && [ "$(stat -c "$F" -- "$f" 2>/dev/null)" = "$want" ]',
  '}',
].join('\n');

const REPLACE_SCRIPT = [
  'umask 077',
  'f=$1; want=$2; mode=$3; own=$4; sfx=$5; F=$6',
  SAME,
  'case $f in /*) ;; *) exit 4;; esac',
  'd=${f%/*}; if [ -z "$d" ]; then d=/; fi',
  't=$d/.${f##*/}.spamtrace-$sfx',
  'if ! same; then echo "changed: changed since it was read" >&2; exit 3; fi',
  // noclobber: the redirection opens with O_CREAT|O_EXCL, an existing name (or a link) fails
  'set -C',
  'exec 3>"$t" || exit 4',
  'set +C',
  "trap 'rm -f -- \"$t\"' EXIT",
  'cat >&3 || exit 4',
  'exec 3>&-',
  'chown -- "$own" "$t" || exit 4',
  'chmod -- "$mode" "$t" || exit 4',
  'sync -- "$t" 2>/dev/null || sync',
  'if ! same; then echo "changed: changed while the new content was written" >&2; exit 3; fi',
  'if [ "$want" = - ]; then',
  // a new file: link fails when a file of that name appeared meanwhile (no clobbering)
  '  if ! ln -- "$t" "$f" 2>/dev/null; then if [ -e "$f" ] || [ -L "$f" ]; then echo "changed: created meanwhile" >&2; exit 3; fi; exit 4; fi',
  '  rm -f -- "$t"',
  'else',
  '  mv -f -- "$t" "$f" || exit 4',
  'fi',
  'trap - EXIT',
  'sync -- "$d" 2>/dev/null || sync',
].join('\n');

const REMOVE_SCRIPT = [
  'f=$1; want=$2; F=$3',
  SAME,
  'if [ ! -e "$f" ] && [ ! -L "$f" ]; then exit 0; fi',
  'if [ "$want" = "*" ]; then if [ -L "$f" ]; then echo "not-regular: a symlink" >&2; exit 3; fi',
  'elif ! same; then echo "changed: changed since it was read" >&2; exit 3; fi',
  'rm -f -- "$f" || exit 4',
  'd=${f%/*}; if [ -z "$d" ]; then d=/; fi',
  'sync -- "$d" 2>/dev/null || sync',
].join('\n');

const TIMEOUT_MS = 120_000;

function checkPath(path: string): void {
  if (!path.startsWith('/') || path.includes('\0') || path.split('/').includes('..') || path.endsWith('/')) {
    throw new FileEditError('failed', path, `not a plain absolute file path: ${JSON.stringify(path.slice(0, 120))}`);
  }
}

function said(r: RunResult): string {
  // eslint-disable-next-line no-control-regex
  const text = (r.spawnError?.message ?? r.stderr).replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return text.length > 300 ? `${text.slice(0, 300)}...` : text || `exit ${r.code ?? r.signal}`;
}

function failure(host: Host, path: string, doing: string, r: RunResult): FileEditError {
  const text = said(r);
  if (r.code === 3 && text.startsWith('changed')) return new FileEditError('changed', path, `${host.name}: ${path} ${text.replace(/^changed: /, '')}: not overwritten; plan again`);
  if (r.code === 3 && text.startsWith('not-regular')) return new FileEditError('not-regular', path, `${host.name}: ${path} is ${text.replace(/^not-regular: /, '')}: not touching it`);
  return new FileEditError('failed', path, `${host.name}: ${doing} ${path} failed: ${text}`);
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

const ABSENT: FileState = { exists: false, content: null, sha256: null, mode: null, uid: null, gid: null };

/** The facts line's leading fields. */
function parseFacts(line: string): { size: number; mode: number; uid: number; gid: number } | null {
  const m = /^(\d+) ([0-9a-f]+) (\d+) (\d+) /.exec(line);
  return m ? { size: Number(m[1]), mode: parseInt(m[2]!, 16) & 0o7777, uid: Number(m[3]), gid: Number(m[4]) } : null;
}

/** od's hex lines as bytes. */
function hexBytes(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ''), 'hex');
}

/** The file's bytes, owner and mode, and its identity; a symlink or a non-regular file is refused. */
export async function readFileOn(host: Host, path: string): Promise<ReadFile> {
  checkPath(path);
  for (let attempt = 0; ; attempt++) {
    const r = await host.run('sh', ['-c', READ_SCRIPT, 'spamtrace-read', path, String(MAX_EDIT_BYTES), FACTS], { timeoutMs: TIMEOUT_MS, maxOutputBytes: MAX_EDIT_BYTES * 4 });
    if (r.code === 5 && attempt < 3) continue;
    if (r.code !== 0 || r.truncated) throw failure(host, path, 'reading', r);
    const nl = r.stdout.indexOf('\n');
    const first = nl === -1 ? r.stdout : r.stdout.slice(0, nl);
    if (first === 'absent') return { state: { ...ABSENT }, identity: null };
    const facts = parseFacts(first);
    if (!facts) throw new FileEditError('failed', path, `${host.name}: stat printed something unexpected for ${path}`);
    const bytes = hexBytes(r.stdout.slice(nl + 1));
    if (bytes.length !== facts.size) throw new FileEditError('failed', path, `${host.name}: read ${bytes.length} of ${facts.size} bytes of ${path}`);
    return {
      state: { exists: true, content: bytes.toString('base64'), sha256: sha256(bytes), mode: facts.mode, uid: facts.uid, gid: facts.gid },
      identity: first,
    };
  }
}

function checkOwner(o: Owner, path: string): void {
  const whole = (n: number, max: number): boolean => Number.isInteger(n) && n >= 0 && n <= max;
  if (!whole(o.mode, 0o7777) || !whole(o.uid, 4294967294) || !whole(o.gid, 4294967294)) {
    throw new FileEditError('failed', path, `not a mode and owner: ${JSON.stringify(o)}`);
  }
}

/**
 * Replaces `path` with `bytes` (owner and mode as given) when it is still `expect` (the
 * identity readFileOn gave; null: the file must not exist). Returns the file as read
 * back afterwards, which must be exactly what was meant.
 */
export async function replaceFileOn(host: Host, path: string, bytes: Buffer, owner: Owner, expect: string | null, options: { tempSuffix?: string } = {}): Promise<ReadFile> {
  checkPath(path);
  checkOwner(owner, path);
  const suffix = options.tempSuffix ?? randomBytes(12).toString('hex');
  if (!/^[0-9a-z]{1,40}$/.test(suffix)) throw new FileEditError('failed', path, 'a temporary file suffix is hex');
  const args = [path, expect ?? '-', owner.mode.toString(8).padStart(4, '0'), `${owner.uid}:${owner.gid}`, suffix, FACTS];
  const r = await host.run('sh', ['-c', REPLACE_SCRIPT, 'spamtrace-replace', ...args], { input: bytes, timeoutMs: TIMEOUT_MS });
  if (r.code !== 0) throw failure(host, path, 'replacing', r);
  const back = await readFileOn(host, path);
  const s = back.state;
  if (!s.exists || s.sha256 !== sha256(bytes) || s.mode !== owner.mode || s.uid !== owner.uid || s.gid !== owner.gid) {
    throw new FileEditError(
      'failed',
      path,
      `${host.name}: ${path} read back after the write is not what was written (sha256 ${s.sha256 ?? 'none'}, mode ${s.mode?.toString(8) ?? '-'}, owner ${s.uid ?? '-'}:${s.gid ?? '-'})`,
    );
  }
  return back;
}

/** Removes `path` when it is still `expect` ('*': whatever it is, unless a symlink); gone already is fine. */
export async function removeFileOn(host: Host, path: string, expect: string | '*'): Promise<void> {
  checkPath(path);
  const r = await host.run('sh', ['-c', REMOVE_SCRIPT, 'spamtrace-remove', path, expect, FACTS], { timeoutMs: TIMEOUT_MS });
  if (r.code !== 0) throw failure(host, path, 'removing', r);
}
