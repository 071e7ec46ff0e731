/**
 * Unmeasured commands: prerequisite checks, queue listings. Every program is spawned with an
 * argument array, never a shell, in the C locale.
 */
import { spawn } from 'node:child_process';
import { constants as fsc, promises as fs } from 'node:fs';

export const XARGS = 'xargs';
/** The environment of every program the bench starts (--fill instance adds MAIL_CONFIG). */
export const ENV: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C', LANG: 'C' };

/** A small unmeasured command (argument array), stdout as text. */
export function capture(program: string, args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, [...args], { stdio: ['ignore', 'pipe', 'pipe'], env: ENV });
    const o: Buffer[] = [];
    const e: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => o.push(b));
    child.stderr.on('data', (b: Buffer) => e.push(b));
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c ?? 128, stdout: Buffer.concat(o).toString('utf8'), stderr: Buffer.concat(e).toString('utf8') }));
  });
}

export async function isExecutable(p: string): Promise<boolean> {
  try {
    await fs.access(p, fsc.X_OK);
    return true;
  } catch {
    return false;
  }
}
