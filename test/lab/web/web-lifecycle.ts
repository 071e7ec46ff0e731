/**
 * The web part of `lab up` / `lab down`: site files into the docroots, the lab's own
 * apache2.conf and php-fpm.conf under WEB_STATE_DIR, then php-fpm and Apache started; on the
 * way down both stopped (no process left), the files removed. Both idempotent. Debian's
 * /etc/apache2 and /etc/php are only read (php.ini by php-fpm), never written.
 */
import { promises as fs, constants as fsc } from 'node:fs';
import { exists, writeAtomic } from '../lab-files';
import { getent } from '../lab-users';
import { APACHE_MODULES, apacheConfig } from './apache-config';
import { fpmConfig } from './fpm-config';
import { installSites, removeSites } from './site-install';
import {
  APACHE_BIN,
  APACHE_CONF,
  APACHE_DEFAULT_DOCROOT,
  APACHE_MODULE_DIR,
  APACHE_RUN_DIR,
  APACHE_RUN_USER,
  APACHE_SERVER_ROOT,
  FPM_CONF,
  FPM_DIR,
  FPM_SOCKET_DIR,
  WEB_HOST,
  WEB_PORT,
  WEB_SITES,
  WEB_STATE_DIR,
  findPhpFpm,
  type PhpFpm,
} from './web-layout';
import { apachePid, fpmPid, labWebProcesses, portOpen, startApache, startFpm, stopWebProcesses } from './web-process';

export interface WebUpResult {
  /** false when apache2 or php-fpm is not installed (the rest of the lab still works) */
  started: boolean;
  skippedReason?: string;
  apachePid?: number;
  fpmPid?: number;
  phpVersion?: string;
  url?: string;
  elapsedMs: number;
}

/** Why the web server cannot run here, or the PHP-FPM to use. */
async function preflight(): Promise<{ fpm: PhpFpm } | { missing: string }> {
  try {
    await fs.access(APACHE_BIN, fsc.X_OK);
  } catch {
    return { missing: `${APACHE_BIN} not found (Debian package apache2)` };
  }
  for (const m of APACHE_MODULES) {
    if (!(await exists(`${APACHE_MODULE_DIR}/mod_${m}.so`))) return { missing: `Apache module ${APACHE_MODULE_DIR}/mod_${m}.so not found` };
  }
  const fpm = await findPhpFpm();
  if (!fpm) return { missing: 'no /usr/sbin/php-fpm<version> for a version under /etc/php (Debian package php-fpm)' };
  if (!(await getent('passwd', APACHE_RUN_USER))) return { missing: `user ${APACHE_RUN_USER} does not exist` };
  return { fpm };
}

export async function webUp(log: (s: string) => void): Promise<WebUpResult> {
  const t0 = Date.now();
  const pre = await preflight();
  if ('missing' in pre) {
    log(`web: not started: ${pre.missing}`);
    return { started: false, skippedReason: pre.missing, elapsedMs: Date.now() - t0 };
  }
  // a second `up` restarts with fresh configs: simpler and as fast as a graceful reload
  const old = await stopWebProcesses();
  if (old.length > 0) log(`web: stopped the running lab web server (${old.length} processes)`);
  if (await portOpen()) throw new Error(`lab up: ${WEB_HOST}:${WEB_PORT} is in use by another program; the lab's Apache needs it`);

  for (const d of [WEB_STATE_DIR, APACHE_SERVER_ROOT, APACHE_RUN_DIR, APACHE_DEFAULT_DOCROOT, FPM_DIR, FPM_SOCKET_DIR]) {
    await fs.mkdir(d, { recursive: true, mode: 0o755 });
  }
  await installSites(log);
  await writeAtomic(FPM_CONF, fpmConfig(), 0o644);
  await writeAtomic(APACHE_CONF, apacheConfig(), 0o644);

  const fpmMaster = await startFpm(pre.fpm);
  log(`web: php-fpm ${pre.fpm.version} running, pid ${fpmMaster}, pools ${WEB_SITES.map((s) => `${s.pool}(${s.user})`).join(' ')}`);
  const apacheMaster = await startApache();
  log(`web: apache2 running, pid ${apacheMaster}, http://${WEB_HOST}:${WEB_PORT}/ (Host: ${WEB_SITES.map((s) => s.domain).join(', ')})`);
  return {
    started: true,
    apachePid: apacheMaster,
    fpmPid: fpmMaster,
    phpVersion: pre.fpm.version,
    url: `http://${WEB_HOST}:${WEB_PORT}/`,
    elapsedMs: Date.now() - t0,
  };
}

export interface WebDownResult {
  /** pids of the lab web processes that were running */
  stopped: number[];
  removed: string[];
}

export async function webDown(log: (s: string) => void): Promise<WebDownResult> {
  const stopped = await stopWebProcesses();
  if (stopped.length > 0) log(`web: apache2 and php-fpm stopped (${stopped.length} processes)`);
  const removed = await removeSites();
  if (await exists(WEB_STATE_DIR)) {
    await fs.rm(WEB_STATE_DIR, { recursive: true, force: true });
    removed.push(WEB_STATE_DIR);
  }
  return { stopped, removed };
}

export interface WebStatus {
  apache: { running: boolean; pid?: number };
  fpm: { running: boolean; pid?: number; version?: string };
  url: string;
  /** every process of the lab web server (masters, children, pool workers) */
  processes: number;
}

export async function webStatus(): Promise<WebStatus> {
  const a = await apachePid();
  const f = await fpmPid();
  const fpm = await findPhpFpm();
  const s: WebStatus = {
    apache: a !== undefined ? { running: true, pid: a } : { running: false },
    fpm: f !== undefined ? { running: true, pid: f } : { running: false },
    url: `http://${WEB_HOST}:${WEB_PORT}/`,
    processes: (await labWebProcesses()).length,
  };
  if (fpm) s.fpm.version = fpm.version;
  return s;
}

/** Submitting HTTP requests while Apache is down would only produce connection errors; say so at once. */
export async function requireWebRunning(): Promise<void> {
  if ((await apachePid()) === undefined || (await fpmPid()) === undefined) {
    throw new Error('lab: the lab web server (apache2 + php-fpm) is not running; run "lab up" (needs the apache2 and php-fpm packages)');
  }
}
