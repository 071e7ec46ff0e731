/**
 * Apache and php-fpm as the lab's daemons: started with the lab's own config files
 * (`apache2 -f CONF -k start`, `php-fpm -y CONF`), found by their pid files, stopped by pid
 * after checking the command line, and every process of theirs (masters, Apache children,
 * FPM pool workers) found through /proc so `down` can prove none is left.
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import { cmdline, pidAlive, readPid } from '../process-ids';
import { ENV, run } from '../run-program';
import { sleep, waitFor } from '../wait-for';
import {
  APACHE_BIN,
  APACHE_CONF,
  APACHE_ERROR_LOG,
  APACHE_PIDFILE,
  FPM_CONF,
  FPM_ERROR_LOG,
  FPM_PIDFILE,
  WEB_HOST,
  WEB_PORT,
  WEB_SITES,
  WEB_STATE_DIR,
  type PhpFpm,
} from './web-layout';

export interface WebProcess {
  pid: number;
  ppid: number;
  uid: number;
  /** /proc/PID/comm, e.g. apache2, php-fpm8.2 */
  comm: string;
  cmd: string;
}

async function readProc(pid: number): Promise<WebProcess | undefined> {
  try {
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
    // "PID (comm) S PPID ...": comm may hold spaces and parentheses, so split at the last ')'
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const [state, ppidText] = stat.slice(close + 2).split(' ');
    // a zombie has exited; only its parent (or init) can reap it
    if (state === 'Z') return undefined;
    const ppid = Number(ppidText);
    const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1] ?? -1);
    return { pid, ppid, uid, comm, cmd: (await cmdline(pid)).trim() };
  } catch {
    return undefined; // exited while we looked
  }
}

async function allProcesses(): Promise<WebProcess[]> {
  const pids = (await fs.readdir('/proc')).filter((d) => /^\d+$/.test(d)).map(Number);
  const procs = await Promise.all(pids.map(readProc));
  return procs.filter((p): p is WebProcess => p !== undefined);
}

const POOL_TITLES = new Set(WEB_SITES.map((s) => `php-fpm: pool ${s.pool}`));

/**
 * Every process of the lab's web server: the ones whose command line names the lab's web
 * state dir (Apache master and children, the FPM master), the FPM masters' children, and
 * orphaned workers of the lab's pools.
 */
export async function labWebProcesses(): Promise<WebProcess[]> {
  const procs = await allProcesses();
  const mine = new Set(procs.filter((p) => p.cmd.includes(WEB_STATE_DIR) && (p.comm.startsWith('apache2') || p.comm.startsWith('php-fpm'))).map((p) => p.pid));
  for (const p of procs) {
    if (mine.has(p.ppid) && p.comm.startsWith('php-fpm')) mine.add(p.pid);
    else if (p.ppid === 1 && p.comm.startsWith('php-fpm') && POOL_TITLES.has(p.cmd)) mine.add(p.pid);
  }
  return procs.filter((p) => mine.has(p.pid));
}

async function daemonPid(pidfile: string, conf: string): Promise<number | undefined> {
  const pid = await readPid(pidfile);
  if (pid === undefined || !pidAlive(pid)) return undefined;
  return (await cmdline(pid)).includes(conf) ? pid : undefined;
}

export const apachePid = (): Promise<number | undefined> => daemonPid(APACHE_PIDFILE, APACHE_CONF);
export const fpmPid = (): Promise<number | undefined> => daemonPid(FPM_PIDFILE, FPM_CONF);

/** Is something answering on the lab's web port? */
export function portOpen(host = WEB_HOST, port = WEB_PORT, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const done = (v: boolean) => {
      sock.destroy();
      resolve(v);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/** Runs a program that daemonizes and waits for the starter to exit (not for its stdio to close). */
function startDaemon(bin: string, args: readonly string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [...args], { env: ENV, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => {
      if (stderr.length < 4000) stderr += b.toString('utf8');
    });
    child.once('error', (e) => reject(new Error(`${bin}: ${e.message}`)));
    child.once('exit', (code, signal) => {
      // the daemon may have inherited the pipe: stop reading, do not wait for it
      setTimeout(() => child.stderr.destroy(), 50);
      resolve({ code: code ?? (signal ? 128 : 1), stderr });
    });
  });
}

async function tail(file: string, lines = 5): Promise<string> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  return text.trim().split('\n').slice(-lines).join(' | ');
}

export async function startFpm(fpm: PhpFpm): Promise<number> {
  const check = await run(fpm.bin, ['-t', '-y', FPM_CONF], { allowFail: true });
  if (check.code !== 0) throw new Error(`lab web: php-fpm config test failed: ${(check.stderr || check.stdout).trim()}`);
  const r = await startDaemon(fpm.bin, ['-y', FPM_CONF]);
  if (r.code !== 0) throw new Error(`lab web: php-fpm exited ${r.code}: ${r.stderr.trim()} ${await tail(FPM_ERROR_LOG)}`);
  await waitFor(
    async () => (await fpmPid()) !== undefined && (await Promise.all(WEB_SITES.map((s) => fs.access(s.fpmSocket).then(() => true, () => false)))).every(Boolean),
    10000,
    `php-fpm and its ${WEB_SITES.length} pool sockets (log ${FPM_ERROR_LOG})`,
  );
  return (await fpmPid()) as number;
}

export async function startApache(): Promise<number> {
  const check = await run(APACHE_BIN, ['-f', APACHE_CONF, '-t'], { allowFail: true });
  if (check.code !== 0) throw new Error(`lab web: apache2 config test failed: ${(check.stderr || check.stdout).trim()}`);
  const r = await startDaemon(APACHE_BIN, ['-f', APACHE_CONF, '-k', 'start']);
  if (r.code !== 0) throw new Error(`lab web: apache2 -k start exited ${r.code}: ${r.stderr.trim()} ${await tail(APACHE_ERROR_LOG)}`);
  await waitFor(async () => (await apachePid()) !== undefined && (await portOpen()), 10000, `apache2 on ${WEB_HOST}:${WEB_PORT} (log ${APACHE_ERROR_LOG})`);
  return (await apachePid()) as number;
}

/** Sends `signal` to a pid only while its command line still shows it is the lab's. */
async function signalIfMine(p: WebProcess, signal: NodeJS.Signals): Promise<void> {
  const now = await readProc(p.pid);
  if (!now || now.cmd !== p.cmd || now.comm !== p.comm) return;
  try {
    process.kill(p.pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Stops Apache and php-fpm (SIGTERM to each master: Apache's stops its children, FPM's its
 * workers), then ends any process of theirs that is left, by pid. Returns the pids it saw.
 */
export async function stopWebProcesses(timeoutMs = 10000): Promise<number[]> {
  const seen = await labWebProcesses();
  const masters = [await apachePid(), await fpmPid()].filter((p): p is number => p !== undefined);
  for (const pid of masters) {
    const p = seen.find((x) => x.pid === pid) ?? (await readProc(pid));
    if (p) await signalIfMine(p, 'SIGTERM');
  }
  // masters without a pid file (a crashed run) and orphaned workers: lab processes whose
  // parent is not one (children of a signalled master are ended by their master)
  const seenPids = new Set(seen.map((p) => p.pid));
  for (const p of seen) if (!masters.includes(p.pid) && !seenPids.has(p.ppid)) await signalIfMine(p, 'SIGTERM');
  // masters stop their children within a second; orphans of a crashed master may ignore
  // SIGTERM (Apache children wait for their parent), so they get SIGKILL soon
  const end = Date.now() + (masters.length > 0 ? timeoutMs : 2000);
  let left = await labWebProcesses();
  while (left.length > 0 && Date.now() < end) {
    await sleep(100);
    left = await labWebProcesses();
  }
  for (const p of left) await signalIfMine(p, 'SIGKILL');
  if (left.length > 0) await waitFor(async () => (await labWebProcesses()).length === 0, 5000, 'lab web processes to exit after SIGKILL');
  await fs.rm(APACHE_PIDFILE, { force: true });
  await fs.rm(FPM_PIDFILE, { force: true });
  return seen.map((p) => p.pid);
}
