/**
 * Opening a connection to the Confixx database and turning mysql2's errors into one
 * clear E_CONFIXX_DB line. The password never appears in a message.
 */
import type { Connection } from 'mysql2/promise';
import type { Host } from '../../host/host';
import type { ConfixxDbSettings } from './confixx-conf';
import { SpamtraceError } from '../../errors';

/** Debian's MySQL/MariaDB socket: where Perl's DBD::mysql goes for host "localhost". */
export const DEFAULT_LOCAL_SOCKET = '/var/run/mysqld/mysqld.sock';

/**
 * Where MySQL's socket is on the distributions Confixx ran on, tried in order: Debian
 * and Ubuntu, RHEL/CentOS (and Fedora), SUSE; /run for the newer of them.
 */
export const LOCAL_SOCKETS: readonly string[] = [
  DEFAULT_LOCAL_SOCKET,
  '/run/mysqld/mysqld.sock',
  '/var/lib/mysql/mysql.sock',
  '/var/run/mysql/mysql.sock',
  '/run/mysql/mysql.sock',
  '/tmp/mysql.sock',
];

export interface ConnectOptions {
  connectTimeoutMs?: number;
  /**
   * Confixx is Perl (DBD::mysql), and there host "localhost" means the local socket,
   * not TCP. mysql2 would use TCP; so for "localhost" without a port we use this socket
   * when it exists (default: the first of LOCAL_SOCKETS that exists). null turns that off.
   */
  localSocket?: string | null;
}

/** Where we connect to, in words, for messages. */
export function describeTarget(s: ConfixxDbSettings): string {
  const where = s.socketPath ? `socket ${s.socketPath}` : `${s.host ?? 'localhost'}:${s.port ?? 3306}`;
  return `${s.user}@${where}/${s.database}`;
}

/**
 * An account with a pre-4.1 password hash (old_passwords), as the server or mysql2 say it
 * (seen against MariaDB 10.11 with a real 16-hex-digit hash): a server in secure-auth mode
 * (MySQL >= 5.6, MariaDB's default) refuses it with ER_SERVER_IS_IN_SECURE_AUTH_MODE
 * (1275); one that allows it (the MySQL 4.1-5.5 of Confixx's days) asks for the old
 * protocol, an auth switch without a plugin name, which mysql2 cannot do
 * (AUTH_SWITCH_PLUGIN_ERROR "unknown plugin ."); newer servers name mysql_old_password.
 */
function isOldPasswordsRefusal(err: { code?: string; errno?: number; sqlMessage?: string; message?: string }): boolean {
  if (err.code === 'ER_SERVER_IS_IN_SECURE_AUTH_MODE' || err.errno === 1275) return true;
  const text = `${err.message ?? ''} ${err.sqlMessage ?? ''}`;
  if (err.code === 'AUTH_SWITCH_PLUGIN_ERROR' && /unknown plugin \.|mysql_old_password/.test(text)) return true;
  return /mysql_old_password|pre-4\.1/i.test(text);
}

/** mysql2 error -> E_CONFIXX_DB with the reason in words and what to check. */
export function describeDbError(e: unknown, s: ConfixxDbSettings, doing: string): SpamtraceError {
  const err = e as { code?: string; errno?: number; sqlMessage?: string; message?: string };
  const target = describeTarget(s);
  const code = isOldPasswordsRefusal(err) ? 'ER_OLD_PASSWORDS' : (err.code ?? 'UNKNOWN');
  let why: string;
  switch (code) {
    case 'ER_ACCESS_DENIED_ERROR':
    case 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR':
      why = `access denied: check $dbUser and $dbPw in ${s.source}`;
      break;
    case 'ER_OLD_PASSWORDS':
    case 'ER_NOT_SUPPORTED_AUTH_MODE':
      why =
        `the account ${s.user} has a password in MySQL's old pre-4.1 format (old_passwords), which current clients and servers in secure-auth mode refuse: ` +
        `on the Confixx server run SET SESSION old_passwords=0; SET PASSWORD FOR '${s.user}'@'localhost' = PASSWORD('...') with the same password (Confixx keeps working)`;
      break;
    case 'MYSQL_CLIENT_MISSING':
      why = err.sqlMessage ?? 'the mysql client is missing';
      break;
    case 'ER_DBACCESS_DENIED_ERROR':
      why = `the user may not open database ${s.database}`;
      break;
    case 'ER_BAD_DB_ERROR':
      why = `there is no database ${s.database}: check $dbDB in ${s.source}`;
      break;
    case 'ECONNREFUSED':
      why = 'connection refused: is MySQL/MariaDB running and listening there?';
      break;
    case 'ENOENT':
      why = 'the socket does not exist: is MySQL/MariaDB running?';
      break;
    case 'ETIMEDOUT':
      why = 'no answer in time';
      break;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      why = 'the host name does not resolve';
      break;
    case 'ER_NO_SUCH_TABLE':
    case 'ER_BAD_FIELD_ERROR':
      why = `this does not look like a Confixx database (${err.sqlMessage ?? code})`;
      break;
    default:
      why = `${code}${err.sqlMessage ? `: ${err.sqlMessage}` : ''}`;
  }
  return new SpamtraceError('E_CONFIXX_DB', `Confixx database ${target}: ${doing} failed: ${why}`);
}

/** The settings as mysql2 will use them (the localhost -> socket rule applied). */
export async function resolveTarget(host: Host, s: ConfixxDbSettings, options: ConnectOptions = {}): Promise<ConfixxDbSettings> {
  if (s.socketPath || s.port !== undefined || (s.host ?? 'localhost') !== 'localhost') return s;
  if (options.localSocket === null) return s;
  const candidates = options.localSocket === undefined ? LOCAL_SOCKETS : [options.localSocket];
  // over SSH: one round trip for all of them instead of one each
  await host.prefetch?.({ stat: candidates });
  for (const sock of candidates) {
    const st = await host.stat(sock).catch(() => null);
    if (st && (st.mode & 0o170000) === 0o140000) return { ...s, socketPath: sock };
  }
  return s;
}

export async function connectConfixx(s: ConfixxDbSettings, options: ConnectOptions = {}): Promise<Connection> {
  // loaded here, not at start: the driver is the heaviest module a scan would load
  // (~0.1 s), and only a Confixx server's scan opens a connection
  const { createConnection } = await import('mysql2/promise');
  try {
    return await createConnection({
      ...(s.socketPath ? { socketPath: s.socketPath } : { host: s.host ?? 'localhost', port: s.port ?? 3306 }),
      user: s.user,
      password: s.password,
      database: s.database,
      // Old Confixx tables are latin1; asking for utf8mb4 lets the server convert them.
      charset: 'utf8mb4',
      connectTimeout: options.connectTimeoutMs ?? 10_000,
      // one statement per query: nothing we send can be split into two
      multipleStatements: false,
      // gesperrt and ids as plain numbers, dates we do not read
      supportBigNumbers: false,
    });
  } catch (e) {
    throw describeDbError(e, s, 'login');
  }
}
