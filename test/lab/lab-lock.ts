/**
 * One user of the lab per machine at a time: lab tests and the benchmark each take this
 * lock, so a second `npm test` (or a bench) waits instead of flushing a queue in use.
 * A lock left by a dead process is taken over.
 */
import { promises as fs } from 'node:fs';

export const LAB_LOCK = '/run/spamtrace-lab-test.lock';

export async function acquireLabLock(timeoutMs = 10 * 60 * 1000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      await fs.writeFile(LAB_LOCK, `${process.pid}\n`, { flag: 'wx' });
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const pid = Number((await fs.readFile(LAB_LOCK, 'utf8').catch(() => '')).trim());
    let alive = false;
    if (Number.isInteger(pid) && pid > 0) {
      try {
        process.kill(pid, 0);
        alive = true;
      } catch {
        alive = false;
      }
    }
    if (!alive) await fs.rm(LAB_LOCK, { force: true });
    else if (Date.now() > end) throw new Error(`lab: ${LAB_LOCK} held by pid ${pid} for too long`);
    else await new Promise((r) => setTimeout(r, 1000));
  }
}

export async function releaseLabLock(): Promise<void> {
  const pid = Number((await fs.readFile(LAB_LOCK, 'utf8').catch(() => '')).trim());
  if (pid === process.pid) await fs.rm(LAB_LOCK, { force: true });
}
