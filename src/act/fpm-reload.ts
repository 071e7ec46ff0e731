/**
 * A removed PHP script keeps running from PHP's opcache until the cache looks at the
 * file again: opcache.revalidate_freq seconds later (2 s by default), or never when
 * opcache.validate_timestamps = 0, common on tuned hosts. Measured on the lab: the
 * quarantined mailer still answered for ~2 s after the move. A graceful reload of the
 * PHP-FPM master (SIGUSR2, what `systemctl reload phpX.Y-fpm` sends) empties the cache:
 * running requests finish, new ones see the file gone.
 *
 * The masters are found in /proc (comm "php-fpm*", "master process" in the title); all
 * of them are reloaded, because an idle ondemand pool has no worker that would tell
 * which master serves the site.
 */
import { promises as fs } from 'node:fs';
import { processStartTime } from './host-lock';

export interface FpmMaster {
  pid: number;
  title: string;
}

async function readProc(pid: number, file: string): Promise<string | null> {
  return fs.readFile(`/proc/${pid}/${file}`, 'utf8').catch(() => null);
}

async function processes(): Promise<{ pid: number; ppid: number; comm: string; title: string }[]> {
  const out = [];
  for (const name of await fs.readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    const stat = await readProc(pid, 'stat');
    if (!stat) continue;
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const title = ((await readProc(pid, 'cmdline')) ?? '').replace(/\0+$/, '').replace(/\0/g, ' ');
    out.push({ pid, ppid, comm, title });
  }
  return out;
}

export async function fpmMasters(): Promise<FpmMaster[]> {
  return (await processes())
    .filter((p) => /^php-fpm/.test(p.comm) && /master process/.test(p.title))
    .map((p) => ({ pid: p.pid, title: p.title.slice(0, 200) }));
}

/** SIGUSR2 to each master, then waits until the workers it had are gone (new ones start clean). */
export async function reloadFpmMasters(masters: readonly FpmMaster[], timeoutMs = 10_000): Promise<string[]> {
  const said: string[] = [];
  const all = await processes();
  for (const m of masters) {
    const now = all.find((p) => p.pid === m.pid);
    if (!now || !/master process/.test(now.title)) {
      said.push(`php-fpm master ${m.pid} is gone: nothing to reload`);
      continue;
    }
    const workers = all.filter((p) => p.ppid === m.pid).map((p) => ({ pid: p.pid, start: processStartTime(p.pid) }));
    process.kill(m.pid, 'SIGUSR2');
    const end = Date.now() + timeoutMs;
    while (Date.now() < end && workers.some((w) => w.start !== null && processStartTime(w.pid) === w.start)) {
      await new Promise((r) => setTimeout(r, 50));
    }
    // the master re-executes itself; give it a moment to listen again
    await new Promise((r) => setTimeout(r, 300));
    said.push(`php-fpm master ${m.pid} reloaded (${workers.length} old workers ended)`);
  }
  return said;
}
