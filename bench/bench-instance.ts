/**
 * The queue benchmark's own Postfix instance: a second Postfix (its own config_directory and
 * queue_directory) that holds every message it accepts and delivers nothing.
 *
 * Why: filling 100,000 or 200,000 messages takes minutes even at ~450 messages/s, and the lab
 * Postfix is shared with every lab test on the machine (one lock). An instance of our own is
 * filled once per size and kept: stopped between runs, its spool left in place, so a later
 * `npm run bench:queue -- --messages N` measures at once and never waits for the lab lock.
 *
 * The instance:
 * - /etc/postfix-bench-N (main.cf, master.cf), /var/spool/postfix-bench-N, /var/lib/postfix-bench-N,
 *   its own log /var/log/postfix-bench-N.log (postlogd), so the lab's mail log stays clean;
 * - one listener, a plain smtpd on 127.0.0.1:PORT (11000 + N/1000, not a lab port), whose client
 *   restrictions put every message on hold; XCLIENT from 127.0.0.1 (client address, HELO and the
 *   SASL login as the lab's bots present them: LOGIN= instead of a real AUTH, so no sasldb);
 * - no delivery: the only transport named is one master.cf does not define, so nothing that is
 *   not held could ever leave (and nothing is: every client is held).
 *
 * Postfix commands reach it with `-c DIR` or MAIL_CONFIG=DIR (root may name any directory); the
 * lab's `postfix start/stop` and `postsuper -d ALL` name no directory and so never touch it.
 */
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { DEFAULT_FILL_MIX, fillSubmission, type FillKind } from '../test/lab/fill-queue';
import { buildMessages } from '../test/lab/message-builder';
import { run } from '../test/lab/run-program';
import type { SmtpSubmission } from '../test/lab/scenarios';
import { runSmtp } from '../test/lab/smtp-submitter';
import { Rng, hashSeed } from '../test/lab/template';

export interface BenchInstance {
  name: string;
  configDir: string;
  queueDir: string;
  dataDir: string;
  logFile: string;
  port: number;
}

/** One instance per queue size, so 20k, 100k and 200k can all be kept. */
export function benchInstance(messages: number): BenchInstance {
  const name = `postfix-bench-${messages}`;
  return {
    name,
    configDir: `/etc/${name}`,
    queueDir: `/var/spool/${name}`,
    dataDir: `/var/lib/${name}`,
    logFile: `/var/log/${name}.log`,
    port: 11000 + (Math.floor(messages / 1000) % 1000),
  };
}

function mainCf(i: BenchInstance): string {
  return [
    '# spamtrace queue benchmark instance (bench/bench-instance.ts): holds everything, delivers nothing',
    'compatibility_level = 3.6',
    `queue_directory = ${i.queueDir}`,
    `data_directory = ${i.dataDir}`,
    `multi_instance_name = ${i.name}`,
    'meta_directory = /etc/postfix',
    `maillog_file = ${i.logFile}`,
    'myhostname = lab.spamtrace.test',
    'mydestination =',
    'inet_interfaces = 127.0.0.1',
    'inet_protocols = ipv4',
    // as in the lab: the open-relay bot's network is "ours", loopback counts as local
    'mynetworks = 127.0.0.0/8 192.0.2.0/24',
    `local_header_rewrite_clients = check_address_map cidr:${i.configDir}/local-clients.cidr`,
    'smtpd_authorized_xclient_hosts = 127.0.0.1',
    'smtpd_peername_lookup = no',
    'smtpd_client_restrictions = check_client_access static:HOLD',
    'smtpd_relay_restrictions = check_client_access static:OK, reject_unauth_destination',
    'smtpd_client_connection_count_limit = 0',
    'alias_maps =',
    'local_recipient_maps =',
    // not in master.cf: nothing can be delivered
    'default_transport = nodelivery',
    'relay_transport = nodelivery',
    'local_transport = nodelivery',
    '',
  ].join('\n');
}

function masterCf(i: BenchInstance): string {
  return [
    '# spamtrace queue benchmark instance: one loopback listener, the services a held message needs',
    `127.0.0.1:${i.port} inet n - n - - smtpd`,
    'cleanup unix n - n - 0 cleanup',
    'qmgr unix n - n 300 1 qmgr',
    'rewrite unix - - n - - trivial-rewrite',
    'bounce unix - - n - 0 bounce',
    'defer unix - - n - 0 bounce',
    'trace unix - - n - 0 bounce',
    'showq unix n - n - - showq',
    'error unix - - n - - error',
    'retry unix - - n - - error',
    'anvil unix - - n - 1 anvil',
    'postlog unix-dgram n - n - 1 postlogd',
    '',
  ].join('\n');
}

async function writeIfChanged(file: string, text: string): Promise<void> {
  const old = await fs.readFile(file, 'utf8').catch(() => undefined);
  if (old !== text) await fs.writeFile(file, text, { mode: 0o644 });
}

/** Creates (or repairs) the instance's files; the spool is kept if it exists. */
export async function ensureInstance(i: BenchInstance): Promise<void> {
  await fs.mkdir(i.configDir, { recursive: true, mode: 0o755 });
  await fs.mkdir(i.queueDir, { recursive: true, mode: 0o755 });
  await fs.mkdir(i.dataDir, { recursive: true, mode: 0o700 });
  await run('chown', ['postfix:postfix', i.dataDir]);
  await writeIfChanged(path.join(i.configDir, 'main.cf'), mainCf(i));
  await writeIfChanged(path.join(i.configDir, 'master.cf'), masterCf(i));
  await writeIfChanged(path.join(i.configDir, 'local-clients.cidr'), '127.0.0.0/8\tOK\n');
  await run('postfix', ['-c', i.configDir, 'check']);
}

async function masterPid(i: BenchInstance): Promise<number | undefined> {
  const text = await fs.readFile(path.join(i.queueDir, 'pid', 'master.pid'), 'utf8').catch(() => '');
  const pid = Number(text.trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const comm = await fs.readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '');
  return comm.trim() === 'master' ? pid : undefined;
}

async function until(cond: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`bench instance: ${what} not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

export async function startInstance(i: BenchInstance): Promise<void> {
  if ((await masterPid(i)) === undefined) await run('postfix', ['-c', i.configDir, 'start']);
  await until(async () => (await masterPid(i)) !== undefined && (await listening(i.port)), 60_000, `${i.name} up on 127.0.0.1:${i.port}`);
}

/** Stops the instance; its spool stays for the next run. */
export async function stopInstance(i: BenchInstance): Promise<void> {
  const pid = await masterPid(i);
  if (pid === undefined) return;
  await run('postfix', ['-c', i.configDir, 'stop'], { allowFail: true });
  await until(async () => (await masterPid(i)) === undefined, 60_000, `${i.name} master to exit`);
}

/**
 * The lab's SMTP bots as this instance sees them: a real AUTH becomes XCLIENT LOGIN= (the queue
 * file records sasl_username all the same, with sasl_method XCLIENT), a bot without XCLIENT
 * stays 127.0.0.1 (XCLIENT ADDR=127.0.0.1 only where a login has to be carried).
 */
function asHeld(sub: SmtpSubmission): SmtpSubmission {
  if (!sub.auth) return sub;
  const { auth, ...rest } = sub;
  const x = sub.xclient ?? { addr: '127.0.0.1' };
  return { ...rest, xclient: { ...x, login: auth.user } };
}

export interface InstanceFillResult {
  submitted: number;
  failed: number;
  elapsedMs: number;
  rate: number;
  errors: string[];
}

/**
 * Submits `total` messages of the lab's SMTP mix (stolen logins from bot IPs, the open relay,
 * the local SMTP script; weights as DEFAULT_FILL_MIX) to the running instance. The local
 * pickup sources (PHP mail(), the newsletter) are not part of it: they need the lab's users.
 */
export async function fillInstance(i: BenchInstance, total: number, seedText: string, log: (l: string) => void): Promise<InstanceFillResult> {
  const kinds: FillKind[] = ['sasl', 'relay', 'local-smtp'];
  const weight = kinds.reduce((a, k) => a + DEFAULT_FILL_MIX[k], 0);
  const t0 = Date.now();
  let assigned = 0;
  let submitted = 0;
  let failed = 0;
  const errors: string[] = [];
  await Promise.all(
    kinds.map(async (k, idx) => {
      const count = idx === kinds.length - 1 ? total - assigned : Math.round((total * DEFAULT_FILL_MIX[k]) / weight);
      assigned += count;
      const rng = new Rng(hashSeed(seedText) ^ hashSeed(k));
      const sub = asHeld(fillSubmission(k) as SmtpSubmission);
      const msgs = buildMessages(sub, count, rng);
      const r = await runSmtp(sub, msgs, rng, { smtpParallel: 3, messagesPerConnection: 250, smtpPort: i.port });
      submitted += r.submitted;
      failed += r.failed;
      errors.push(...r.errors.slice(0, 3));
      log(`${i.name} fill ${k}: ${r.submitted}/${r.attempted} in ${(r.elapsedMs / 1000).toFixed(1)} s (${((r.submitted * 1000) / Math.max(1, r.elapsedMs)).toFixed(0)}/s)`);
    }),
  );
  const elapsedMs = Date.now() - t0;
  return { submitted, failed, elapsedMs, rate: submitted / (elapsedMs / 1000), errors };
}
