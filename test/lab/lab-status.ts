/** `npm run lab -- status`: is the lab up, are Postfix and the fake MX running, the queue, the users. */
import { LAB_USERS } from './config';
import { readManifest } from './config-backup';
import type { FakeMxStatus } from './fake-mx';
import { fakeMxPid, readFakeMxStatus } from './fake-mx-process';
import { getent } from './lab-users';
import { PERSONAS } from './personas';
import { postfixPid } from './postfix-process';
import { spoolCounts, type QueueCounts } from './queue-tools';

export interface LabStatus {
  /** a backup manifest exists: `up` ran and `down` has not */
  up: boolean;
  postfix: { running: boolean; pid?: number };
  fakeMx: { running: boolean; pid?: number; ports: Record<string, number>; counts?: FakeMxStatus['personas'] };
  queue: QueueCounts;
  users: Array<{ name: string; uid: number; present: boolean }>;
}

export async function labStatus(): Promise<LabStatus> {
  const manifest = await readManifest();
  const ppid = await postfixPid();
  const mpid = await fakeMxPid();
  const fstatus = await readFakeMxStatus();
  const users = await Promise.all(LAB_USERS.map(async (u) => ({ name: u.name, uid: u.uid, present: (await getent('passwd', u.name)) !== undefined })));
  const status: LabStatus = {
    up: manifest !== undefined,
    postfix: ppid !== undefined ? { running: true, pid: ppid } : { running: false },
    fakeMx: { running: mpid !== undefined, ports: Object.fromEntries(PERSONAS.map((p) => [p.name, p.port])) },
    queue: await spoolCounts(),
    users,
  };
  if (mpid !== undefined) status.fakeMx.pid = mpid;
  if (mpid !== undefined && fstatus) status.fakeMx.counts = fstatus.personas;
  return status;
}
