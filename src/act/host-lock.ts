/**
 * One containment action at a time per host: a lock file holding "PID STARTTIME". A
 * lock whose process is gone (or whose pid now belongs to a process started later, a
 * reused pid) is taken over; a live one makes the second action fail at once rather
 * than interleave two edits of main.cf.
 */
import { promises as fs, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { locked } from './act-errors';

export interface HeldLock {
  path: string;
  /** what was taken over, for the report: "stale lock of dead pid 1234" */
  tookOver: string | null;
  release(): Promise<void>;
}

/** Field 22 of /proc/PID/stat: when the process started (clock ticks since boot). */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may contain spaces and ')': split after the last ')'
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19] ?? null;
  } catch {
    return null;
  }
}

function alive(pid: number, startTime: string | null): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // the pid exists: still ours only if it started when the lock says
  const now = processStartTime(pid);
  return startTime === null || now === null || now === startTime;
}

export async function acquireHostLock(path: string): Promise<HeldLock> {
  const mine = `${process.pid} ${processStartTime(process.pid) ?? '-'}\n`;
  let tookOver: string | null = null;
  await fs.mkdir(dirname(path), { recursive: true, mode: 0o700 });
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      await fs.writeFile(path, mine, { flag: 'wx', mode: 0o600 });
      return {
        path,
        tookOver,
        release: async () => {
          const now = await fs.readFile(path, 'utf8').catch(() => '');
          if (now === mine) await fs.rm(path, { force: true });
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const text = await fs.readFile(path, 'utf8').catch(() => '');
    const m = /^(\d{1,10}) (\d+|-)\n?$/.exec(text);
    const pid = m ? Number(m[1]) : NaN;
    if (m && pid > 0 && alive(pid, m[2] === '-' ? null : m[2]!)) {
      throw locked(`another spamtrace action is running on this host (pid ${pid}, lock ${path}); wait for it to finish`);
    }
    // dead owner, reused pid or a torn write: take it over
    tookOver = m ? `stale lock of dead pid ${pid}` : 'unreadable lock file';
    await fs.rm(path, { force: true });
  }
  throw locked(`could not take the action lock ${path}`);
}
