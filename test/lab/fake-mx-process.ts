/**
 * The fake MX (fake-mx.ts) as a background process for the lab: started detached with a pid
 * file, a status file and a log under STATE_DIR; stopped by pid after checking its command line.
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { FAKE_MX_LOG, FAKE_MX_PIDFILE, FAKE_MX_STATUS, STATE_DIR } from './config';
import type { FakeMxStatus } from './fake-mx';
import { exists } from './lab-files';
import { FAKE_MX_HOST, PERSONAS } from './personas';
import { cmdline, pidAlive, readPid } from './process-ids';
import { ENV } from './run-program';
import { smtpBanner } from './smtp-banner';
import { waitFor } from './wait-for';

export async function fakeMxPid(): Promise<number | undefined> {
  const pid = await readPid(FAKE_MX_PIDFILE);
  if (pid === undefined || !pidAlive(pid)) return undefined;
  return (await cmdline(pid)).includes('fake-mx') ? pid : undefined;
}

async function fakeMxAnswering(): Promise<boolean> {
  for (const p of PERSONAS) if (!(await smtpBanner(FAKE_MX_HOST, p.port, 1000))) return false;
  return true;
}

export async function startFakeMxProcess(): Promise<number> {
  const running = await fakeMxPid();
  if (running !== undefined && (await fakeMxAnswering())) return running;
  if (running !== undefined) await stopFakeMxProcess();
  const script = path.join(__dirname, 'fake-mx.js');
  if (!(await exists(script))) throw new Error(`lab: ${script} missing; build first (npx tsc -p .)`);
  await fs.mkdir(STATE_DIR, { recursive: true, mode: 0o755 });
  const logFd = await fs.open(FAKE_MX_LOG, 'a');
  try {
    const child = spawn(process.execPath, [script, '--pidfile', FAKE_MX_PIDFILE, '--status', FAKE_MX_STATUS], {
      detached: true,
      stdio: ['ignore', logFd.fd, logFd.fd],
      env: ENV,
    });
    child.unref();
    const pid = child.pid;
    if (pid === undefined) throw new Error('lab: could not start fake MX');
    await waitFor(async () => (await readPid(FAKE_MX_PIDFILE)) === pid && (await fakeMxAnswering()), 10000, `fake MX (pid ${pid}; log ${FAKE_MX_LOG})`);
    return pid;
  } finally {
    await logFd.close();
  }
}

export async function stopFakeMxProcess(): Promise<void> {
  const pid = await fakeMxPid();
  if (pid !== undefined) {
    process.kill(pid, 'SIGTERM');
    try {
      await waitFor(async () => !pidAlive(pid), 5000, 'fake MX to exit');
    } catch {
      if (pidAlive(pid) && (await cmdline(pid)).includes('fake-mx')) process.kill(pid, 'SIGKILL');
    }
  }
  await fs.rm(FAKE_MX_PIDFILE, { force: true });
}

export async function readFakeMxStatus(): Promise<FakeMxStatus | undefined> {
  try {
    return JSON.parse(await fs.readFile(FAKE_MX_STATUS, 'utf8')) as FakeMxStatus;
  } catch {
    return undefined;
  }
}

