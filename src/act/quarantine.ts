/**
 * quarantine-script PATH: move a dropped script out of the docroot into a root-only
 * directory (0700), so its URL stops running it, with everything needed to put it back
 * exactly: sha256, owner, group, mode, mtime, atime and the original path, in the
 * journal and in a sidecar file next to the quarantined copy.
 *
 * Only regular files under the configured roots: the path must be absolute, without
 * "..", and its real path (every symlink resolved) must be itself; a symlink as the
 * target is refused. The quarantined copy is owned by root, mode 0600.
 */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { basename, dirname, isAbsolute, join, posix } from 'node:path';
import type { Action, ActionPlan, Json, UndoResult, Verification } from './action';
import { refused, stepFailed } from './act-errors';
import { fpmMasters, reloadFpmMasters, type FpmMaster } from './fpm-reload';

export const DEFAULT_QUARANTINE_DIR = '/var/lib/spamtrace/quarantine';

export interface QuarantineOptions {
  /** directories scripts may be taken from (docroots' parents: /var/www/vhosts, /var/www) */
  roots: readonly string[];
  quarantineDir: string;
  now?: () => Date;
  /** reload PHP-FPM after the move so the opcache forgets the script (default true) */
  reloadFpm?: boolean;
}

interface Data {
  path: string;
  quarantinePath: string;
  sha256: string;
  size: number;
  uid: number;
  gid: number;
  mode: number;
  mtimeMs: number;
  atimeMs: number;
  fpm: FpmMaster[];
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** The path if it is a regular file under one of the roots, reached without symlinks; else refused. */
export async function checkScriptPath(path: string, roots: readonly string[]): Promise<string> {
  if (typeof path !== 'string' || path.length === 0 || path.length > 4096 || path.includes('\0')) throw refused('not a file path');
  if (!isAbsolute(path)) throw refused(`the script path must be absolute: ${JSON.stringify(path.slice(0, 200))}`);
  if (path.split('/').includes('..')) throw refused(`".." is not allowed in a script path: ${JSON.stringify(path.slice(0, 200))}`);
  const normal = posix.normalize(path);
  const st = await fs.lstat(normal).catch(() => null);
  if (!st) throw refused(`no such file: ${normal}`);
  if (st.isSymbolicLink()) throw refused(`${normal} is a symlink: quarantine the file it points to, by its own path`);
  if (!st.isFile()) throw refused(`${normal} is not a regular file`);
  const real = await fs.realpath(normal);
  if (real !== normal) throw refused(`${normal} is reached through a symlink (really ${real}): use the real path`);
  for (const root of roots) {
    const realRoot = await fs.realpath(root).catch(() => null);
    if (realRoot && realRoot !== '/' && real.startsWith(`${realRoot}/`)) return real;
  }
  throw refused(`${real} is outside the configured roots (${roots.join(', ') || 'none'}): refused`);
}

/**
 * The directory a script goes back to on undo: still a real directory under a root,
 * reached without symlinks. The site user owns the docroot and can swap a directory
 * for a symlink while the script sits in quarantine; root's rename would follow it.
 */
export async function checkRestoreDir(dir: string, roots: readonly string[]): Promise<void> {
  const st = await fs.lstat(dir).catch(() => null);
  if (st?.isSymbolicLink()) throw refused(`${dir} is now a symlink: not restoring into it`);
  if (!st?.isDirectory()) throw stepFailed(`${dir} is gone or not a directory: restore the directory first`);
  const real = await fs.realpath(dir);
  if (real !== dir) throw refused(`${dir} is now reached through a symlink (really ${real}): not restoring into it`);
  for (const root of roots) {
    const realRoot = await fs.realpath(root).catch(() => null);
    if (realRoot && realRoot !== '/' && real.startsWith(`${realRoot}/`)) return;
  }
  throw refused(`${real} is outside the configured roots: not restoring into it`);
}

export class QuarantineAction implements Action {
  readonly name = 'quarantine-script';
  readonly description = 'move a script out of the docroot into the root-only quarantine (restorable)';
  readonly targetHelp = 'the absolute path of the script, under a configured root';

  constructor(private readonly o: QuarantineOptions) {}

  async plan(target: string): Promise<ActionPlan> {
    const path = await checkScriptPath(target, this.o.roots);
    const st = await fs.lstat(path);
    const sha = await sha256File(path);
    const stamp = (this.o.now?.() ?? new Date()).toISOString().replace(/[-:.]/g, '');
    const safeName = basename(path).replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100);
    const quarantinePath = join(this.o.quarantineDir, `${stamp}-${sha.slice(0, 12)}-${safeName}`);
    const fpm = this.o.reloadFpm === false ? [] : await fpmMasters();
    const data: Data = { path, quarantinePath, sha256: sha, size: st.size, uid: st.uid, gid: st.gid, mode: st.mode & 0o7777, mtimeMs: st.mtimeMs, atimeMs: st.atimeMs, fpm };
    return {
      action: this.name,
      target: path,
      summary: `${path} (${st.size} bytes, sha256 ${sha.slice(0, 16)}..., uid ${st.uid}) moved to the quarantine`,
      steps: [
        { kind: 'move', from: path, to: quarantinePath, why: 'the URL stops running it; the file is kept as evidence' },
        { kind: 'command', program: 'chown/chmod', args: ['0:0', '0600', quarantinePath], why: 'only root can read it' },
        ...fpm.map((m) => ({ kind: 'command' as const, program: 'kill', args: ['-USR2', String(m.pid)], why: `graceful reload of ${m.title}: PHP's opcache would keep running the script` })),
      ],
      undoSteps: [{ kind: 'move', from: quarantinePath, to: path, why: `back with owner ${st.uid}:${st.gid}, mode ${(st.mode & 0o7777).toString(8)}, mtime ${st.mtime.toISOString()}` }],
      before: { path, sha256: sha, size: st.size, uid: st.uid, gid: st.gid, mode: (st.mode & 0o7777).toString(8), mtime: st.mtime.toISOString() },
      data: data as unknown as Json,
      reversible: true,
      noop: false,
      warnings: [
        ...(st.nlink > 1 ? [`${path} has ${st.nlink} hard links: the other names still reach the file's content`] : []),
        ...(fpm.length === 0 && this.o.reloadFpm !== false ? ['no PHP-FPM master found: if PHP runs inside the web server (mod_php), reload it gracefully, or the opcache may run the script for a while'] : []),
      ],
    };
  }

  async apply(plan: ActionPlan): Promise<Json> {
    const d = plan.data as unknown as Data;
    await this.ensureQuarantineDir();
    await checkScriptPath(d.path, this.o.roots);
    if ((await sha256File(d.path)) !== d.sha256) throw stepFailed(`${d.path} changed since the plan was made; plan again`);
    await moveFile(d.path, d.quarantinePath);
    // the site user can swap a parent directory between the check and the rename: what
    // arrived must be the planned file, else it goes straight back where it came from
    if ((await sha256File(d.quarantinePath)) !== d.sha256) {
      await moveFile(d.quarantinePath, d.path);
      throw stepFailed(`${d.path} changed while it was being moved; put back, plan again`);
    }
    await fs.chown(d.quarantinePath, 0, 0);
    await fs.chmod(d.quarantinePath, 0o600);
    await fs.writeFile(`${d.quarantinePath}.json`, JSON.stringify({ ...d, mtime: new Date(d.mtimeMs).toISOString() }, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
    const fpm = await reloadFpmMasters(d.fpm);
    return { quarantinePath: d.quarantinePath, fpm };
  }

  async verify(plan: ActionPlan): Promise<Verification> {
    const d = plan.data as unknown as Data;
    const atPath = await fs.lstat(d.path).catch(() => null);
    const q = await fs.lstat(d.quarantinePath).catch(() => null);
    const qSha = q ? await sha256File(d.quarantinePath) : null;
    return {
      ok: atPath === null && qSha === d.sha256 && q !== null && (q.mode & 0o077) === 0 && q.uid === 0,
      observations: [
        `${d.path}: ${atPath ? 'still there' : 'gone'}`,
        `${d.quarantinePath}: ${q ? `mode ${(q.mode & 0o7777).toString(8)}, owner ${q.uid}, sha256 ${qSha === d.sha256 ? 'matches' : 'DIFFERS'}` : 'missing'}`,
      ],
    };
  }

  async undo(plan: ActionPlan): Promise<UndoResult> {
    const d = plan.data as unknown as Data;
    const q = await fs.lstat(d.quarantinePath).catch(() => null);
    const atPath = await fs.lstat(d.path).catch(() => null);
    if (!q) {
      // the crash came before the move: the file never left
      if (atPath && (await sha256File(d.path)) === d.sha256) return { after: { path: d.path, restored: false }, warnings: ['the script was never moved'] };
      throw stepFailed(`${d.quarantinePath} is missing: nothing to restore`);
    }
    if (atPath) throw refused(`${d.path} exists again: not overwriting it; the quarantined copy stays at ${d.quarantinePath}`);
    if ((await sha256File(d.quarantinePath)) !== d.sha256) throw stepFailed(`${d.quarantinePath} no longer has the recorded sha256: not restoring it`);
    await checkRestoreDir(dirname(d.path), this.o.roots);
    // owner, mode and times are set while the copy is still in the root-only directory:
    // a rename carries them along. By path after the move, chown would follow a symlink
    // the site user swapped in for the restored file (chown of /etc/shadow to the user).
    await setMetadata(d.quarantinePath, d);
    await moveFile(d.quarantinePath, d.path);
    // a copy across filesystems lost them: again, on the file itself, never through a symlink
    await setMetadata(d.path, d);
    await fs.rm(`${d.quarantinePath}.json`, { force: true });
    return { after: { path: d.path, restored: true }, warnings: [] };
  }

  async verifyUndone(plan: ActionPlan): Promise<Verification> {
    const d = plan.data as unknown as Data;
    const st = await fs.lstat(d.path).catch(() => null);
    if (!st) return { ok: false, observations: [`${d.path}: missing`] };
    const sha = await sha256File(d.path);
    const same = sha === d.sha256 && st.uid === d.uid && st.gid === d.gid && (st.mode & 0o7777) === d.mode && Math.abs(st.mtimeMs - d.mtimeMs) < 2;
    // utimes takes seconds as a double: the restored mtime is exact to the millisecond, not the nanosecond
    return {
      ok: same,
      observations: [`${d.path}: back, sha256 ${sha === d.sha256 ? 'matches' : 'DIFFERS'}, owner ${st.uid}:${st.gid}, mode ${(st.mode & 0o7777).toString(8)}, mtime ${st.mtime.toISOString()}`],
    };
  }

  /** 0700, owned by root, a real directory (not a symlink someone planted). */
  private async ensureQuarantineDir(): Promise<void> {
    await fs.mkdir(this.o.quarantineDir, { recursive: true, mode: 0o700 });
    const st = await fs.lstat(this.o.quarantineDir);
    if (!st.isDirectory()) throw stepFailed(`${this.o.quarantineDir} is not a directory`);
    if (st.uid !== (process.getuid?.() ?? 0)) throw stepFailed(`${this.o.quarantineDir} is not owned by root`);
    if ((st.mode & 0o077) !== 0) await fs.chmod(this.o.quarantineDir, 0o700);
  }
}

/** Owner, mode, atime and mtime on the file opened without following a symlink. */
async function setMetadata(path: string, d: Pick<Data, 'uid' | 'gid' | 'mode' | 'atimeMs' | 'mtimeMs'>): Promise<void> {
  const { constants } = await import('node:fs');
  const fh = await fs.open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch((e: NodeJS.ErrnoException) => {
    throw e.code === 'ELOOP' ? refused(`${path} became a symlink: not changing what it points to`) : e;
  });
  try {
    if (!(await fh.stat()).isFile()) throw refused(`${path} is no longer a regular file`);
    await fh.chown(d.uid, d.gid);
    await fh.chmod(d.mode);
    await fh.utimes(new Date(d.atimeMs), new Date(d.mtimeMs));
  } finally {
    await fh.close();
  }
}

/** rename, or across filesystems: copy (exclusive), fsync, compare, unlink. */
async function moveFile(from: string, to: string): Promise<void> {
  try {
    await fs.rename(from, to);
    return;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
  }
  await fs.copyFile(from, to, (await import('node:fs')).constants.COPYFILE_EXCL);
  const fh = await fs.open(to, 'r+');
  await fh.sync();
  await fh.close();
  if ((await sha256File(from)) !== (await sha256File(to))) {
    await fs.rm(to, { force: true });
    throw stepFailed(`copying ${from} to ${to} did not give the same bytes`);
  }
  await fs.unlink(from);
}
