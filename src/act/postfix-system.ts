/**
 * The few things actions ask of a host's Postfix: where its files and programs are
 * (postconf, not assumptions), a parameter's value as Postfix reads it, reload, and
 * reading and replacing a config file atomically with its owner and mode kept. All of it
 * through the Host (src/host/file-edit.ts for the files), so the same action runs on the
 * local machine and over SSH.
 */
import { join } from 'node:path';
import type { Host, RunOptions, RunResult } from '../host/host';
import { FileEditError, readFileOn, removeFileOn, replaceFileOn, sha256, type FileState, type Owner, type ReadFile } from '../host/file-edit';
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

  /** `postconf -c DIR -h NAME`: the value in effect, as this Postfix parses its main.cf (not expanded). */
  async parameter(name: string): Promise<string> {
    const r = await this.run('postconf', ['-c', (await this.directories()).config, '-h', name]);
    return r.stdout.replace(/\n$/, '');
  }

  /** `mail_version` as [major, minor], null when Postfix does not say. */
  async version(): Promise<[number, number] | null> {
    const m = /^(\d+)\.(\d+)/.exec(await this.parameter('mail_version').catch(() => ''));
    return m ? [Number(m[1]), Number(m[2])] : null;
  }

  /** A config file's bytes, owner, mode and identity on this host; a symlink is refused. */
  async readFile(path: string): Promise<ReadFile> {
    return readFileOn(this.host, path).catch((e: unknown) => Promise.reject(asStepFailure(e)));
  }

  /** Replaced atomically when still `expect` (null: must not exist), read back and checked. */
  async replaceFile(path: string, bytes: Buffer, owner: Owner, expect: string | null): Promise<ReadFile> {
    return replaceFileOn(this.host, path, bytes, owner, expect).catch((e: unknown) => Promise.reject(asStepFailure(e)));
  }

  async removeFile(path: string, expect: string | '*'): Promise<void> {
    return removeFileOn(this.host, path, expect).catch((e: unknown) => Promise.reject(asStepFailure(e)));
  }

  /** Puts a file back as a FileState recorded it (bytes, owner and mode), or removes it; `now` is what it is at the moment. */
  async restoreFile(path: string, state: FileState, now: ReadFile): Promise<void> {
    if (!state.exists) {
      if (now.identity !== null) await this.removeFile(path, now.identity);
      return;
    }
    const owner = { mode: state.mode ?? 0o644, uid: state.uid ?? 0, gid: state.gid ?? 0 };
    await this.replaceFile(path, Buffer.from(state.content ?? '', 'base64'), owner, now.identity);
  }

  /** `postfix reload` when Postfix runs; a stopped Postfix reads main.cf when it starts. */
  async reload(): Promise<void> {
    const status = await this.host.run(join((await this.directories()).command, 'postfix'), ['status'], { timeoutMs: 30_000 });
    // not running: the next start reads the new main.cf; nothing to reload
    if (status.code !== 0) return;
    await this.run('postfix', ['reload']);
  }
}

export { sha256, type FileState };

/** A file edit's failure as the act layer says it (a change since the plan is refused, never overwritten). */
function asStepFailure(e: unknown): unknown {
  return e instanceof FileEditError ? stepFailed(e.message) : e;
}
