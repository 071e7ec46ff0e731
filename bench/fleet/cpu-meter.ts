/**
 * Where the CPU of a fleet run goes, on the one machine that plays scanner and servers:
 * a cgroup v1 `cpuacct` group for the bench process (node and the ssh clients it forks,
 * the ssh masters included: they stay in the group after they daemonize) and one for the
 * private sshd (everything the "remote hosts" run). The rest of the machine (Postfix's
 * own daemons answering postqueue, other jobs) is the machine's busy time minus both.
 *
 * Without a writable cpuacct hierarchy (cgroup v2 only, no root) the groups are null and
 * the bench says the breakdown is not available; nothing else changes.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';

const CPUACCT = '/sys/fs/cgroup/cpuacct';

export interface CpuGroup {
  readonly path: string;
  /** put a process (all its threads, and everything it forks from now on) into the group */
  add(pid: number): Promise<void>;
  /** CPU used by the group's processes so far, in ms (exited ones included) */
  usageMs(): Promise<number>;
  /** move what is still inside back to the root group and remove the group */
  remove(): Promise<void>;
}

/** A new cpuacct group named after the bench's pid, or null when none can be made. */
export async function makeCpuGroup(label: string): Promise<CpuGroup | null> {
  if (!/^[a-z-]+$/.test(label)) throw new RangeError('makeCpuGroup: a plain label');
  const path = join(CPUACCT, `spamtrace-bench-${label}-${process.pid}`);
  try {
    await fs.access(join(CPUACCT, 'cgroup.procs'));
    await fs.mkdir(path);
  } catch {
    return null;
  }
  return {
    path,
    async add(pid) {
      await fs.writeFile(join(path, 'cgroup.procs'), `${pid}\n`);
    },
    async usageMs() {
      return Number((await fs.readFile(join(path, 'cpuacct.usage'), 'utf8')).trim()) / 1e6;
    },
    async remove() {
      // a group with processes cannot be removed: hand each back to the root group
      for (let round = 0; round < 5; round++) {
        const pids = (await fs.readFile(join(path, 'cgroup.procs'), 'utf8').catch(() => '')).split('\n').filter((l) => /^\d+$/.test(l));
        if (pids.length === 0) break;
        for (const p of pids) await fs.writeFile(join(CPUACCT, 'cgroup.procs'), `${p}\n`).catch(() => undefined);
      }
      await fs.rmdir(path).catch(() => undefined);
    },
  };
}

/** The machine's busy CPU time so far (all cores, idle and iowait left out), in ms. */
export async function machineBusyMs(): Promise<number> {
  const line = (await fs.readFile('/proc/stat', 'utf8')).split('\n')[0]!;
  // cpu user nice system idle iowait irq softirq steal guest guest_nice (USER_HZ ticks)
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const busy = f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + f[7]!;
  return busy * 10;
}

/** The bench process's own CPU (node: JS, GC, libuv; not its children), in ms. */
export function ownCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** A process and all its descendants now (from /proc), e.g. Postfix's master and its daemons. */
export async function processTree(root: number): Promise<number[]> {
  const parent = new Map<number, number>();
  for (const name of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await fs.readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, the last ')' ends it
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (rest.length > 1) parent.set(Number(name), Number(rest[1]));
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) for (const [pid, pp] of parent) if (pp === tree[i]) tree.push(pid);
  return tree;
}
