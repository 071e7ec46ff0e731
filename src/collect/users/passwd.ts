/**
 * uid -> account, the `grep 4079 /etc/passwd` step. Live: `getent passwd UID...` for the uids
 * we actually need (getent also sees LDAP/NSS users, and asking per uid avoids enumerating
 * a directory of thousands). Offline: a saved passwd file.
 */
import type { Host } from '../../host/host';
import type { SystemUser, UserDirectory } from '../../domain/users';
import { SkipTally } from '../skip-tally';
import { SpamtraceError } from '../../errors';

/** Parses one passwd line; null when it is not one. */
export function parsePasswdLine(line: string): SystemUser | null {
  const f = line.split(':');
  if (f.length !== 7) return null;
  const [login, , uid, gid, gecos, home, shell] = f as [string, string, string, string, string, string, string];
  if (!/^[A-Za-z0-9_.][A-Za-z0-9_.@-]{0,63}\$?$/.test(login)) return null;
  if (!/^\d{1,10}$/.test(uid) || !/^\d{1,10}$/.test(gid)) return null;
  return { login, uid: Number(uid), gid: Number(gid), gecos, home, shell };
}

/**
 * What a failed `getent passwd` does (it could not run, exited other than 0 or 2, or printed
 * a line that is no entry for a key asked): 'pass' gives what was found, as for a key that
 * has no account; `warn` reports each failure and goes on; `throw` throws the first.
 */
export type GetentFailure = 'pass' | { warn: (why: string) => void } | { throw: (why: string) => Error };

/** What getent's run left: Host.run's result, or spawnSync's as { code: status, stdout, spawnError }. */
export interface GetentRun {
  code: number | null;
  stdout: string;
  spawnError?: { code: string };
}

/**
 * The accounts `getent passwd KEY...` printed for the keys asked (logins or uids), in its
 * order. Exit 2 means some key has no account: those are simply absent. One reader for
 * every caller; what a failure means is the caller's (`onFailure`).
 */
export function accountsFromGetent(r: GetentRun, keys: readonly (string | number)[], onFailure: GetentFailure): SystemUser[] {
  const fail = (why: string): void => {
    if (onFailure === 'pass') return;
    if ('warn' in onFailure) onFailure.warn(why);
    else throw onFailure.throw(why);
  };
  if (r.spawnError) {
    fail(`getent could not run: ${r.spawnError.code}`);
    return [];
  }
  // a login key must come back as that login, a uid key as that uid: nothing else is believed
  const logins = new Set(keys.filter((k): k is string => typeof k === 'string'));
  const uids = new Set(keys.filter((k): k is number => typeof k === 'number'));
  const found: SystemUser[] = [];
  for (const line of r.stdout.split('\n')) {
    if (line === '') continue;
    const u = parsePasswdLine(line);
    if (u && (logins.delete(u.login) || uids.delete(u.uid))) {
      found.push(u);
    } else {
      fail('getent gave no usable answer');
    }
  }
  if (r.code !== 0 && r.code !== 2) fail(`getent failed (exit ${r.code ?? 'by signal'})`);
  return found;
}

/** The one account getent printed for `key`; null when it has none (or a failure was passed or warned). */
export function accountFromGetent(r: GetentRun, key: string | number, onFailure: GetentFailure): SystemUser | null {
  return accountsFromGetent(r, [key], onFailure)[0] ?? null;
}

/** `getent passwd -- KEY` on the host: one account by login or uid (NSS and LDAP users too). */
export async function getentAccount(host: Host, key: string | number, onFailure: GetentFailure): Promise<SystemUser | null> {
  const r = await host.run('getent', ['passwd', '--', String(key)], { timeoutMs: 10_000 });
  return accountFromGetent(r, key, onFailure);
}

export class MapUserDirectory implements UserDirectory {
  private readonly users = new Map<number, SystemUser>();

  constructor(users: Iterable<SystemUser>) {
    // first entry wins, as in getpwuid()
    for (const u of users) if (!this.users.has(u.uid)) this.users.set(u.uid, u);
  }

  byUid(uid: number): SystemUser | undefined {
    return this.users.get(uid);
  }
}

export async function readPasswdFile(host: Host, path: string, skipped: SkipTally): Promise<MapUserDirectory> {
  const users: SystemUser[] = [];
  try {
    for await (const line of host.readLines(path, { maxLineBytes: 4096 })) {
      if (line.text.trim() === '' || line.text.startsWith('#')) continue;
      const u = line.cut ? null : parsePasswdLine(line.text);
      if (u) users.push(u);
      else skipped.add('passwd line', `not a passwd entry in ${path}`);
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new SpamtraceError('E_PASSWD_FILE', `cannot read passwd file ${path}: ${code}`);
  }
  return new MapUserDirectory(users);
}

/** uids per getent run: a short command line, and one round trip for a scan's usual few. */
const UIDS_PER_LOOKUP = 100;

/**
 * Looks up the uids with getent, many per run (`getent passwd 4079 10002 ...`: one line
 * per key it found, in the order asked, exit 2 when some were not); over SSH that is one
 * round trip, not one per uid. uids without an account stay unknown.
 */
export async function lookupUids(host: Host, uids: Iterable<number>, skipped: SkipTally): Promise<MapUserDirectory> {
  const wanted = [...new Set([...uids].filter((uid) => Number.isInteger(uid) && uid >= 0))];
  const found: SystemUser[] = [];
  for (let i = 0; i < wanted.length; i += UIDS_PER_LOOKUP) {
    const part = wanted.slice(i, i + UIDS_PER_LOOKUP);
    const r = await host.run('getent', ['passwd', ...part.map(String)], { timeoutMs: 10_000 + 100 * part.length });
    found.push(...accountsFromGetent(r, part, { warn: (why) => skipped.add('uid lookup', why) }));
  }
  return new MapUserDirectory(found);
}
