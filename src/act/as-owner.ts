/**
 * File operations inside a tree a site user can write, done *as that user*: a child process
 * with the user's uid, primary gid and groups (setpriv --reuid --regid --init-groups,
 * no-new-privs), so whatever the user swaps in (a symlink for the file or for any parent
 * directory, at any moment) the operation has only the user's own rights. There is no
 * check-then-act window to win, because root never opens, creates, renames, chowns or
 * unlinks anything by a path in that tree; it only reads and writes pipes.
 *
 * Node has no openat/renameat, so doing the same in-process as root would always leave a
 * gap between the check and the use; a child that *is* the user needs none. The children
 * are /bin/sh with coreutils (stat, cat, dd, chmod, touch, unlink): constant scripts, every
 * value a positional argument, never part of the script text. They start in milliseconds,
 * where a Node child takes a tenth of a second or more on a loaded host.
 *
 * Nothing a child says is trusted beyond what the user could do anyway: root checks the
 * bytes it receives against the planned sha256 and size, and the facts (device, inode,
 * owner, type) against the plan, and the user may kill or stop the child (a timeout ends it).
 */
import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { refused, stepFailed } from './act-errors';
import { accountFromGetent } from '../collect/users/passwd';

/** The account a child runs as: never root, never with group root. */
export interface Account {
  name: string;
  uid: number;
  gid: number;
}

/** What fstat/lstat said about the file, as the user saw it. Device and inode stay strings: inodes can pass 2^53. */
export interface FileFacts {
  regular: boolean;
  dev: string;
  ino: string;
  uid: number;
  gid: number;
  /** permission bits with setuid/setgid/sticky */
  mode: number;
  size: number;
  nlink: number;
  /** seconds since the epoch with nine decimals, as stat prints and touch takes them */
  atime: string;
  mtime: string;
}

const FACTS = '%f %d %i %u %g %s %h %.9X %.9Y';
const ENV = { PATH: '/usr/bin:/bin', LC_ALL: 'C' };
const TIME = /^\d{1,12}\.\d{9}$/;

/**
 * Read: open once, fstat that descriptor, stream that descriptor. The pre-check keeps a
 * FIFO or device from being opened at all in the common case; if one is swapped in, the
 * fstat line says so and root stops reading (or the timeout ends a blocked open).
 */
const READ = `[ -f "$1" ] && [ ! -L "$1" ] || exit 12
exec 3<"$1" || exit 10
stat -c '${FACTS}' - <&3 || exit 11
exec cat <&3`;

/** Unlink, only if the name still leads to the inode root copied (lstat: a symlink is another inode). */
const UNLINK = `[ "$(stat -c '%d:%i' -- "$1")" = "$2" ] || exit 12
exec unlink -- "$1"`;

/**
 * Create: O_CREAT|O_EXCL|O_NOFOLLOW (dd conv=excl oflag=nofollow), never over an existing
 * name or through a symlink at the name; then group, mode and times, then lstat for root.
 * umask 077 so the bytes are never readable by others before chmod. A directory that is
 * now reached through a symlink is refused (the user could redirect it only within their
 * own rights, but the file belongs where it was, not wherever the link points): `cd -P`
 * resolves every link, so $PWD differs from the path when any part of it is one.
 */
const CREATE = `umask 077
dir=\${1%/*}
cd -P -- "\${dir:-/}" 2>/dev/null && [ "$PWD" = "\${dir:-/}" ] || exit 17
if [ -e "$1" ] || [ -L "$1" ]; then exit 13; fi
dd of="$1" oflag=nofollow conv=excl,fsync bs=65536 status=none || exit 14
[ -z "$5" ] || chgrp -h "$5" -- "$1" 2>/dev/null
chmod "$2" -- "$1" || exit 15
touch -h -a -d "@$3" -- "$1" && touch -h -m -d "@$4" -- "$1" || exit 16
exec stat -c '${FACTS}' -- "$1"`;

/** Looked up at most once a minute per uid: one action asks several times within a second. */
const ACCOUNT_TTL_MS = 60_000;
const accounts = new Map<number, { account: Account; at: number }>();

/** The account of a uid from the system's user database; refused when the child could be root. */
export async function accountOf(uid: number): Promise<Account> {
  if (!Number.isSafeInteger(uid) || uid < 0) throw refused(`uid ${uid} is not a user id`);
  if (uid === 0) throw refused('the file is owned by root: spamtrace acts inside a site\'s tree only as the site\'s user, never as root; move it by hand');
  const known = accounts.get(uid);
  if (known && Date.now() - known.at < ACCOUNT_TTL_MS) return known.account;
  const account = await lookUpAccount(uid);
  accounts.set(uid, { account, at: Date.now() });
  return account;
}

async function lookUpAccount(uid: number): Promise<Account> {
  const r = await run('getent', ['passwd', '--', String(uid)], { timeoutMs: 10_000 });
  const none = () => refused(`uid ${uid} has no account on this server: spamtrace acts inside a site's tree only as its owner`);
  const u = accountFromGetent(r, uid, { throw: none });
  if (!u) throw none();
  if (u.gid === 0) throw refused(`the account of uid ${uid} has group root: not acting as it`);
  return { name: u.login, uid, gid: u.gid };
}

/** Reads a file as its owner: the facts of the opened descriptor, then its bytes into `sink`, at most `maxBytes`. */
export async function readAsOwner(account: Account, path: string, sink: (chunk: Buffer) => void | Promise<void>, maxBytes: number): Promise<FileFacts> {
  let facts: FileFacts | null = null;
  let header = Buffer.alloc(0);
  let received = 0;
  let problem: Error | null = null;
  const r = await asOwner(account, READ, [path], {
    timeoutMs: timeoutFor(maxBytes),
    onStdout: async (chunk, stop) => {
      if (problem) return;
      let data = chunk;
      if (!facts) {
        header = Buffer.concat([header, data]);
        const nl = header.indexOf(0x0a);
        if (nl < 0) {
          if (header.length > 512) {
            problem = stepFailed(`${path}: unreadable answer from the owner's reader`);
            stop();
          }
          return;
        }
        facts = parseFacts(header.subarray(0, nl).toString('latin1'), path);
        data = header.subarray(nl + 1);
        if (!facts.regular) {
          problem = refused(`${path} is not a regular file (any more): not reading it`);
          stop();
          return;
        }
      }
      received += data.length;
      if (received > maxBytes || received > facts.size) {
        problem = stepFailed(`${path} grew while it was read: plan again`);
        stop();
        return;
      }
      if (data.length > 0) await sink(data);
    },
  });
  if (problem) throw problem;
  if (r.code === 12) throw refused(`${path} is not a regular file (a symlink, directory or device, or gone): not reading it`);
  if (r.code !== 0 || !facts) throw stepFailed(`${path}: reading as ${account.name} failed${r.timedOut ? ' (timed out)' : ''}: ${r.stderr.trim().slice(0, 300) || `exit ${r.code}`}`);
  const f = facts as FileFacts;
  if (received !== f.size) throw stepFailed(`${path} changed size while it was read (${received} of ${f.size} bytes): plan again`);
  return f;
}

/** Removes `path` as its owner if the name still leads to inode `dev:ino`; false when it does not (moved or replaced). */
export async function unlinkAsOwner(account: Account, path: string, dev: string, ino: string): Promise<boolean> {
  const r = await asOwner(account, UNLINK, [path, `${dev}:${ino}`], { timeoutMs: 30_000 });
  if (r.code === 12) return false;
  if (r.code !== 0) throw stepFailed(`${path}: removing as ${account.name} failed: ${r.stderr.trim().slice(0, 300) || `exit ${r.code}`}`);
  return true;
}

export interface CreateMeta {
  mode: number;
  gid: number;
  atime: string;
  mtime: string;
}

/** Creates `path` as its owner from `source` (never over an existing name); the lstat facts of what it made. */
export async function createAsOwner(account: Account, path: string, source: Readable, size: number, meta: CreateMeta): Promise<FileFacts> {
  if (!TIME.test(meta.atime) || !TIME.test(meta.mtime)) throw stepFailed(`bad recorded times ${meta.atime} / ${meta.mtime}`);
  const mode = (meta.mode & 0o7777).toString(8).padStart(4, '0');
  // the group is changed only when it is not the account's own (a file's usual group)
  const group = meta.gid === account.gid ? '' : String(meta.gid);
  const r = await asOwner(account, CREATE, [path, mode, meta.atime, meta.mtime, group], { timeoutMs: timeoutFor(size), stdin: source });
  if (r.code === 13) throw refused(`${path} exists again: not overwriting it`);
  if (r.code === 17) throw refused(`the directory of ${path} is gone or now reached through a symlink: not restoring into it`);
  if (r.code === 14) throw stepFailed(`${path}: ${account.name} cannot create it (${r.stderr.trim().slice(0, 300) || 'dd failed'}): is its directory still there and the user's?`);
  if (r.code !== 0) throw stepFailed(`${path}: restoring as ${account.name} failed${r.timedOut ? ' (timed out)' : ''}: ${r.stderr.trim().slice(0, 300) || `exit ${r.code}`}`);
  return parseFacts(r.stdout.split('\n')[0] ?? '', path);
}

function parseFacts(line: string, path: string): FileFacts {
  const m = /^([0-9a-f]{1,8}) (\d{1,20}) (\d{1,20}) (\d{1,10}) (\d{1,10}) (\d{1,20}) (\d{1,10}) (\d{1,12}\.\d{9}) (\d{1,12}\.\d{9})$/.exec(line);
  if (!m) throw stepFailed(`${path}: unreadable file facts from the owner's process`);
  const raw = parseInt(m[1]!, 16);
  return {
    regular: (raw & 0o170000) === 0o100000,
    dev: m[2]!,
    ino: m[3]!,
    uid: Number(m[4]),
    gid: Number(m[5]),
    mode: raw & 0o7777,
    size: Number(m[6]),
    nlink: Number(m[7]),
    atime: m[8]!,
    mtime: m[9]!,
  };
}

/** A minute plus a second per MiB: generous on a loaded host, still an end when the user stops the child. */
function timeoutFor(bytes: number): number {
  return 60_000 + Math.ceil(bytes / (1 << 20)) * 1000;
}

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

interface RunOptions {
  timeoutMs: number;
  stdin?: Readable;
  /** stdout chunks in order; the child waits (backpressure) while one is handled; stop() kills it */
  onStdout?: (chunk: Buffer, stop: () => void) => Promise<void>;
}

function asOwner(account: Account, script: string, args: string[], o: RunOptions): Promise<RunResult> {
  if (account.uid === 0 || account.gid === 0) throw refused('refusing to run a site-tree operation as root');
  const argv = ['--reuid', String(account.uid), '--regid', String(account.gid), '--init-groups', '--no-new-privs', '--', '/bin/sh', '-c', script, 'spamtrace-as-owner', ...args];
  return run('setpriv', argv, o);
}

function run(program: string, args: string[], o: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { cwd: '/', env: ENV, stdio: [o.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let settled = false;
    const stop = (): void => {
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, o.timeoutMs);
    child.on('error', (e) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(stepFailed(`${program}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'not installed' : e.message}`));
    });
    child.stderr!.on('data', (c: Buffer) => {
      if (stderr.length < 4096) stderr += c.toString('utf8');
    });
    const out = child.stdout!;
    if (o.onStdout) {
      // one chunk at a time: the pipe fills and the child waits while root writes its copy
      let chain = Promise.resolve();
      out.on('data', (c: Buffer) => {
        out.pause();
        chain = chain.then(() => o.onStdout!(c, stop)).then(
          () => void out.resume(),
          (e: unknown) => {
            stop();
            if (!settled) {
              settled = true;
              clearTimeout(timer);
              reject(e);
            }
          },
        );
      });
      child.on('close', (code) => {
        void chain.then(() => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({ code, stdout, stderr, timedOut });
        });
      });
    } else {
      out.on('data', (c: Buffer) => {
        if (stdout.length < 65536) stdout += c.toString('utf8');
      });
      child.on('close', (code) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ code, stdout, stderr, timedOut });
      });
    }
    if (o.stdin) {
      const sink = child.stdin as Writable;
      // the child may exit early (name exists): its closed pipe is not our error
      sink.on('error', () => undefined);
      o.stdin.on('error', () => stop());
      o.stdin.pipe(sink);
    }
  });
}
