/**
 * A private MariaDB server for tests: its own data directory in a temp dir, its own
 * socket, a free port on 127.0.0.1, started in the background and removed at the end.
 * It never reads /etc/mysql (--no-defaults) and never touches a system MariaDB, running
 * or not. Needs Debian's `mariadb-server` package (mariadbd, mariadb-install-db).
 *
 * As root, mariadbd refuses to run as root; the data directory is handed to the `mysql`
 * account the package creates and the server runs as that user. As any other user it
 * runs as that user.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, chownSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection, type Connection } from 'mysql2/promise';

const SEARCH_PATH = ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin', ...(process.env['PATH'] ?? '').split(':')];

function findProgram(names: string[]): string | null {
  for (const name of names) for (const dir of SEARCH_PATH) if (dir && existsSync(join(dir, name))) return join(dir, name);
  return null;
}

export interface MariaDbPrograms {
  server: string;
  installDb: string;
}

/** The programs, or why the private server cannot run here (tests skip with it). */
export function findMariaDb(): MariaDbPrograms | string {
  const server = findProgram(['mariadbd', 'mysqld']);
  const installDb = findProgram(['mariadb-install-db', 'mysql_install_db']);
  if (!server || !installDb) return 'MariaDB is not installed (Debian package mariadb-server)';
  return { server, installDb };
}

/**
 * How mariadbd is started. With util-linux's setpriv, the server gets SIGKILL when the
 * test process dies (PR_SET_PDEATHSIG), so a killed test run leaves no server behind.
 * setpriv also switches to the mysql account itself: mariadbd's own --user would change
 * credentials after exec, and the kernel clears the death signal on that.
 */
function launcher(server: string, account: { user: string } | null): { program: string; prefix: string[]; userArgs: string[] } {
  const setpriv = findProgram(['setpriv']);
  const userArg = account ? [`--user=${account.user}`] : [];
  if (!setpriv || !account || account.user === 'root') {
    return setpriv ? { program: setpriv, prefix: ['--pdeathsig', 'KILL', '--', server], userArgs: userArg } : { program: server, prefix: [], userArgs: userArg };
  }
  const become = [`--reuid=${account.user}`, `--regid=${account.user}`, '--init-groups'];
  return { program: setpriv, prefix: [...become, '--pdeathsig', 'KILL', '--', server], userArgs: [] };
}

export interface PrivateMariaDb {
  readonly dir: string;
  readonly socketPath: string;
  readonly port: number;
  /** milliseconds: creating the data directory, and starting until a login works */
  readonly timings: { installMs: number; startMs: number };
  /** root over the socket (root has no password: authentication method "normal", local only) */
  rootConnection(options?: { multipleStatements?: boolean; database?: string }): Promise<Connection>;
  stop(): Promise<void>;
}

/** The `mysql` account's uid/gid when running as root; null otherwise. */
function serverAccount(): { user: string; uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const r = spawnSync('getent', ['passwd', 'mysql'], { encoding: 'utf8' });
  const f = r.status === 0 ? r.stdout.split(':') : [];
  if (f.length < 4) return { user: 'root', uid: 0, gid: 0 }; // no mysql account: mariadbd --user=root
  return { user: 'mysql', uid: Number(f[2]), gid: Number(f[3]) };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function tail(path: string, lines = 15): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function run(program: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    child.on('error', (e) => resolve({ code: null, output: String(e) }));
    child.on('close', (code) => resolve({ code, output }));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Children still running when the process exits are killed (a crashed test must not leave one). */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

export async function startPrivateMariaDb(options: { timeoutMs?: number } = {}): Promise<PrivateMariaDb> {
  const programs = findMariaDb();
  if (typeof programs === 'string') throw new Error(programs);
  const dir = mkdtempSync(join(tmpdir(), 'spamtrace-mdb-'));
  const data = join(dir, 'data');
  const tmp = join(dir, 'tmp');
  const socketPath = join(dir, 'mysqld.sock');
  const errLog = join(dir, 'error.log');
  const account = serverAccount();
  mkdirSync(tmp);
  if (account) {
    chownSync(dir, account.uid, account.gid);
    chownSync(tmp, account.uid, account.gid);
  }
  const userArgs = account ? [`--user=${account.user}`] : [];

  const t0 = Date.now();
  const install = await run(programs.installDb, [
    '--no-defaults',
    ...userArgs,
    `--datadir=${data}`,
    '--auth-root-authentication-method=normal',
    '--skip-test-db',
    '--skip-name-resolve',
  ]);
  const installMs = Date.now() - t0;
  if (install.code !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`mariadb-install-db failed (exit ${install.code}):\n${install.output.slice(-2000)}`);
  }

  const port = await freePort();
  const t1 = Date.now();
  const launch = launcher(programs.server, account);
  const child = spawn(
    launch.program,
    [
      ...launch.prefix,
      '--no-defaults', // must come first: /etc/mysql is never read
      ...launch.userArgs,
      `--datadir=${data}`,
      `--socket=${socketPath}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--pid-file=${join(dir, 'mysqld.pid')}`,
      `--log-error=${errLog}`,
      `--tmpdir=${tmp}`,
      '--skip-log-bin',
      '--skip-name-resolve',
      '--innodb-buffer-pool-size=16M',
      // Confixx's era: latin1 server default (MariaDB's own default, stated for clarity)
      '--character-set-server=latin1',
    ],
    { stdio: 'ignore' },
  );
  running.add(child);
  let exited: number | null | undefined;
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', (code) => {
      exited = code;
      running.delete(child);
      resolve();
    });
  });

  const stop = async (): Promise<void> => {
    if (exited === undefined) {
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const done = await Promise.race([
        exitedPromise.then(() => true),
        new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 20_000))),
      ]);
      clearTimeout(timer);
      if (!done) {
        child.kill('SIGKILL');
        await exitedPromise;
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const rootConnection = (o: { multipleStatements?: boolean; database?: string } = {}) =>
    createConnection({ socketPath, user: 'root', password: '', multipleStatements: o.multipleStatements ?? false, ...(o.database ? { database: o.database } : {}) });

  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    if (exited !== undefined) {
      const log = tail(errLog);
      await stop();
      throw new Error(`mariadbd exited (${exited}) while starting:\n${log}`);
    }
    if (existsSync(socketPath)) {
      try {
        const c = await rootConnection();
        await c.end();
        break;
      } catch {
        // not ready yet
      }
    }
    if (Date.now() > deadline) {
      const log = tail(errLog);
      await stop();
      throw new Error(`mariadbd did not accept logins within ${options.timeoutMs ?? 30_000} ms:\n${log}`);
    }
    await sleep(25);
  }
  return { dir, socketPath, port, timings: { installMs, startMs: Date.now() - t1 }, rootConnection, stop };
}
