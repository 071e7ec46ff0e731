/**
 * Runs the system programs the lab drives (postconf, postfix, useradd, runuser sendmail...).
 * Every program is spawned with an argument array, never a shell, in the C locale.
 */
import { spawn } from 'node:child_process';

export const ENV = { ...process.env, LC_ALL: 'C', LANG: 'C' };

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Spawns `program` with an argument array (never a shell). */
export function run(program: string, args: readonly string[], opts: { input?: string | Buffer; allowFail?: boolean; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, [...args], { env: ENV, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    if (opts.timeoutMs) timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => undefined);
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      reject(new Error(`${program}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const res = { code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
      if (res.code !== 0 && !opts.allowFail) {
        reject(new Error(`${program} ${args.join(' ')} exited ${res.code}${signal ? ` (${signal})` : ''}: ${(res.stderr || res.stdout).trim()}`));
      } else resolve(res);
    });
    child.stdin.end(opts.input ?? '');
  });
}
