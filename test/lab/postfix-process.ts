/** The Postfix master process: find it by its pid file, start it, stop it. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { SMTP_HOST, SMTP_PORT, SPOOL_DIR } from './config';
import { pidAlive, readPid } from './process-ids';
import { run } from './run-program';
import { smtpBanner } from './smtp-banner';
import { waitFor } from './wait-for';

export async function postfixPid(): Promise<number | undefined> {
  const pid = await readPid(path.join(SPOOL_DIR, 'pid', 'master.pid'));
  if (pid === undefined || !pidAlive(pid)) return undefined;
  try {
    const comm = (await fs.readFile(`/proc/${pid}/comm`, 'utf8')).trim();
    return comm === 'master' ? pid : undefined;
  } catch {
    return pid;
  }
}

export async function startPostfix(): Promise<void> {
  await run('postfix', ['start']);
  await waitFor(async () => (await smtpBanner(SMTP_HOST, SMTP_PORT, 1000))?.startsWith('220') ?? false, 20000, 'Postfix on 127.0.0.1:25');
}

export async function stopPostfix(): Promise<void> {
  const pid = await postfixPid();
  if (pid === undefined) return;
  await run('postfix', ['stop'], { allowFail: true });
  await waitFor(async () => !pidAlive(pid), 20000, 'Postfix master to exit');
}
