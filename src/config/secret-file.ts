/**
 * Secrets (the Plesk API key, a Confixx database password, the panel signing key) each
 * live in a file of their own, never in the config. A secret file must be a regular file
 * (no symlink), mode 0600 or stricter, owned by root, or for the panel signing key also by
 * the panel's PHP user (Plesk runs its panel PHP as psaadm, which must read the key to
 * sign; root reads it anyway). Anything else is refused with the reason: a key others can
 * read lets them act as the admin, a file others own can be swapped.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { accountFromGetent } from '../collect/users/passwd';
import { secretFileError } from './config-error';

const MAX_SECRET_BYTES = 64 * 1024;

export type SecretFileState =
  | { state: 'ok'; bytes: number }
  | { state: 'missing' }
  | { state: 'unsafe'; problem: string };

/** Whether the file would be accepted, without reading its content (for `config print`). */
export function checkSecretFile(path: string, allowedOwners: readonly number[]): SecretFileState {
  let fd: number;
  try {
    fd = openSecret(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing' };
    return { state: 'unsafe', problem: openProblem(e) };
  }
  try {
    const st = fstatSync(fd);
    const problem = statProblem(st, allowedOwners);
    return problem ? { state: 'unsafe', problem } : { state: 'ok', bytes: st.size };
  } finally {
    closeSync(fd);
  }
}

/**
 * The secret's bytes, one trailing newline removed. `what` names it in errors
 * ("Plesk API key"). The checks run on the opened descriptor, so the file checked is the
 * file read.
 */
export function readSecretFile(path: string, what: string, allowedOwners: readonly number[], minBytes = 1): Buffer {
  let fd: number;
  try {
    fd = openSecret(path);
  } catch (e) {
    throw secretFileError(`${what} (${path}): ${openProblem(e)}`);
  }
  try {
    const st = fstatSync(fd);
    const problem = statProblem(st, allowedOwners);
    if (problem) throw secretFileError(`${what} (${path}): ${problem}`);
    const buf = Buffer.alloc(Math.min(st.size, MAX_SECRET_BYTES));
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, off);
      if (n === 0) break;
      off += n;
    }
    let secret = buf.subarray(0, off);
    if (secret.at(-1) === 0x0a) secret = secret.subarray(0, -1);
    if (secret.length < minBytes) {
      throw secretFileError(`${what} (${path}): holds ${secret.length} bytes, at least ${minBytes} needed`);
    }
    return secret;
  } finally {
    closeSync(fd);
  }
}

/** root, plus the named system user when it exists (the panel's PHP user). */
export function ownersAllowed(extraUser: string | null, lookupUid: (name: string) => number | null = getentUid): number[] {
  const owners = [0];
  if (extraUser) {
    const uid = lookupUid(extraUser);
    if (uid !== null && uid !== 0) owners.push(uid);
  }
  return owners;
}

function getentUid(name: string): number | null {
  const r = spawnSync('getent', ['passwd', '--', name], { encoding: 'utf8', timeout: 5000 });
  const spawnError = r.error ? { code: (r.error as NodeJS.ErrnoException).code ?? r.error.message } : undefined;
  const u = accountFromGetent({ code: r.status, stdout: r.stdout ?? '', ...(spawnError ? { spawnError } : {}) }, name, 'pass');
  return u ? u.uid : null;
}

function openSecret(path: string): number {
  if (!path.startsWith('/')) {
    const e = new Error('path must be absolute') as NodeJS.ErrnoException;
    e.code = 'EREL';
    throw e;
  }
  return openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
}

function openProblem(e: unknown): string {
  switch ((e as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return 'no such file';
    case 'ELOOP':
      return 'is a symbolic link; point the config at the real file';
    case 'EACCES':
      return 'permission denied (spamtrace reads secrets as root)';
    case 'EREL':
      return 'the path must be absolute';
    default:
      return (e as Error).message;
  }
}

function statProblem(st: Stats, allowedOwners: readonly number[]): string | null {
  if (!st.isFile()) return 'is not a regular file';
  const mode = st.mode & 0o777;
  if ((mode & 0o077) !== 0) {
    return `mode ${mode.toString(8).padStart(4, '0')} lets group or others in; chmod 0600 it`;
  }
  if (!allowedOwners.includes(st.uid)) {
    return `owned by uid ${st.uid}; it must be owned by ${allowedOwners.map((u) => (u === 0 ? 'root' : `uid ${u}`)).join(' or ')}`;
  }
  if (st.size > MAX_SECRET_BYTES) return `larger than ${MAX_SECRET_BYTES} bytes: not a key`;
  return null;
}
