/**
 * The Postfix lab: turns this (throw-away, root) machine's Postfix into a spam-tracing test
 * bed whose mail never leaves loopback. See test/lab/README.md.
 *
 *   labUp()                  back up config once, create lab users, configure Postfix, start fake MX + Postfix
 *   labDown()                stop both, restore the backed-up files byte for byte, remove what the lab created
 *   labStatus()              Postfix / fake MX / queue state
 *   runScenario(name|obj)    submit a scenario's messages (sendmail as users, SMTP with XCLIENT/AUTH)
 *   waitForQueueSettled(ms)  until maildrop, incoming and active are empty (all tried once)
 *   flushQueue()             postsuper -d ALL (refuses unless the lab is up)
 *   fillQueueFast({total})   bulk queue for benchmarks
 *
 * Every program is spawned with an argument array, never a shell.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs, constants as fsc } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ALIASES_FILE,
  BACKUP_DIR,
  BACKUP_MANIFEST,
  CHROOT_SASLDB,
  FAKE_MX_LOG,
  FAKE_MX_PIDFILE,
  FAKE_MX_STATUS,
  LAB_CONF_DIR,
  LAB_GROUPS,
  LAB_HOSTNAME,
  LAB_USERS,
  LOCAL_CLIENTS_FILE,
  MAIL_LOG,
  MAIN_CF,
  MASTER_CF,
  RELAY_NETWORK,
  ROOT_ALIAS_TARGET,
  SASLDB,
  SASL_ACCOUNTS,
  SASL_SMTPD_CONF,
  SMTP_HOST,
  SMTP_PORT,
  SPOOL_DIR,
  STATE_DIR,
  STATE_FILE,
  TRANSPORT_FILE,
} from './config';
import type { FakeMxStatus } from './fake-mx';
import { CATCHALL, FAKE_MX_HOST, PERSONAS, transportFor } from './personas';
import {
  LOCAL_SMTP_SCRIPT,
  NEWSLETTER,
  OPEN_RELAY,
  PHP_SPAM,
  STOLEN_LOGIN,
  scenarioByName,
  type ExpectedSource,
  type MessageSubmission,
  type Scenario,
  type SendmailSubmission,
  type SmtpSubmission,
  type Submission,
  type WeblogSubmission,
} from './scenarios';
import { SmtpSession, type OutgoingMessage } from './smtp-client';
import { Rng, expand, hashSeed, type TemplateContext } from './template';

export * from './config';
export type { Scenario, Submission, SendmailSubmission, SmtpSubmission, WeblogSubmission, ExpectedSource } from './scenarios';
export { SCENARIOS, scenarioByName } from './scenarios';
export { PERSONAS } from './personas';

const SENDMAIL = '/usr/sbin/sendmail';
const ENV = { ...process.env, LC_ALL: 'C', LANG: 'C' };

// ---------------------------------------------------------------------------------------------
// process helpers

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Spawns `program` with an argument array (never a shell). */
export function run(program: string, args: readonly string[], opts: { input?: string | Buffer; allowFail?: boolean; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, [...args], { env: ENV, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    if (opts.timeoutMs) timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => undefined);
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      reject(new Error(`${program}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const res = { code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
      if (res.code !== 0 && !opts.allowFail) {
        reject(new Error(`${program} ${args.join(' ')} exited ${res.code}${signal ? ` (${signal})` : ''}: ${(res.stderr || res.stdout).trim()}`));
      } else resolve(res);
    });
    child.stdin.end(opts.input ?? '');
  });
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch {
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function requireRoot(what: string): void {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    throw new Error(`spamtrace lab ${what}: must run as root (uid 0); the lab reconfigures Postfix and creates system users`);
  }
}

async function writeAtomic(file: string, content: string | Buffer, mode = 0o644): Promise<void> {
  const tmp = `${file}.spamtrace-lab.tmp`;
  await fs.writeFile(tmp, content, { mode });
  await fs.chmod(tmp, mode);
  await fs.rename(tmp, file);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readPid(file: string): Promise<number | undefined> {
  try {
    const pid = Number((await fs.readFile(file, 'utf8')).trim());
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function cmdline(pid: number): Promise<string> {
  try {
    return (await fs.readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ');
  } catch {
    return '';
  }
}

/** Resolves true when something on host:port answers with an SMTP banner (any code). */
function smtpBanner(host: string, port: number, timeoutMs = 2000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    let buf = '';
    const done = (v: string | undefined) => {
      sock.destroy();
      resolve(v);
    };
    sock.setTimeout(timeoutMs, () => done(undefined));
    sock.on('error', () => done(undefined));
    sock.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      if (/^\d{3} [^\n]*\n/m.test(buf)) {
        sock.write('QUIT\r\n');
        done(buf.trim());
      }
    });
  });
}

export async function sha256File(file: string): Promise<string> {
  return createHash('sha256').update(await fs.readFile(file)).digest('hex');
}

// ---------------------------------------------------------------------------------------------
// backup manifest and state

interface BackedUpFile {
  path: string;
  existed: boolean;
  /** file name inside BACKUP_DIR */
  copy?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  sha256?: string;
}

interface BackupManifest {
  createdAt: string;
  files: BackedUpFile[];
  mailLogExisted: boolean;
  postfixWasRunning: boolean;
}

interface LabState {
  createdUsers: string[];
  createdGroups: string[];
  /** top-most directories the lab created (removed recursively by down, newest first) */
  createdDirs: string[];
  upCount: number;
}

/** Files the lab changes and restores byte for byte (or removes when they did not exist). */
const BACKED_UP_FILES = [MAIN_CF, MASTER_CF, SASL_SMTPD_CONF, SASLDB, CHROOT_SASLDB];

async function readManifest(): Promise<BackupManifest | undefined> {
  try {
    return JSON.parse(await fs.readFile(BACKUP_MANIFEST, 'utf8')) as BackupManifest;
  } catch {
    return undefined;
  }
}

async function readState(): Promise<LabState> {
  try {
    return JSON.parse(await fs.readFile(STATE_FILE, 'utf8')) as LabState;
  } catch {
    return { createdUsers: [], createdGroups: [], createdDirs: [], upCount: 0 };
  }
}

async function writeState(s: LabState): Promise<void> {
  await writeAtomic(STATE_FILE, JSON.stringify(s, null, 2) + '\n', 0o600);
}

/** Takes the one backup; an existing complete backup (manifest present) is never overwritten. */
async function backupOnce(log: (s: string) => void): Promise<BackupManifest> {
  const existing = await readManifest();
  if (existing) {
    log(`backup: kept existing backup from ${existing.createdAt} (${BACKUP_DIR})`);
    return existing;
  }
  await fs.mkdir(BACKUP_DIR, { recursive: true, mode: 0o700 });
  const files: BackedUpFile[] = [];
  for (const p of BACKED_UP_FILES) {
    try {
      const st = await fs.stat(p);
      const data = await fs.readFile(p);
      const copy = p.replace(/^\//, '').replace(/\//g, '__');
      await fs.writeFile(path.join(BACKUP_DIR, copy), data, { mode: 0o600 });
      files.push({ path: p, existed: true, copy, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, sha256: createHash('sha256').update(data).digest('hex') });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      files.push({ path: p, existed: false });
    }
  }
  const manifest: BackupManifest = {
    createdAt: new Date().toISOString(),
    files,
    mailLogExisted: await exists(MAIL_LOG),
    postfixWasRunning: (await postfixPid()) !== undefined,
  };
  // the manifest is written last: its presence marks a complete backup
  await writeAtomic(BACKUP_MANIFEST, JSON.stringify(manifest, null, 2) + '\n', 0o600);
  log(`backup: saved ${files.filter((f) => f.existed).map((f) => f.path).join(', ')} to ${BACKUP_DIR}`);
  return manifest;
}

// ---------------------------------------------------------------------------------------------
// users, groups, directories

async function getent(db: 'passwd' | 'group', key: string): Promise<string[] | undefined> {
  const r = await run('getent', [db, key], { allowFail: true });
  if (r.code !== 0) return undefined;
  const line = r.stdout.split('\n')[0] ?? '';
  return line.split(':');
}

/** Refuses before anything is changed when a lab uid/gid or name is taken by someone else. */
async function preflightIds(): Promise<void> {
  for (const g of LAB_GROUPS) {
    const byGid = await getent('group', String(g.gid));
    const byName = await getent('group', g.name);
    if (byGid && byGid[0] !== g.name && !byName) {
      throw new Error(`lab up: gid ${g.gid} belongs to group ${byGid[0]}, not ${g.name}; free it or change LAB_GROUPS in test/lab/config.ts`);
    }
  }
  for (const u of LAB_USERS) {
    const byUid = await getent('passwd', String(u.uid));
    if (byUid && byUid[0] !== u.name) {
      throw new Error(`lab up: uid ${u.uid} belongs to ${byUid[0]}, not ${u.name}; the lab needs uid ${u.uid} for ${u.name}`);
    }
    const byName = await getent('passwd', u.name);
    if (byName && Number(byName[2]) !== u.uid) {
      throw new Error(`lab up: user ${u.name} exists with uid ${byName[2]}, the lab needs uid ${u.uid}`);
    }
  }
}

async function ensureGroups(state: LabState, log: (s: string) => void): Promise<void> {
  for (const g of LAB_GROUPS) {
    const byName = await getent('group', g.name);
    if (byName) {
      if (Number(byName[2]) !== g.gid) log(`group ${g.name} exists with gid ${byName[2]} (lab would use ${g.gid}); using it`);
      continue;
    }
    const byGid = await getent('group', String(g.gid));
    if (byGid) throw new Error(`lab up: gid ${g.gid} belongs to group ${byGid[0]}, not ${g.name}; free it or change LAB_GROUPS`);
    await run('groupadd', ['-g', String(g.gid), g.name]);
    state.createdGroups.push(g.name);
    await writeState(state);
    log(`created group ${g.name} (gid ${g.gid})`);
  }
}

/** mkdir -p that records the top-most directory it had to create. */
async function mkdirTracked(dir: string, state: LabState): Promise<void> {
  let top: string | undefined;
  let cur = dir;
  while (!(await exists(cur))) {
    top = cur;
    const parent = path.dirname(cur);
    if (parent === cur) break;
    cur = parent;
  }
  if (top === undefined) return;
  await fs.mkdir(dir, { recursive: true, mode: 0o755 });
  if (!state.createdDirs.some((d) => top === d || top.startsWith(d + '/'))) {
    state.createdDirs.push(top);
    await writeState(state);
  }
}

async function ensureUsers(state: LabState, log: (s: string) => void): Promise<void> {
  for (const u of LAB_USERS) {
    const byUid = await getent('passwd', String(u.uid));
    if (byUid && byUid[0] !== u.name) {
      throw new Error(`lab up: uid ${u.uid} belongs to ${byUid[0]}, not ${u.name}; the lab needs uid ${u.uid} for ${u.name}`);
    }
    const byName = await getent('passwd', u.name);
    if (byName && Number(byName[2]) !== u.uid) {
      throw new Error(`lab up: user ${u.name} exists with uid ${byName[2]}, the lab needs uid ${u.uid}`);
    }
    if (!byName) {
      await run('useradd', ['-u', String(u.uid), '-g', u.group, '-d', u.home, '-M', '-s', u.shell, u.name]);
      state.createdUsers.push(u.name);
      await writeState(state);
      log(`created user ${u.name} (uid ${u.uid}, ${u.panel}, home ${u.home})`);
    }
    for (const d of [u.home, u.docRoot, u.logDir]) await mkdirTracked(d, state);
    const grp = await getent('group', u.group);
    const gid = grp ? Number(grp[2]) : u.uid;
    await fs.chown(u.home, u.uid, gid);
    await fs.chown(u.docRoot, u.uid, gid);
    if (!(await exists(u.accessLog))) await fs.writeFile(u.accessLog, '', { mode: 0o644 });
  }
}

// ---------------------------------------------------------------------------------------------
// Postfix

/** The main.cf settings the lab applies with `postconf -e` (one argument per setting). */
export function labPostconfSettings(): Record<string, string> {
  const host = os.hostname();
  const localNames = ['$myhostname', ...(/^[A-Za-z0-9.-]+$/.test(host) && host !== LAB_HOSTNAME ? [host] : []), 'localhost.localdomain', 'localhost'];
  const catchall = transportFor(CATCHALL);
  return {
    myhostname: LAB_HOSTNAME,
    myorigin: '$myhostname',
    mydestination: localNames.join(', '),
    inet_interfaces: 'loopback-only',
    inet_protocols: 'ipv4',
    mynetworks: `127.0.0.0/8 ${RELAY_NETWORK}`,
    relayhost: '',
    // network rule: nothing leaves loopback, no DNS at all
    default_transport: catchall,
    relay_transport: catchall,
    transport_maps: `hash:${TRANSPORT_FILE}`,
    smtp_dns_support_level: 'disabled',
    smtp_host_lookup: 'native',
    smtpd_peername_lookup: 'no',
    smtp_tls_security_level: 'none',
    alias_maps: `hash:${ALIASES_FILE}, hash:/etc/aliases`,
    // The default (permit_inet_interfaces) tests the real socket peer, which is always 127.0.0.1
    // in the lab, so XCLIENT clients would get rewrite_context=local. Matching the (XCLIENT)
    // client address against loopback gives what production gives: local only for local clients.
    local_header_rewrite_clients: `check_address_map cidr:${LOCAL_CLIENTS_FILE}`,
    maillog_file: MAIL_LOG,
    // SASL (Cyrus, sasldb) and XCLIENT from the lab's own client
    smtpd_sasl_auth_enable: 'yes',
    smtpd_sasl_type: 'cyrus',
    smtpd_sasl_path: 'smtpd',
    cyrus_sasl_config_path: path.dirname(SASL_SMTPD_CONF),
    smtpd_sasl_security_options: 'noanonymous',
    smtpd_tls_auth_only: 'no',
    smtpd_authorized_xclient_hosts: '127.0.0.1',
    smtpd_relay_restrictions: 'permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination',
    // deferred mail stays deferred while tests look at it
    minimal_backoff_time: '4h',
    maximal_backoff_time: '8h',
    queue_run_delay: '1h',
  };
}

export function transportTable(): string {
  const lines = [
    '# spamtrace lab: every provider domain -> its fake-MX persona on 127.0.0.1 (brackets: no MX lookup)',
    `# everything else -> default_transport ${transportFor(CATCHALL)} (catchall)`,
  ];
  for (const p of PERSONAS) {
    for (const d of p.domains) lines.push(`${d}\t${transportFor(p)}`);
  }
  return lines.join('\n') + '\n';
}

export function aliasesTable(): string {
  return [
    '# spamtrace lab: root mail goes to an external admin at a greylisting domain, so it stays deferred',
    `root: ${ROOT_ALIAS_TARGET}`,
    '',
  ].join('\n');
}

export const SASL_SMTPD_CONF_TEXT = 'pwcheck_method: auxprop\nauxprop_plugin: sasldb\nmech_list: PLAIN LOGIN\n';

async function postfixPid(): Promise<number | undefined> {
  const pid = await readPid(path.join(SPOOL_DIR, 'pid', 'master.pid'));
  if (pid === undefined || !pidAlive(pid)) return undefined;
  try {
    const comm = (await fs.readFile(`/proc/${pid}/comm`, 'utf8')).trim();
    return comm === 'master' ? pid : undefined;
  } catch {
    return pid;
  }
}

async function waitFor(cond: () => Promise<boolean>, timeoutMs: number, what: string, pollMs = 100): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`lab: timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(pollMs);
  }
}

async function startPostfix(): Promise<void> {
  await run('postfix', ['start']);
  await waitFor(async () => (await smtpBanner(SMTP_HOST, SMTP_PORT, 1000))?.startsWith('220') ?? false, 20000, 'Postfix on 127.0.0.1:25');
}

async function stopPostfix(): Promise<void> {
  const pid = await postfixPid();
  if (pid === undefined) return;
  await run('postfix', ['stop'], { allowFail: true });
  await waitFor(async () => !pidAlive(pid), 20000, 'Postfix master to exit');
}

async function configurePostfix(log: (s: string) => void): Promise<string[]> {
  await fs.mkdir(LAB_CONF_DIR, { recursive: true, mode: 0o755 });
  await writeAtomic(TRANSPORT_FILE, transportTable());
  await writeAtomic(ALIASES_FILE, aliasesTable());
  await writeAtomic(LOCAL_CLIENTS_FILE, '# spamtrace lab: clients whose mail gets rewrite_context=local (like permit_inet_interfaces on a loopback-only server)\n127.0.0.0/8\tOK\n');
  await run('postmap', [`hash:${TRANSPORT_FILE}`]);
  await run('postalias', [`hash:${ALIASES_FILE}`]);

  // Cyrus SASL with sasldb; smtpd is chrooted on Debian, so it reads the chroot's copy
  await fs.mkdir(path.dirname(SASL_SMTPD_CONF), { recursive: true, mode: 0o755 });
  await writeAtomic(SASL_SMTPD_CONF, SASL_SMTPD_CONF_TEXT);
  for (const a of SASL_ACCOUNTS) {
    const at = a.login.lastIndexOf('@');
    await run('saslpasswd2', ['-p', '-c', '-u', a.login.slice(at + 1), a.login.slice(0, at)], { input: a.password });
  }
  const postfixGroup = await getent('group', 'postfix');
  await fs.mkdir(path.dirname(CHROOT_SASLDB), { recursive: true, mode: 0o755 });
  await fs.copyFile(SASLDB, CHROOT_SASLDB);
  await fs.chmod(CHROOT_SASLDB, 0o640);
  // root-owned (postfix check insists), group postfix may read
  await fs.chown(CHROOT_SASLDB, 0, postfixGroup ? Number(postfixGroup[2]) : 0);

  const settings = labPostconfSettings();
  await run('postconf', ['-e', ...Object.entries(settings).map(([k, v]) => `${k}=${v}`)]);
  log(`postconf: applied ${Object.keys(settings).length} settings; transport_maps ${TRANSPORT_FILE}, alias_maps ${ALIASES_FILE}`);

  // postfix-script reports check warnings to the mail log (maillog_file), not to stdout
  const logSize = await fs.stat(MAIL_LOG).then((st) => st.size, () => 0);
  const check = await run('postfix', ['check'], { allowFail: true });
  const logged = await fs.readFile(MAIL_LOG).then((b) => b.subarray(logSize).toString('utf8'), () => '');
  const warnings = [...(check.stdout + check.stderr).split('\n'), ...logged.split('\n').filter((l) => /warning|fatal|error/i.test(l))]
    .map((l) => l.trim())
    .filter(Boolean);
  if (check.code !== 0) throw new Error(`lab up: postfix check failed: ${warnings.join(' | ')}`);
  return warnings;
}

// ---------------------------------------------------------------------------------------------
// fake MX process

async function fakeMxPid(): Promise<number | undefined> {
  const pid = await readPid(FAKE_MX_PIDFILE);
  if (pid === undefined || !pidAlive(pid)) return undefined;
  return (await cmdline(pid)).includes('fake-mx') ? pid : undefined;
}

async function fakeMxAnswering(): Promise<boolean> {
  for (const p of PERSONAS) if (!(await smtpBanner(FAKE_MX_HOST, p.port, 1000))) return false;
  return true;
}

async function startFakeMxProcess(): Promise<number> {
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

async function stopFakeMxProcess(): Promise<void> {
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

// ---------------------------------------------------------------------------------------------
// up / down / status

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
  return { elapsedMs: Date.now() - t0, postfixPid: pid, fakeMxPid, postfixCheck, createdUsers: [...state.createdUsers] };
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
  const restored: string[] = [];
  const removed: string[] = [];

  await stopFakeMxProcess();
  if (!manifest) {
    if (await exists(STATE_DIR)) await fs.rm(STATE_DIR, { recursive: true, force: true });
    log('lab is not up (no backup manifest); nothing to restore');
    return { elapsedMs: Date.now() - t0, wasUp: false, restored, removed };
  }

  await stopPostfix();
  log('postfix: stopped');
  // empty the queue while the lab's configuration is still in place
  await run('postsuper', ['-d', 'ALL'], { allowFail: true });
  log('queue: deleted all messages');

  for (const f of manifest.files) {
    if (f.existed && f.copy) {
      const data = await fs.readFile(path.join(BACKUP_DIR, f.copy));
      await writeAtomic(f.path, data, f.mode ?? 0o644);
      if (f.uid !== undefined && f.gid !== undefined) await fs.chown(f.path, f.uid, f.gid);
      restored.push(f.path);
    } else if (!f.existed && (await exists(f.path))) {
      await fs.rm(f.path, { force: true });
      removed.push(f.path);
    }
  }
  log(`restored ${restored.join(', ')}`);

  for (const p of [LAB_CONF_DIR, ...(manifest.mailLogExisted ? [] : [MAIL_LOG])]) {
    if (await exists(p)) {
      await fs.rm(p, { recursive: true, force: true });
      removed.push(p);
    }
  }
  for (const u of [...state.createdUsers].reverse()) {
    await run('userdel', [u], { allowFail: true });
    removed.push(`user ${u}`);
  }
  for (const g of [...state.createdGroups].reverse()) {
    if (await getent('group', g)) await run('groupdel', [g], { allowFail: true });
    removed.push(`group ${g}`);
  }
  for (const d of [...state.createdDirs].reverse()) {
    await fs.rm(d, { recursive: true, force: true });
    removed.push(d);
  }
  log(`removed ${removed.join(', ')}`);

  if (manifest.postfixWasRunning) {
    await run('postfix', ['start'], { allowFail: true });
    log('postfix: was running before the lab, started again with the original configuration');
  }
  await fs.rm(STATE_DIR, { recursive: true, force: true });
  return { elapsedMs: Date.now() - t0, wasUp: true, restored, removed };
}

export interface QueueCounts {
  maildrop: number;
  incoming: number;
  active: number;
  deferred: number;
  hold: number;
}

/** Counts queue files by reading the spool directories (root only; fast even for 20,000 messages). */
export async function spoolCounts(): Promise<QueueCounts> {
  const countDir = async (dir: string, depth: number): Promise<number> => {
    let n = 0;
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      return 0;
    }
    for (const e of entries) {
      if (e.isDirectory()) {
        if (depth > 0) n += await countDir(path.join(dir, e.name), depth - 1);
      } else n++;
    }
    return n;
  };
  const [maildrop, incoming, active, deferred, hold] = await Promise.all(
    ['maildrop', 'incoming', 'active', 'deferred', 'hold'].map((q) => countDir(path.join(SPOOL_DIR, q), 3)),
  );
  return { maildrop: maildrop ?? 0, incoming: incoming ?? 0, active: active ?? 0, deferred: deferred ?? 0, hold: hold ?? 0 };
}

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

// ---------------------------------------------------------------------------------------------
// queue

export interface QueueEntry {
  queue_name: string;
  queue_id: string;
  arrival_time: number;
  message_size: number;
  forced_expire?: boolean;
  sender: string;
  recipients: Array<{ address: string; delay_reason?: string; orig_address?: string }>;
}

/** `postqueue -j`, parsed (unknown members kept as they are). */
export async function postqueueJson(): Promise<QueueEntry[]> {
  const r = await run('postqueue', ['-j'], { allowFail: true });
  if (r.code !== 0) throw new Error(`postqueue -j failed: ${r.stderr.trim()}`);
  return r.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as QueueEntry);
}

export interface SettleResult {
  elapsedMs: number;
  counts: QueueCounts;
}

/**
 * Waits until maildrop, incoming and active are empty, confirmed by `postqueue -j`: every
 * message has been tried once and is either gone (delivered/bounced) or deferred with a reason.
 */
export async function waitForQueueSettled(timeoutMs = 120000, pollMs = 250): Promise<SettleResult> {
  const t0 = Date.now();
  let last: QueueCounts | undefined;
  for (;;) {
    last = await spoolCounts();
    if (last.maildrop + last.incoming + last.active === 0) {
      const busy = (await postqueueJson()).filter((e) => e.queue_name === 'maildrop' || e.queue_name === 'incoming' || e.queue_name === 'active');
      if (busy.length === 0) {
        // a second look: a bounce or forwarded message may be on its way into incoming
        await sleep(pollMs);
        const again = await spoolCounts();
        if (again.maildrop + again.incoming + again.active === 0) return { elapsedMs: Date.now() - t0, counts: again };
      }
    }
    if (Date.now() - t0 > timeoutMs) {
      throw new Error(`lab: queue not settled after ${timeoutMs} ms: ${JSON.stringify(last)}`);
    }
    await sleep(pollMs);
  }
}

/** `postsuper -d ALL`; refuses unless the lab is up, so it can never empty a real queue. */
export async function flushQueue(): Promise<number> {
  requireRoot('flush');
  if (!(await readManifest())) throw new Error('lab flush: the lab is not up; refusing to delete a queue the lab does not own');
  const r = await run('postsuper', ['-d', 'ALL']);
  const m = /Deleted: (\d+) message/.exec(r.stderr + r.stdout);
  return m ? Number(m[1]) : 0;
}

const QUEUE_ID = /^[0-9A-Za-z]{6,20}$/;

/** `postcat -e -h -q ID...` for lab tests (IDs validated before they reach the command line). */
export async function postcat(ids: readonly string[]): Promise<string> {
  for (const id of ids) if (!QUEUE_ID.test(id)) throw new Error(`lab postcat: bad queue id ${JSON.stringify(id)}`);
  return (await run('postcat', ['-e', '-h', '-q', ...ids])).stdout;
}

// ---------------------------------------------------------------------------------------------
// scenarios

/** Submitting while Postfix is down would strand mail in maildrop; say so at once. */
async function requireRunning(): Promise<void> {
  if ((await postfixPid()) === undefined || (await fakeMxPid()) === undefined) {
    throw new Error('lab: Postfix or the fake MX is not running; run "npm run lab -- up" first');
  }
}

export interface RunScenarioOptions {
  /** replaces `count` of every message submission (and of weblog submissions with scaleWithCount) */
  count?: number;
  /** PRNG seed (default: derived from the scenario name, so runs are reproducible) */
  seed?: number;
  /** wait for the queue to settle afterwards (default false) */
  wait?: boolean;
  waitTimeoutMs?: number;
  /** parallel sendmail processes (default 8) */
  sendmailParallel?: number;
  /** override every SMTP submission's parallel connections */
  smtpParallel?: number;
  /** override every SMTP submission's messagesPerConnection */
  messagesPerConnection?: number;
  log?: (line: string) => void;
}

export interface SubmissionResult {
  label: string;
  via: Submission['via'];
  /** messages (or log lines) attempted */
  attempted: number;
  /** messages accepted by Postfix (or log lines written) */
  submitted: number;
  failed: number;
  /** recipients of the submitted messages */
  recipients: number;
  /** queue IDs from SMTP "queued as" replies (sendmail does not report them) */
  queueIds: string[];
  /** the first few errors */
  errors: string[];
  elapsedMs: number;
  expect?: ExpectedSource;
}

export interface ScenarioRun {
  scenario: string;
  seed: number;
  startedAt: string;
  elapsedMs: number;
  submissions: SubmissionResult[];
  settled?: SettleResult;
}

interface BuiltMessage extends OutgoingMessage {
  n: number;
}

/** Expands one message submission into concrete messages (deterministic for a given rng). */
export function buildMessages(sub: MessageSubmission, count: number, rng: Rng, firstN = 1): BuiltMessage[] {
  const out: BuiltMessage[] = [];
  const per = sub.rcptPerMessage ?? sub.to.length;
  if (sub.to.length === 0 || per < 1) throw new Error(`lab: submission ${sub.label ?? sub.via} has no recipients`);
  for (let i = 0; i < count; i++) {
    const n = firstN + i;
    const ctx: TemplateContext = { rng, n, host: LAB_HOSTNAME };
    const from = expand(sub.from, ctx);
    const to: string[] = [];
    for (let j = 0; j < per; j++) {
      const k = (n - 1) * per + j;
      to.push(expand(sub.to[k % sub.to.length] as string, { ...ctx, r: k + 1 }));
    }
    const hctx: TemplateContext = { ...ctx, from, to };
    const head = sub.headers.map(([name, value]) => `${name}: ${expand(value, hctx)}`).join('\n');
    const body = expand(sub.body, hctx);
    out.push({ n, from, to, data: `${head}\n\n${body}${body.endsWith('\n') ? '' : '\n'}` });
  }
  return out;
}

function clfDate(d: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (x: number) => String(x).padStart(2, '0');
  const off = -d.getTimezoneOffset();
  const abs = Math.abs(off);
  return `${pad(d.getDate())}/${months[d.getMonth()]}/${d.getFullYear()}:${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${off >= 0 ? '+' : '-'}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`;
}

async function runWeblog(sub: WeblogSubmission, count: number, rng: Rng): Promise<SubmissionResult> {
  const t0 = Date.now();
  const interval = (sub.intervalSeconds ?? 15) * 1000;
  const now = Date.now();
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const ctx: TemplateContext = { rng, n: i + 1, host: LAB_HOSTNAME };
    const when = new Date(now - (count - 1 - i) * interval);
    const q = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
    lines.push(
      `${expand(sub.ip, ctx)} - - [${clfDate(when)}] "${q(expand(sub.method, ctx))} ${q(expand(sub.path, ctx))} HTTP/1.1" ${sub.status} ${sub.bytes ?? '-'} ` +
        `"${q(sub.referer !== undefined ? expand(sub.referer, ctx) : '-')}" "${q(sub.userAgent !== undefined ? expand(sub.userAgent, ctx) : '-')}"`,
    );
  }
  await fs.mkdir(path.dirname(sub.file), { recursive: true });
  if (count > 0) await fs.appendFile(sub.file, lines.join('\n') + '\n');
  return { label: sub.label ?? 'weblog', via: 'weblog', attempted: count, submitted: count, failed: 0, recipients: 0, queueIds: [], errors: [], elapsedMs: Date.now() - t0 };
}

async function pool<T>(items: readonly T[], parallel: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(parallel, items.length)) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  });
  await Promise.all(workers);
}

function newResult(sub: MessageSubmission, attempted: number): SubmissionResult {
  const r: SubmissionResult = { label: sub.label ?? sub.via, via: sub.via, attempted, submitted: 0, failed: 0, recipients: 0, queueIds: [], errors: [], elapsedMs: 0 };
  if (sub.expect) r.expect = sub.expect;
  return r;
}

function noteError(r: SubmissionResult, e: string): void {
  r.failed++;
  if (r.errors.length < 5) r.errors.push(e);
}

async function runSendmail(sub: SendmailSubmission, msgs: BuiltMessage[], parallel: number): Promise<SubmissionResult> {
  const t0 = Date.now();
  const res = newResult(sub, msgs.length);
  await pool(msgs, parallel, async (m) => {
    const args = ['-u', sub.user, '--', SENDMAIL, '-i', ...(sub.sendmailArgs ?? []), '-f', m.from, '--', ...m.to];
    try {
      const r = await run('runuser', args, { input: m.data, allowFail: true, timeoutMs: 60000 });
      if (r.code === 0) {
        res.submitted++;
        res.recipients += m.to.length;
      } else noteError(res, `sendmail exit ${r.code}: ${r.stderr.trim()}`);
    } catch (e) {
      noteError(res, (e as Error).message);
    }
  });
  res.elapsedMs = Date.now() - t0;
  return res;
}

async function runSmtp(sub: SmtpSubmission, msgs: BuiltMessage[], rng: Rng, opts: RunScenarioOptions): Promise<SubmissionResult> {
  const t0 = Date.now();
  const res = newResult(sub, msgs.length);
  const perConn = Math.max(1, opts.messagesPerConnection ?? sub.messagesPerConnection ?? 1);
  const chunks: Array<{ msgs: BuiltMessage[]; session: Parameters<typeof SmtpSession.open>[0] }> = [];
  for (let i = 0; i < msgs.length; i += perConn) {
    const part = msgs.slice(i, i + perConn);
    const ctx: TemplateContext = { rng, n: part[0]?.n ?? 1, host: LAB_HOSTNAME };
    const session: Parameters<typeof SmtpSession.open>[0] = { host: SMTP_HOST, port: SMTP_PORT, ehlo: expand(sub.helo ?? 'localhost', ctx), timeoutMs: 60000 };
    if (sub.xclient) {
      session.xclient = { addr: expand(sub.xclient.addr, ctx) };
      if (sub.xclient.name !== undefined) session.xclient.name = expand(sub.xclient.name, ctx);
      if (sub.xclient.helo !== undefined) session.xclient.helo = expand(sub.xclient.helo, ctx);
    }
    if (sub.auth) {
      session.auth = { user: expand(sub.auth.user, ctx), password: expand(sub.auth.password, ctx), mechanism: sub.auth.mechanism ?? 'LOGIN' };
    }
    chunks.push({ msgs: part, session });
  }
  await pool(chunks, opts.smtpParallel ?? sub.parallel ?? 4, async (chunk) => {
    let s: SmtpSession;
    try {
      s = await SmtpSession.open(chunk.session);
    } catch (e) {
      for (let i = 0; i < chunk.msgs.length; i++) noteError(res, (e as Error).message);
      return;
    }
    try {
      for (const m of chunk.msgs) {
        const r = await s.send(m);
        if (r.ok) {
          res.submitted++;
          res.recipients += r.acceptedRecipients;
          if (r.queueId) res.queueIds.push(r.queueId);
        } else noteError(res, r.error ?? 'rejected');
      }
    } catch (e) {
      noteError(res, (e as Error).message);
    } finally {
      await s.quit();
    }
  });
  res.elapsedMs = Date.now() - t0;
  return res;
}

/** Runs one submission with an explicit message count. */
export async function runSubmission(sub: Submission, count: number, rng: Rng, opts: RunScenarioOptions = {}): Promise<SubmissionResult> {
  if (sub.via === 'weblog') return runWeblog(sub, count, rng);
  const msgs = buildMessages(sub, count, rng);
  if (sub.via === 'sendmail') return runSendmail(sub, msgs, opts.sendmailParallel ?? 8);
  return runSmtp(sub, msgs, rng, opts);
}

/**
 * Runs a built-in scenario (by name) or your own `Scenario` object. Submissions run one after
 * the other; messages inside a submission run in parallel.
 */
export async function runScenario(nameOrScenario: string | Scenario, opts: RunScenarioOptions = {}): Promise<ScenarioRun> {
  await requireRunning();
  const scenario = typeof nameOrScenario === 'string' ? scenarioByName(nameOrScenario) : nameOrScenario;
  const seed = opts.seed ?? hashSeed(scenario.name);
  const rng = new Rng(seed);
  const t0 = Date.now();
  const startedAt = new Date().toISOString();
  const results: SubmissionResult[] = [];
  for (const sub of scenario.submissions) {
    const scaled = sub.via !== 'weblog' || sub.scaleWithCount === true;
    const count = opts.count !== undefined && scaled ? opts.count : sub.count;
    const r = await runSubmission(sub, count, rng, opts);
    opts.log?.(`${r.label}: ${r.submitted}/${r.attempted} ${sub.via === 'weblog' ? 'log lines' : `messages (${r.recipients} recipients)`} in ${r.elapsedMs} ms${r.failed ? `, ${r.failed} failed: ${r.errors[0]}` : ''}`);
    results.push(r);
  }
  const run: ScenarioRun = { scenario: scenario.name, seed, startedAt, elapsedMs: Date.now() - t0, submissions: results };
  if (opts.wait) run.settled = await waitForQueueSettled(opts.waitTimeoutMs ?? 120000);
  return run;
}

// ---------------------------------------------------------------------------------------------
// bulk fill for benchmarks

export type FillKind = 'php' | 'newsletter' | 'sasl' | 'relay' | 'local-smtp';

export interface FillOptions {
  total: number;
  /** relative weights per source (default: sasl 45, relay 25, local-smtp 15, php 10, newsletter 5) */
  mix?: Partial<Record<FillKind, number>>;
  /** parallel SMTP connections per SMTP source (default 3) */
  smtpParallel?: number;
  /** messages per SMTP connection (default 250) */
  messagesPerConnection?: number;
  /** parallel sendmail processes per local source (default 6) */
  sendmailParallel?: number;
  seed?: number;
  settleTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface FillResult {
  total: number;
  submitted: number;
  failed: number;
  perKind: Record<string, { submitted: number; failed: number; elapsedMs: number; errors: string[] }>;
  submitMs: number;
  settleMs: number;
  elapsedMs: number;
  /** messages per second, submission to settled */
  rate: number;
  queue: QueueCounts;
}

export const DEFAULT_FILL_MIX: Record<FillKind, number> = { sasl: 45, relay: 25, 'local-smtp': 15, php: 10, newsletter: 5 };

function fillSubmission(kind: FillKind): MessageSubmission {
  const first = <T extends Submission>(s: Scenario): T => s.submissions.find((x) => x.via !== 'weblog') as T;
  switch (kind) {
    case 'php':
      return first<SendmailSubmission>(PHP_SPAM);
    case 'newsletter':
      return { ...first<SendmailSubmission>(NEWSLETTER), rcptPerMessage: 10 };
    case 'sasl': {
      const s = first<SmtpSubmission>(STOLEN_LOGIN);
      // several bot IPs, fewer recipients per message than the scenario (bench: many messages)
      return {
        ...s,
        xclient: { addr: '{pick:93.120.196.244|93.120.196.12|178.46.12.{int:1-254}|5.18.{int:1-254}.7}', name: '[UNAVAILABLE]', helo: '{rand:10}' },
        to: ['{rand:7}@gmail.com', '{rand:8}@yahoo.com', '{rand:6}@rediffmail.com', '{rand:7}@aol.com'],
        rcptPerMessage: 3,
      };
    }
    case 'relay':
      return first<SmtpSubmission>(OPEN_RELAY);
    case 'local-smtp':
      return first<SmtpSubmission>(LOCAL_SMTP_SCRIPT);
  }
}

/**
 * Puts `total` messages into the queue quickly (SMTP: many messages per connection, several
 * connections; local sources: parallel sendmail) and waits until the queue has settled.
 */
export async function fillQueueFast(opts: FillOptions): Promise<FillResult> {
  requireRoot('fill');
  await requireRunning();
  const t0 = Date.now();
  const mix = opts.mix ?? DEFAULT_FILL_MIX;
  const kinds = (Object.keys(mix) as FillKind[]).filter((k) => (mix[k] ?? 0) > 0);
  const weight = kinds.reduce((a, k) => a + (mix[k] ?? 0), 0);
  if (kinds.length === 0 || weight <= 0) throw new Error('lab fill: empty mix');
  const counts = new Map<FillKind, number>();
  let assigned = 0;
  kinds.forEach((k, i) => {
    const c = i === kinds.length - 1 ? opts.total - assigned : Math.round((opts.total * (mix[k] ?? 0)) / weight);
    counts.set(k, c);
    assigned += c;
  });
  const seed = opts.seed ?? hashSeed('fill');
  const runOpts: RunScenarioOptions = {
    sendmailParallel: opts.sendmailParallel ?? 6,
    smtpParallel: opts.smtpParallel ?? 3,
    messagesPerConnection: opts.messagesPerConnection ?? 250,
  };
  const results = await Promise.all(
    kinds.map(async (k) => {
      const rng = new Rng(seed ^ hashSeed(k));
      const r = await runSubmission(fillSubmission(k), counts.get(k) ?? 0, rng, runOpts);
      opts.log?.(`fill ${k}: ${r.submitted}/${r.attempted} in ${r.elapsedMs} ms (${((r.submitted * 1000) / Math.max(1, r.elapsedMs)).toFixed(0)}/s)`);
      return [k, r] as const;
    }),
  );
  const submitMs = Date.now() - t0;
  const settled = await waitForQueueSettled(opts.settleTimeoutMs ?? 600000, 1000);
  const perKind: FillResult['perKind'] = {};
  let submitted = 0;
  let failed = 0;
  for (const [k, r] of results) {
    perKind[k] = { submitted: r.submitted, failed: r.failed, elapsedMs: r.elapsedMs, errors: r.errors };
    submitted += r.submitted;
    failed += r.failed;
  }
  const elapsedMs = Date.now() - t0;
  return { total: opts.total, submitted, failed, perKind, submitMs, settleMs: settled.elapsedMs, elapsedMs, rate: submitted / (elapsedMs / 1000), queue: settled.counts };
}
