/**
 * quarantine-script PATH: take a dropped script out of the docroot into a root-only
 * directory (0700), so its URL stops running it, with everything needed to put it back
 * exactly: sha256, owner, group, mode, atime and mtime (to the nanosecond), device, inode
 * and the original path, in the journal and in a sidecar file next to the quarantined copy.
 *
 * Privilege separation, so the site user (who can swap any file or directory in their
 * tree for a symlink at any moment) can never make root act on something else:
 * - everything inside the site's tree is done by a child process running as the file's
 *   owner (as-owner.ts): reading the script, removing it, creating it again on undo;
 * - root works only in its own root-only quarantine directory: it writes the bytes the
 *   owner's process streams to it, checks them against the plan's sha256, and on undo
 *   streams its copy back to the owner's process.
 * So the operation in the user's tree has exactly the user's rights whatever path it ends
 * up following, root never creates a file in the user's tree and never takes one of the
 * user's files into its own (its copy is a new root file), and it works the same whether
 * the quarantine is on the site's file system or another (no rename, always a copy).
 *
 * The path must be absolute, without "..", under a configured root and reached without
 * symlinks when planned (what the admin meant); the owner must have an account and must
 * not be root.
 */
import { createHash } from 'node:crypto';
import { constants, createReadStream, promises as fs } from 'node:fs';
import { basename, isAbsolute, join, posix } from 'node:path';
import type { Action, ActionPlan, Json, UndoResult, Verification } from './action';
import { refused, stepFailed } from './act-errors';
import { accountOf, createAsOwner, readAsOwner, unlinkAsOwner, type FileFacts } from './as-owner';
import { fpmMasters, reloadFpmMasters, type FpmMaster } from './fpm-reload';

export const DEFAULT_QUARANTINE_DIR = '/var/lib/spamtrace/quarantine';
/** Dropped scripts are kilobytes; this only bounds what a swapped-in file could make root store. */
export const MAX_SCRIPT_BYTES = 256 * 1024 * 1024;

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
  /** as the owner's fstat saw them; absent in plans made before the owner's process did the work */
  dev?: string;
  ino?: string;
  atime?: string;
  mtime?: string;
  fpm: FpmMaster[];
}

/** A quarantine plan, as its apply and undo read it. */
export type QuarantinePlan = ActionPlan<Data>;

/** sha256 of a file in root's own directory (never of a path in a site's tree). */
export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** The owner's view of a file in a site's tree: facts and sha256, read as the owner. */
async function hashAsOwner(uid: number, path: string, maxBytes = MAX_SCRIPT_BYTES): Promise<{ facts: FileFacts; sha256: string }> {
  const h = createHash('sha256');
  const facts = await readAsOwner(await accountOf(uid), path, (c) => void h.update(c), maxBytes);
  return { facts, sha256: h.digest('hex') };
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

export class QuarantineAction implements Action<Data> {
  readonly name = 'quarantine-script';
  readonly description = 'move a script out of the docroot into the root-only quarantine (restorable)';
  readonly targetHelp = 'the absolute path of the script, under a configured root';

  constructor(private readonly o: QuarantineOptions) {}

  async plan(target: string): Promise<ActionPlan<Data>> {
    const path = await checkScriptPath(target, this.o.roots);
    // root's lstat only tells whom to act as; the owner's own fstat below is what counts
    const owner = (await fs.lstat(path)).uid;
    const { facts: f, sha256: sha } = await hashAsOwner(owner, path);
    if (f.uid !== owner) throw refused(`${path} changed owner while it was planned: plan again`);
    const stamp = (this.o.now?.() ?? new Date()).toISOString().replace(/[-:.]/g, '');
    const safeName = basename(path).replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100);
    const quarantinePath = join(this.o.quarantineDir, `${stamp}-${sha.slice(0, 12)}-${safeName}`);
    const fpm = this.o.reloadFpm === false ? [] : await fpmMasters();
    const mtimeMs = secondsToMs(f.mtime);
    const data: Data = {
      path, quarantinePath, sha256: sha, size: f.size, uid: f.uid, gid: f.gid, mode: f.mode,
      mtimeMs, atimeMs: secondsToMs(f.atime), dev: f.dev, ino: f.ino, atime: f.atime, mtime: f.mtime, fpm,
    };
    const mtimeIso = new Date(mtimeMs).toISOString();
    return {
      action: this.name,
      target: path,
      summary: `${path} (${f.size} bytes, sha256 ${sha.slice(0, 16)}..., uid ${f.uid}) moved to the quarantine`,
      steps: [
        { kind: 'command', program: 'read as owner', args: [`uid ${f.uid}`, path], why: 'the owner\'s own process reads it: a symlink swapped in gives it only the owner\'s rights' },
        { kind: 'command', program: 'write', args: [quarantinePath, '0600 root'], why: 'root keeps the copy, checked against this sha256; the file is kept as evidence' },
        { kind: 'command', program: 'unlink as owner', args: [`uid ${f.uid}`, path], why: 'only after the copy is safe, and only if the name still leads to the same inode' },
        ...fpm.map((m) => ({ kind: 'command' as const, program: 'kill', args: ['-USR2', String(m.pid)], why: `graceful reload of ${m.title}: PHP's opcache would keep running the script` })),
      ],
      undoSteps: [{ kind: 'command', program: 'create as owner', args: [`uid ${f.uid}`, path], why: `the owner's process creates it again (never over an existing file), group ${f.gid}, mode ${f.mode.toString(8)}, mtime ${mtimeIso}` }],
      before: { path, sha256: sha, size: f.size, uid: f.uid, gid: f.gid, mode: f.mode.toString(8), mtime: mtimeIso },
      data,
      reversible: true,
      noop: false,
      warnings: [
        ...(f.nlink > 1 ? [`${path} has ${f.nlink} hard links: the other names still reach the file's content`] : []),
        ...(fpm.length === 0 && this.o.reloadFpm !== false ? ['no PHP-FPM master found: if PHP runs inside the web server (mod_php), reload it gracefully, or the opcache may run the script for a while'] : []),
      ],
    };
  }

  async apply(plan: ActionPlan<Data>): Promise<Json> {
    const d = plan.data;
    if (d.dev === undefined || d.ino === undefined) throw stepFailed('this plan was made by an older spamtrace: plan again');
    await ensureRootOnlyDir(this.o.quarantineDir);
    const account = await accountOf(d.uid);
    // root's copy first, in its own directory: exclusive, never through a symlink
    const fh = await fs.open(d.quarantinePath, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    const h = createHash('sha256');
    let facts: FileFacts;
    try {
      facts = await readAsOwner(account, d.path, async (c) => {
        h.update(c);
        for (let off = 0; off < c.length; ) off += (await fh.write(c, off)).bytesWritten;
      }, d.size);
      await fh.sync();
    } catch (e) {
      await fh.close();
      await fs.rm(d.quarantinePath, { force: true });
      throw e;
    }
    await fh.close();
    const drop = async (why: string): Promise<never> => {
      await fs.rm(d.quarantinePath, { force: true });
      throw stepFailed(`${d.path} ${why}; nothing was changed: plan again`);
    };
    if (facts.dev !== d.dev || facts.ino !== d.ino) await drop('is another file than the one planned (moved or replaced)');
    if (h.digest('hex') !== d.sha256) await drop('changed since the plan was made');
    // what is on disk, read back: the original goes only when this copy is whole
    if ((await sha256File(d.quarantinePath)) !== d.sha256) await drop('could not be copied whole into the quarantine');
    await syncDir(this.o.quarantineDir);
    // the copy is safe on disk: now the original goes, removed by its owner, if still the same inode
    let removed: boolean;
    try {
      removed = await unlinkAsOwner(account, d.path, d.dev, d.ino);
    } catch (e) {
      await fs.rm(d.quarantinePath, { force: true });
      throw e;
    }
    if (!removed) await drop('was moved or replaced while it was being quarantined');
    await fs.writeFile(`${d.quarantinePath}.json`, JSON.stringify({ ...d, mtimeIso: new Date(d.mtimeMs).toISOString() }, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
    const fpm = await reloadFpmMasters(d.fpm);
    return { quarantinePath: d.quarantinePath, fpm };
  }

  async verify(plan: ActionPlan<Data>): Promise<Verification> {
    const d = plan.data;
    // lstat only: metadata of whatever the name leads to, nothing opened in the site's tree
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

  async undo(plan: ActionPlan<Data>): Promise<UndoResult> {
    const d = plan.data;
    const q = await fs.lstat(d.quarantinePath).catch(() => null);
    const stillThere = (await fs.lstat(d.path).catch(() => null)) !== null;
    // a crash before the original was removed: the file never left (a copy may exist)
    if (stillThere && (!q || (d.dev !== undefined && (await sameAsPlanned(d))))) {
      if (!q && !(await sameAsPlanned(d))) throw stepFailed(`${d.quarantinePath} is missing and ${d.path} is not the planned file: nothing to restore`);
      await fs.rm(d.quarantinePath, { force: true });
      return { after: { path: d.path, restored: false }, warnings: ['the script was never moved'] };
    }
    if (!q) throw stepFailed(`${d.quarantinePath} is missing: nothing to restore`);
    if (!q.isFile() || q.uid !== 0) throw stepFailed(`${d.quarantinePath} is not root's regular file: not restoring it`);
    if ((await sha256File(d.quarantinePath)) !== d.sha256) throw stepFailed(`${d.quarantinePath} no longer has the recorded sha256: not restoring it`);
    const account = await accountOf(d.uid);
    const made = await createAsOwner(account, d.path, createReadStream(d.quarantinePath), d.size, {
      mode: d.mode,
      gid: d.gid,
      atime: d.atime ?? msToSeconds(d.atimeMs),
      mtime: d.mtime ?? msToSeconds(d.mtimeMs),
    }).catch((e: Error) => {
      throw Object.assign(e, { message: `${e.message}; the quarantined copy stays at ${d.quarantinePath}` });
    });
    await fs.rm(d.quarantinePath, { force: true });
    await fs.rm(`${d.quarantinePath}.json`, { force: true });
    const warnings = made.gid !== d.gid ? [`${d.path} is back with group ${made.gid}, not ${d.gid}: its owner is not in that group`] : [];
    return { after: { path: d.path, restored: true }, warnings };
  }

  async verifyUndone(plan: ActionPlan<Data>): Promise<Verification> {
    const d = plan.data;
    const seen = await hashAsOwner(d.uid, d.path, d.size).catch((e: Error) => e);
    if (seen instanceof Error) return { ok: false, observations: [`${d.path}: ${seen.message}`] };
    const { facts: f, sha256: sha } = seen;
    const mtimeOk = d.mtime !== undefined ? f.mtime === d.mtime : Math.abs(secondsToMs(f.mtime) - d.mtimeMs) < 2;
    return {
      ok: sha === d.sha256 && f.uid === d.uid && f.mode === d.mode && mtimeOk,
      observations: [
        `${d.path}: back, sha256 ${sha === d.sha256 ? 'matches' : 'DIFFERS'}, owner ${f.uid}:${f.gid}${f.gid !== d.gid ? ` (was group ${d.gid})` : ''}, mode ${f.mode.toString(8)}, mtime ${new Date(secondsToMs(f.mtime)).toISOString()}`,
      ],
    };
  }
}

/** The name still leads to the planned file with the planned bytes (read as its owner). */
async function sameAsPlanned(d: Data): Promise<boolean> {
  const seen = await hashAsOwner(d.uid, d.path, d.size).catch(() => null);
  return seen !== null && seen.sha256 === d.sha256 && (d.ino === undefined || (seen.facts.ino === d.ino && seen.facts.dev === d.dev));
}

/**
 * Root's own directory: created 0700 if missing; it and every directory above it must be
 * real directories owned by root that nobody else can write (or sticky, like /dev/shm,
 * where root's entry cannot be renamed by others). Then root may use paths in it.
 */
export async function ensureRootOnlyDir(dir: string): Promise<void> {
  if (!isAbsolute(dir) || dir.split('/').includes('..')) throw stepFailed(`the quarantine directory must be an absolute path: ${dir}`);
  const me = process.getuid?.() ?? 0;
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const parts = posix.normalize(dir).split('/').filter(Boolean);
  for (let i = 0; i <= parts.length; i++) {
    const p = '/' + parts.slice(0, i).join('/');
    const st = await fs.lstat(p);
    if (!st.isDirectory()) throw stepFailed(`${p} is not a directory (a symlink?): the quarantine must be reached through root's own directories`);
    if (st.uid !== me) throw stepFailed(`${p} is not owned by root: the quarantine must be reached through root's own directories`);
    const last = i === parts.length;
    if (!last && (st.mode & 0o022) !== 0 && (st.mode & 0o1000) === 0) throw stepFailed(`${p} is writable by others: the quarantine must be reached through root's own directories`);
    if (last && (st.mode & 0o077) !== 0) await fs.chmod(p, 0o700);
  }
}

async function syncDir(dir: string): Promise<void> {
  const fh = await fs.open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** "1392606306.789000000" -> ms (the float is exact enough for display and old plans). */
function secondsToMs(s: string): number {
  const [sec, frac = '0'] = s.split('.');
  return Number(sec) * 1000 + Number(frac.padEnd(9, '0').slice(0, 3)) + Number('0.' + frac.padEnd(9, '0').slice(3));
}

function msToSeconds(ms: number): string {
  const whole = Math.floor(ms);
  const sub = Math.round((ms - whole) * 1e6);
  return `${Math.floor(whole / 1000)}.${String(whole % 1000).padStart(3, '0')}${String(sub).padStart(6, '0')}`;
}
