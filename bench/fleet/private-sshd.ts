/**
 * A real OpenSSH server on 127.0.0.1 for the fleet tests and the bench: its own port,
 * generated host and user keys, its own sshd_config, pid file and authorized_keys in a
 * private temp dir; root may log in by key only, only from loopback. Plus an SSH client
 * config of aliases pointing to it, one to a dead port and one whose recorded host key
 * is wrong. Root only (sshd must switch users). Stopped by pid; the dir is removed.
 *
 * Every session runs a login script first (sshd `ForceCommand`, through root's login
 * shell and its ~/.bashrc): it counts the session in a file, can sleep like a slow real
 * ~/.bashrc (pyenv, conda, motd), and can put a directory of wrappers first in PATH (an
 * old distribution's tools), then runs the asked-for command with /bin/sh.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import { connect, createServer } from 'node:net';
import * as os from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
export const SSHD = '/usr/sbin/sshd';

export function canRunSshd(): boolean {
  return process.getuid?.() === 0 && existsSync(SSHD) && existsSync('/usr/bin/ssh') && existsSync('/usr/bin/ssh-keygen');
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface PrivateSshd {
  dir: string;
  port: number;
  /** ssh client config with the aliases below */
  configPath: string;
  /** aliases that reach the server */
  good: string[];
  /** alias to a port nobody listens on */
  dead: string;
  /** alias whose known_hosts entry is a different key */
  badKey: string;
  /** alias that offers a key the server does not accept */
  noKey: string;
  pid: number;
  /** sessions whose login shell started so far (each ran the login script once) */
  sessions(): Promise<number>;
  /** the sessions so far and the CPU their login shells and their commands used */
  sessionCpu(): Promise<SessionCpu>;
  stop(): Promise<void>;
}

export interface PrivateSshdOptions {
  goodAliases?: number;
  maxSessions?: number;
  maxStartups?: string;
  /** seconds every login shell sleeps before running the command (a slow ~/.bashrc) */
  slowLoginSeconds?: number;
  /** a directory put first in PATH of every session (wrappers that act like old tools) */
  pathPrefix?: string;
  /** TZ of every session: a server in another time zone (POSIX form, e.g. "<+10>-10") */
  timeZone?: string;
  /**
   * The text the sessions' login shell (root's bash) reads as its ~/.bashrc, in place of
   * root's own: bind-mounted over it in a private mount namespace that only this sshd and
   * its sessions live in, so nothing on the machine changes for anyone else. For a bench
   * whose login shell is to cost exactly what it prescribes, not this machine's rc files.
   * Needs root's ~/.bashrc to exist (the mount's target) and unshare(1).
   */
  loginRc?: string;
}

/** root's home as passwd says (sshd's sessions start there), not $HOME */
export function rootBashrc(): string {
  return join(os.userInfo().homedir, '.bashrc');
}

/** Can a private sshd replace the login shell's ~/.bashrc (loginRc)? */
export function canReplaceLoginRc(): boolean {
  return existsSync(UNSHARE) && existsSync(rootBashrc());
}

const UNSHARE = '/usr/bin/unshare';

export interface SessionCpu {
  sessions: number;
  /** CPU of the login shells up to the command (root's ~/.bashrc: pyenv init ...) */
  loginMs: number;
  /** CPU of the commands (the agent's /bin/sh and the programs it ran), sessions that ended */
  commandMs: number;
  /** sessions whose command has ended (the others' command CPU is not in commandMs yet) */
  ended: number;
}

/** Clock ticks of /proc/PID/stat: 100 per second on Linux (USER_HZ). */
const TICK_MS = 10;

async function readSessionLog(path: string): Promise<SessionCpu> {
  const text = await fs.readFile(path, 'utf8').catch(() => '');
  const start = new Map<string, number>();
  const out: SessionCpu = { sessions: 0, loginMs: 0, commandMs: 0, ended: 0 };
  for (const line of text.split('\n')) {
    const m = /^(start|end) (\d+) (\d+)$/.exec(line);
    if (!m) continue;
    const ticks = Number(m[3]);
    if (m[1] === 'start') {
      out.sessions++;
      out.loginMs += ticks * TICK_MS;
      start.set(m[2]!, ticks);
    } else {
      const s = start.get(m[2]!);
      if (s === undefined) continue;
      out.ended++;
      out.commandMs += (ticks - s) * TICK_MS;
      start.delete(m[2]!);
    }
  }
  return out;
}

async function keygen(path: string, comment: string): Promise<string> {
  await exec('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path]);
  return (await fs.readFile(`${path}.pub`, 'utf8')).trim();
}

async function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const end = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`sshd exited (${child.exitCode}): ${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const sock = connect(port, '127.0.0.1');
      sock.once('data', () => {
        sock.destroy();
        resolve(true);
      });
      sock.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`sshd did not answer on port ${port}: ${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startPrivateSshd(opts: PrivateSshdOptions = {}): Promise<PrivateSshd> {
  const dir = await fs.mkdtemp(join(os.tmpdir(), 'spamtrace-sshd-'));
  await fs.chmod(dir, 0o700);
  // sshd refuses to start without its privilege separation directory
  await fs.mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  const hostKey = join(dir, 'host_ed25519');
  const hostPub = await keygen(hostKey, 'spamtrace-test-host');
  const otherPub = await keygen(join(dir, 'other_host_ed25519'), 'not-the-host');
  const userKey = join(dir, 'id_ed25519');
  const userPub = await keygen(userKey, 'spamtrace-test-user');
  await fs.writeFile(join(dir, 'authorized_keys'), `${userPub}\n`, { mode: 0o600 });
  const port = await freePort();
  const dead = await freePort(); // nobody listens there once the probe closed it
  const pidFile = join(dir, 'sshd.pid');
  const sessionLog = join(dir, 'sessions');
  const loginScript = join(dir, 'login.sh');
  if (opts.timeZone && !/^[A-Za-z0-9<>+:,./_-]+$/.test(opts.timeZone)) throw new Error(`timeZone: a POSIX TZ value, not ${JSON.stringify(opts.timeZone)}`);
  if (opts.pathPrefix && !/^\/[A-Za-z0-9._/-]+$/.test(opts.pathPrefix)) throw new Error(`pathPrefix: a plain absolute path, not ${JSON.stringify(opts.pathPrefix)}`);
  const slow = opts.slowLoginSeconds ?? 0;
  if (!Number.isFinite(slow) || slow < 0 || slow > 60) throw new Error('slowLoginSeconds: 0 to 60');
  // sshd runs it (ForceCommand) through root's login shell for every session, with the
  // asked-for command in SSH_ORIGINAL_COMMAND: it counts the session, waits like a slow
  // ~/.bashrc, puts the wrappers first in PATH, then runs the command as sh would
  // It also records CPU: at its start, the CPU this process (the login bash it was exec'd
  // from, with its ~/.bashrc) and its waited children (pyenv's helpers) used so far: the
  // login shell's cost; at the end, what the session's command and its programs added.
  // Fields 14-17 of /proc/PID/stat: utime stime cutime cstime, in clock ticks.
  await fs.writeFile(
    loginScript,
    [
      '#!/bin/sh',
      'cpu() { set -- $(cat /proc/$$/stat 2>/dev/null); echo $((${14:-0} + ${15:-0} + ${16:-0} + ${17:-0})); }',
      `echo "start $$ $(cpu)" >> ${sessionLog}`,
      slow > 0 ? `sleep ${slow}` : '',
      opts.pathPrefix ? `PATH=${opts.pathPrefix}:$PATH; export PATH` : '',
      opts.timeZone ? `TZ='${opts.timeZone}'; export TZ` : '',
      '/bin/sh -c "$SSH_ORIGINAL_COMMAND"',
      's=$?',
      `echo "end $$ $(cpu)" >> ${sessionLog}`,
      'exit $s',
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  await fs.writeFile(
    join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${pidFile}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'StrictModes no',
      'UsePAM no',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'AllowUsers root@127.0.0.1',
      `MaxSessions ${opts.maxSessions ?? 10}`,
      `MaxStartups ${opts.maxStartups ?? '100:30:200'}`,
      'X11Forwarding no',
      'AllowTcpForwarding no',
      'PrintMotd no',
      'LogLevel ERROR',
      `ForceCommand ${loginScript}`,
      '',
    ].join('\n'),
  );
  const [type, key] = hostPub.split(' ');
  const [otherType, otherKey] = otherPub.split(' ');
  await fs.writeFile(join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${type} ${key}\nbadkey-host ${otherType} ${otherKey}\n`);
  const n = opts.goodAliases ?? 3;
  const good = Array.from({ length: n }, (_, i) => `lab${i + 1}`);
  const common = (p: number, key = userKey): string[] => [
    '  HostName 127.0.0.1',
    `  Port ${p}`,
    '  User root',
    `  IdentityFile ${key}`,
    '  IdentitiesOnly yes',
    `  UserKnownHostsFile ${join(dir, 'known_hosts')}`,
    '  GlobalKnownHostsFile /dev/null',
  ];
  const configPath = join(dir, 'ssh_config');
  await fs.writeFile(
    configPath,
    [
      `Host ${good.join(' ')}`,
      ...common(port),
      'Host dead',
      ...common(dead),
      'Host badkey',
      ...common(port),
      '  HostKeyAlias badkey-host',
      // IdentityFile adds up in ssh_config: this alias names only a key the server does not know
      'Host nokey',
      ...common(port, join(dir, 'other_host_ed25519')),
      '',
    ].join('\n'),
  );
  let log = '';
  const sshdArgv = [SSHD, '-D', '-e', '-f', join(dir, 'sshd_config')];
  let child: ChildProcess;
  if (opts.loginRc !== undefined) {
    if (!canReplaceLoginRc()) throw new Error(`loginRc: needs ${UNSHARE} and an existing ${rootBashrc()} to mount over`);
    const rc = join(dir, 'login-bashrc');
    await fs.writeFile(rc, opts.loginRc, { mode: 0o644 });
    // unshare and sh exec in place: the pid is sshd's, for the caller's cgroup and stop()
    child = spawn(UNSHARE, ['--mount', '--propagation', 'private', '--', '/bin/sh', '-c', 'mount --bind -- "$1" "$2" || exit 97; shift 2; exec "$@"', 'sh', rc, rootBashrc(), ...sshdArgv], { stdio: ['ignore', 'ignore', 'pipe'] });
  } else {
    child = spawn(SSHD, sshdArgv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  }
  child.stderr!.on('data', (b: Buffer) => {
    if (log.length < 20_000) log += b.toString();
  });
  await waitForPort(port, child, () => log);
  return {
    dir,
    port,
    configPath,
    good,
    dead: 'dead',
    badKey: 'badkey',
    noKey: 'nokey',
    pid: child.pid!,
    async sessions() {
      return (await readSessionLog(sessionLog)).sessions;
    },
    sessionCpu: () => readSessionLog(sessionLog),
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      }
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
