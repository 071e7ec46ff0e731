/**
 * A removed PHP script keeps running from PHP's opcache until the cache looks at the
 * file again: opcache.revalidate_freq seconds later (2 s by default), or never when
 * opcache.validate_timestamps = 0, common on tuned hosts. Measured on the lab: the
 * quarantined mailer still answered for ~2 s after the move. A graceful reload of the
 * PHP-FPM master (SIGUSR2, what `systemctl reload phpX.Y-fpm` sends) empties the cache:
 * running requests finish, new ones see the file gone.
 *
 * A master is recognised by what no site user can fake, never by its name or title (any
 * user can start a process called "php-fpm: master process"): it runs as root (real and
 * effective uid 0), the kernel's /proc/PID/exe names a binary called php-fpm* owned by
 * root and writable by nobody else, and its parent is not such a process (workers are
 * the master's children with the same binary). At reload the pid must still be that
 * process (same start time, same binary), so a reused pid is never signalled.
 * All masters are reloaded: an idle ondemand pool has no worker that would tell which
 * master serves the site.
 */
import { promises as fs } from 'node:fs';
import { basename } from 'node:path';

export interface FpmMaster {
  pid: number;
  title: string;
  /** /proc/PID/stat start time (clock ticks since boot); absent in plans made by older versions */
  start?: string;
  exe?: string;
}

export interface ProcFacts {
  pid: number;
  ppid: number;
  /** real and effective uid */
  uids: [number, number];
  /** the kernel's link to the running binary; null when unreadable (kernel thread, gone) */
  exe: string | null;
  start: string;
  title: string;
}

const FPM_BINARY = /^php-fpm[0-9.]*$/;

async function readProc(pid: number, file: string): Promise<string | null> {
  return fs.readFile(`/proc/${pid}/${file}`, 'utf8').catch(() => null);
}

export async function procFacts(pid: number): Promise<ProcFacts | null> {
  const stat = await readProc(pid, 'stat');
  const status = await readProc(pid, 'status');
  if (!stat || !status) return null;
  // the command name (field 2) may contain spaces and ')': split after the last ')'
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const uid = /^Uid:\s+(\d+)\s+(\d+)/m.exec(status);
  if (!uid) return null;
  const exe = await fs.readlink(`/proc/${pid}/exe`).catch(() => null);
  const title = ((await readProc(pid, 'cmdline')) ?? '').replace(/\0+$/, '').replace(/\0/g, ' ');
  return { pid, ppid: Number(rest[1]), uids: [Number(uid[1]), Number(uid[2])], exe, start: rest[19] ?? '', title };
}

async function processes(): Promise<ProcFacts[]> {
  const out: ProcFacts[] = [];
  for (const name of await fs.readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(name)) continue;
    const p = await procFacts(Number(name));
    if (p) out.push(p);
  }
  return out;
}

/** A binary only root could have put there: root's, not writable by group or others. */
async function trustedBinary(exe: string): Promise<boolean> {
  if (!FPM_BINARY.test(basename(exe)) || exe.endsWith(' (deleted)')) return false;
  const st = await fs.stat(exe).catch(() => null);
  return st !== null && st.isFile() && st.uid === 0 && (st.mode & 0o022) === 0;
}

/** The PHP-FPM masters among `procs` (see the header for the rules). */
export async function pickFpmMasters(procs: readonly ProcFacts[]): Promise<FpmMaster[]> {
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  const out: FpmMaster[] = [];
  for (const p of procs) {
    if (p.uids[0] !== 0 || p.uids[1] !== 0 || !p.exe || !(await trustedBinary(p.exe))) continue;
    const parent = byPid.get(p.ppid);
    if (parent && parent.exe === p.exe) continue; // a child of a master: a worker (or a master's fork)
    out.push({ pid: p.pid, title: p.title.slice(0, 200), start: p.start, exe: p.exe });
  }
  return out;
}

export async function fpmMasters(): Promise<FpmMaster[]> {
  return pickFpmMasters(await processes());
}

/** SIGUSR2 to each master that is still the same process, then waits until the workers it had are gone (new ones start clean). */
export async function reloadFpmMasters(masters: readonly FpmMaster[], timeoutMs = 10_000): Promise<string[]> {
  if (masters.length === 0) return [];
  const said: string[] = [];
  const all = await processes();
  const current = await pickFpmMasters(all);
  for (const m of masters) {
    const now = current.find((c) => c.pid === m.pid && (m.start === undefined || c.start === m.start) && (m.exe === undefined || c.exe === m.exe));
    if (!now) {
      said.push(`php-fpm master ${m.pid} is gone (or its pid now belongs to another process): nothing to reload`);
      continue;
    }
    const workers = all.filter((p) => p.ppid === m.pid).map((p) => ({ pid: p.pid, start: p.start }));
    process.kill(m.pid, 'SIGUSR2');
    const end = Date.now() + timeoutMs;
    const stillThere = async (): Promise<boolean> => {
      for (const w of workers) if ((await procFacts(w.pid))?.start === w.start) return true;
      return false;
    };
    while (Date.now() < end && (await stillThere())) {
      await new Promise((r) => setTimeout(r, 50));
    }
    // the master re-executes itself; give it a moment to listen again
    await new Promise((r) => setTimeout(r, 300));
    said.push(`php-fpm master ${m.pid} reloaded (${workers.length} old workers ended)`);
  }
  return said;
}
