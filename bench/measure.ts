/**
 * Measuring one command: wall time with a monotonic clock around GNU time, which reports the
 * peak RSS (`/usr/bin/time -f '%e %M'`).
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ENV } from './commands';
import { BrokenBenchmark } from './errors';

export const GNU_TIME = '/usr/bin/time';

/** The process currently measured, so a signal can end it (by its pid). */
let currentChild: import('node:child_process').ChildProcess | undefined;

export interface Measured {
  /** wall seconds, monotonic clock around the GNU time process */
  wallS: number;
  /** GNU time %e (10 ms resolution, truncated) */
  timeS: number;
  /** GNU time %M: the largest RSS of the process and every child it waited for, KiB */
  maxRssKb: number;
  code: number;
  signal: string | null;
}

/**
 * Runs `program args` under GNU time with stdout to `stdoutFile` and stderr to `stderrFile`.
 * Only an argument array: no shell anywhere.
 */
export async function measure(program: string, args: readonly string[], stdoutFile: string, stderrFile: string, workDir: string): Promise<Measured> {
  const timeFile = path.join(workDir, `time-${process.hrtime.bigint()}.txt`);
  const outFh = await fs.open(stdoutFile, 'w');
  const errFh = await fs.open(stderrFile, 'w');
  try {
    const start = process.hrtime.bigint();
    const { code, signal } = await new Promise<{ code: number; signal: string | null }>((resolve, reject) => {
      const child = spawn(GNU_TIME, ['-f', '%e %M', '-o', timeFile, '--', program, ...args], {
        stdio: ['ignore', outFh.fd, errFh.fd],
        env: ENV,
        // own process group: on a signal the whole measured tree is ended (see onSignal)
        detached: true,
      });
      currentChild = child;
      child.on('error', (e) => reject(new Error(`${GNU_TIME}: ${e.message}`)));
      child.on('close', (c, s) => resolve({ code: c ?? 128, signal: s }));
    });
    const wallS = Number(process.hrtime.bigint() - start) / 1e9;
    currentChild = undefined;
    // "Command exited with non-zero status N" may come first; the format line is last
    const lines = (await fs.readFile(timeFile, 'utf8')).split('\n').map((l) => l.trim()).filter(Boolean);
    const m = /^(\d+\.\d+) (\d+)$/.exec(lines[lines.length - 1] ?? '');
    if (!m) throw new BrokenBenchmark(`GNU time wrote no "%e %M" line for ${program}: ${JSON.stringify(lines)}`);
    await fs.rm(timeFile, { force: true });
    return { wallS, timeS: Number(m[1]), maxRssKb: Number(m[2]), code, signal };
  } finally {
    await outFh.close();
    await errFh.close();
  }
}

/** On a signal: ends the command being measured, with every process it started (its process group). */
export function endMeasuredCommand(): void {
  if (currentChild?.pid) {
    try {
      process.kill(-currentChild.pid, 'SIGTERM'); // the group of the GNU time process we started
    } catch {
      // already gone
    }
  }
}
