/**
 * The few things actions ask of the local Postfix: where its files and programs are
 * (postconf, not assumptions), a parameter's value as Postfix reads it, reload, and
 * writing a config file atomically with its owner and mode kept.
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, promises as fs } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import type { Host, RunOptions, RunResult } from '../host/host';
import { stepFailed, oneLine } from './act-errors';

const SAFE_DIR = /^\/[A-Za-z0-9._/-]{1,200}$/;

export class PostfixSystem {
  private dirs: Promise<{ config: string; command: string }> | undefined;

  constructor(readonly host: Host) {}

  /** config_directory and command_directory as Postfix says (default /etc/postfix, /usr/sbin). */
  directories(): Promise<{ config: string; command: string }> {
    this.dirs ??= (async () => {
      const r = await this.runRaw('postconf', ['-h', 'config_directory', 'command_directory']);
      const [config, command] = r.code === 0 ? r.stdout.split('\n').map((s) => s.trim()) : [];
      const ok = (d: string | undefined, fallback: string): string => (d && SAFE_DIR.test(d) && !d.includes('..') ? d : fallback);
      return { config: ok(config, '/etc/postfix'), command: ok(command, '/usr/sbin') };
    })();
    return this.dirs;
  }

  async mainCf(): Promise<string> {
    return join((await this.directories()).config, 'main.cf');
  }

  /** A Postfix program from command_directory; throws with its stderr on failure. */
  async run(program: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const dir = (await this.directories()).command;
    const r = await this.host.run(join(dir, program), args, { timeoutMs: 120_000, ...options });
    if (r.spawnError) throw stepFailed(`${program} could not be started: ${r.spawnError.message}`);
    if (r.code !== 0) throw stepFailed(`${program} ${args.join(' ')} failed (exit ${r.code ?? r.signal}): ${oneLine(r.stderr || r.stdout)}`);
    return r;
  }

  /** postconf before we know command_directory: PATH first, then /usr/sbin (cron's PATH lacks it). */
  private async runRaw(program: string, args: readonly string[]): Promise<RunResult> {
    const r = await this.host.run(program, args, { timeoutMs: 30_000 });
    return r.spawnError?.code === 'ENOENT' ? this.host.run(`/usr/sbin/${program}`, args, { timeoutMs: 30_000 }) : r;
  }

  /** `postconf -h NAME`: the value in effect, as Postfix parses main.cf (not expanded). */
  async parameter(name: string): Promise<string> {
    const r = await this.run('postconf', ['-h', name]);
    return r.stdout.replace(/\n$/, '');
  }

  /** `postfix reload` when Postfix runs; a stopped Postfix reads main.cf when it starts. */
  async reload(): Promise<void> {
    const status = await this.host.run(join((await this.directories()).command, 'postfix'), ['status'], { timeoutMs: 30_000 });
    // not running: the next start reads the new main.cf; nothing to reload
    if (status.code !== 0) return;
    await this.run('postfix', ['reload']);
  }
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export interface FileState {
  exists: boolean;
  /** base64 of the bytes (config files are small) */
  content: string | null;
  sha256: string | null;
  mode: number | null;
  uid: number | null;
  gid: number | null;
}

export async function readFileState(path: string): Promise<FileState> {
  const st = await fs.lstat(path).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? null : Promise.reject(e)));
  if (!st) return { exists: false, content: null, sha256: null, mode: null, uid: null, gid: null };
  if (!st.isFile()) throw stepFailed(`${path} is not a regular file (a symlink or a directory): not touching it`);
  const bytes = await fs.readFile(path);
  return { exists: true, content: bytes.toString('base64'), sha256: sha256(bytes), mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
}

/**
 * Replaces `path` with `bytes` atomically: a temporary file in the same directory with
 * the given owner and mode, fsynced, renamed over the old one, directory fsynced. A
 * reader (Postfix) sees the old or the new file, never half of one.
 */
export async function writeFileAtomic(path: string, bytes: Buffer, owner: { mode: number; uid: number; gid: number }): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.spamtrace-${process.pid}`);
  const fh = await fs.open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(bytes);
    await fh.chown(owner.uid, owner.gid);
    await fh.chmod(owner.mode);
    await fh.sync();
  } catch (e) {
    await fh.close();
    await fs.rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  await fs.rename(tmp, path);
  const dfd = openSync(dirname(path), 'r');
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
}

/** Puts a file back as a FileState recorded it: the bytes, owner and mode, or removes it. */
export async function restoreFileState(path: string, state: FileState): Promise<void> {
  if (!state.exists) {
    await fs.rm(path, { force: true });
    return;
  }
  await writeFileAtomic(path, Buffer.from(state.content ?? '', 'base64'), { mode: state.mode ?? 0o644, uid: state.uid ?? 0, gid: state.gid ?? 0 });
}
