/**
 * The local `plesk bin UTILITY ...` when spamtrace runs on the Plesk server itself.
 * Always an argument array through Host.run, never a shell; the utility name is from a
 * fixed list. Answers in the same `{code, stdout, stderr}` shape as the API's
 * `/cli/{id}/call`, so callers treat both alike.
 */
import type { Host } from '../../host/host';
import type { CliResult } from './api-shapes';
import type { CliCommand } from './rest-client';

export const DEFAULT_PLESK_PATH = '/usr/sbin/plesk';

export class PleskCliRunner {
  constructor(
    private readonly host: Host,
    readonly path: string = DEFAULT_PLESK_PATH,
    private readonly timeoutMs = 120_000,
  ) {}

  /** Is the plesk program there (a file, or a symlink to one)? */
  async available(): Promise<boolean> {
    const s = await this.host.stat(this.path);
    return s !== null && (s.isFile || s.isSymbolicLink);
  }

  /** The argument vector for `plesk bin UTIL PARAMS...`: exposed so tests can check it. */
  static argv(command: CliCommand, params: readonly string[]): string[] {
    return ['bin', command, ...params];
  }

  async run(command: CliCommand, params: readonly string[], env?: Record<string, string>): Promise<CliResult> {
    const r = await this.host.run(this.path, PleskCliRunner.argv(command, params), { timeoutMs: this.timeoutMs, ...(env ? { env } : {}) });
    if (r.spawnError) return { code: -1, stdout: '', stderr: `${this.path} could not run: ${r.spawnError.code}` };
    if (r.timedOut) return { code: -1, stdout: r.stdout, stderr: `${this.path} bin ${command} timed out` };
    return { code: r.code ?? -1, stdout: r.stdout, stderr: r.stderr };
  }
}
