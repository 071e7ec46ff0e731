/**
 * `up` and `down`: back up once, create the lab users, configure Postfix, start the fake MX,
 * Postfix and the web server (Apache + PHP-FPM, web/); then stop all of them, restore the
 * backed-up files byte for byte and remove what the lab created. Both are idempotent.
 */
import { promises as fs, constants as fsc } from 'node:fs';
import { LAB_CONF_DIR, MAIL_LOG, STATE_DIR } from './config';
import { backupOnce, readManifest, restoreBackup } from './config-backup';
import { startFakeMxProcess, stopFakeMxProcess } from './fake-mx-process';
import { exists } from './lab-files';
import { requireRoot } from './lab-guards';
import { readState, writeState } from './lab-state';
import { ensureGroups, ensureUsers, preflightIds, removeCreated } from './lab-users';
import { PERSONAS } from './personas';
import { configurePostfix } from './postfix-config';
import { postfixPid, startPostfix, stopPostfix } from './postfix-process';
import { run } from './run-program';
import { SENDMAIL } from './sendmail-submitter';
import { webDown, webUp, type WebUpResult } from './web/web-lifecycle';

export interface LabOptions {
  /** progress lines (default: none) */
  log?: (line: string) => void;
}

export interface LabUpResult {
  elapsedMs: number;
  postfixPid: number;
  fakeMxPid: number;
  /** output of `postfix check` (empty = clean) */
  postfixCheck: string[];
  createdUsers: string[];
  /** the lab web server (started: false when apache2 or php-fpm is not installed) */
  web: WebUpResult;
}

export async function labUp(opts: LabOptions = {}): Promise<LabUpResult> {
  const t0 = Date.now();
  const log = opts.log ?? (() => undefined);
  requireRoot('up');
  for (const bin of ['/usr/sbin/postfix', '/usr/sbin/postconf', '/usr/sbin/postmap', '/usr/sbin/postalias', '/usr/sbin/saslpasswd2', SENDMAIL]) {
    try {
      await fs.access(bin, fsc.X_OK);
    } catch {
      throw new Error(`lab up: ${bin} not found; install postfix and sasl2-bin`);
    }
  }
  await preflightIds();
  await fs.mkdir(STATE_DIR, { recursive: true, mode: 0o755 });
  await backupOnce(log);
  const state = await readState();
  state.upCount++;
  await writeState(state);

  await ensureGroups(state, log);
  await ensureUsers(state, log);
  const inetBefore = (await run('postconf', ['-h', 'inet_interfaces', 'inet_protocols'])).stdout;
  const postfixCheck = await configurePostfix(log);
  const inetAfter = (await run('postconf', ['-h', 'inet_interfaces', 'inet_protocols'])).stdout;
  for (const w of postfixCheck) log(`postfix check: ${w}`);

  const fakeMxPid = await startFakeMxProcess();
  log(`fake MX running, pid ${fakeMxPid}: ${PERSONAS.map((p) => `${p.name}=${p.port}`).join(' ')}`);

  if ((await postfixPid()) === undefined) {
    await startPostfix();
    log('postfix: started');
  } else if (inetBefore !== inetAfter) {
    // inet_interfaces / inet_protocols changes need a restart
    await stopPostfix();
    await startPostfix();
    log('postfix: restarted (inet settings changed)');
  } else {
    await run('postfix', ['reload']);
    log('postfix: reloaded');
  }
  const pid = await postfixPid();
  if (pid === undefined) throw new Error('lab up: Postfix did not start (see /var/log/mail.log)');
  // last: PHP's mail() needs the users and a running Postfix
  const web = await webUp(log);
  return { elapsedMs: Date.now() - t0, postfixPid: pid, fakeMxPid, postfixCheck, createdUsers: [...state.createdUsers], web };
}

export interface LabDownResult {
  elapsedMs: number;
  wasUp: boolean;
  restored: string[];
  removed: string[];
}

export async function labDown(opts: LabOptions = {}): Promise<LabDownResult> {
  const t0 = Date.now();
  const log = opts.log ?? (() => undefined);
  requireRoot('down');
  const manifest = await readManifest();
  const state = await readState();

  // first the web server: no PHP script may submit while Postfix is being restored
  const web = await webDown(log);
  await stopFakeMxProcess();
  if (!manifest) {
    if (await exists(STATE_DIR)) await fs.rm(STATE_DIR, { recursive: true, force: true });
    log('lab is not up (no backup manifest); nothing to restore');
    return { elapsedMs: Date.now() - t0, wasUp: false, restored: [], removed: [] };
  }

  await stopPostfix();
  log('postfix: stopped');
  // empty the queue while the lab's configuration is still in place
  await run('postsuper', ['-d', 'ALL'], { allowFail: true });
  log('queue: deleted all messages');

  const { restored, removed } = await restoreBackup(manifest);
  removed.push(...web.removed);
  log(`restored ${restored.join(', ')}`);

  for (const p of [LAB_CONF_DIR, ...(manifest.mailLogExisted ? [] : [MAIL_LOG])]) {
    if (await exists(p)) {
      await fs.rm(p, { recursive: true, force: true });
      removed.push(p);
    }
  }
  removed.push(...(await removeCreated(state)));
  log(`removed ${removed.join(', ')}`);

  if (manifest.postfixWasRunning) {
    await run('postfix', ['start'], { allowFail: true });
    log('postfix: was running before the lab, started again with the original configuration');
  }
  await fs.rm(STATE_DIR, { recursive: true, force: true });
  return { elapsedMs: Date.now() - t0, wasUp: true, restored, removed };
}
