/**
 * The Confixx database read through the Confixx server's own `mysql` client, run over
 * the Host (SSH): one `mysql --batch` per statement. The password goes to the client on
 * stdin as an option file (`--defaults-extra-file=/dev/stdin`, the agent hands stdin over
 * as a private file), never in argv (visible in `ps`). The client asks for utf8, which
 * MySQL 4.1+ has (utf8mb4 came with 5.5.3): the server converts latin1 columns to it.
 * Its error lines ("ERROR 1045 (28000): ...") are sorted into the same reasons the direct
 * connection gives, old_passwords accounts included.
 */
import type { Host } from '../../host/host';
import type { ConfixxDbSettings } from './confixx-conf';
import { formatSql, type SqlRow, type SqlSession, type SqlValue } from './sql-session';

/** A mysql2-like error, so describeDbError() words it. */
export class MysqlClientError extends Error {
  constructor(
    readonly code: string,
    readonly sqlMessage: string,
  ) {
    super(sqlMessage);
    this.name = 'MysqlClientError';
  }
}

const BY_ERRNO: Record<string, string> = {
  '1045': 'ER_ACCESS_DENIED_ERROR',
  '1044': 'ER_DBACCESS_DENIED_ERROR',
  '1049': 'ER_BAD_DB_ERROR',
  '1146': 'ER_NO_SUCH_TABLE',
  '1054': 'ER_BAD_FIELD_ERROR',
  '1251': 'ER_OLD_PASSWORDS',
  // the server (MySQL >= 5.6, MariaDB: secure_auth on by default) refuses the old hash itself
  '1275': 'ER_OLD_PASSWORDS',
  '2049': 'ER_OLD_PASSWORDS',
  '2002': 'ENOENT',
  '2003': 'ECONNREFUSED',
  '2005': 'ENOTFOUND',
  '2013': 'ETIMEDOUT',
};

/** The client's error output as a mysql2-like code and message. */
export function classifyClientError(stderr: string): MysqlClientError {
  const line = stderr.split('\n').find((l) => /^ERROR \d+/.test(l)) ?? stderr.split('\n').find((l) => l.trim() !== '') ?? 'no error message';
  const m = /^ERROR (\d+)(?: \([0-9A-Z]{5}\))?(?: at line \d+)?: (.*)$/.exec(line);
  const text = (m?.[2] ?? line).slice(0, 300);
  if (/old \(pre-4\.1\.1\) authentication|mysql_old_password|secure[_-]auth|password in the old format/i.test(stderr)) return new MysqlClientError('ER_OLD_PASSWORDS', text);
  return new MysqlClientError((m && BY_ERRNO[m[1]!]) ?? (m ? `MYSQL_${m[1]}` : 'UNKNOWN'), text);
}

/** An option-file value: quoted, with the escapes MySQL's option-file reader undoes. */
export function optionValue(v: string): string {
  if (/[\n\r\0]/.test(v)) throw new MysqlClientError('ER_ACCESS_DENIED_ERROR', 'the password holds a line break: it cannot be handed to the mysql client');
  return `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** One value of `mysql --batch` output: \t \n \0 and \\ are escaped, NULL is the word NULL. */
function unescapeField(f: string): string | null {
  if (f === 'NULL') return null;
  if (!f.includes('\\')) return f;
  return f.replace(/\\(.)/g, (_, c: string) => ({ t: '\t', n: '\n', '0': '\0', '\\': '\\' })[c] ?? c);
}

export function parseBatch(stdout: string): SqlRow[] {
  const lines = stdout.split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (lines.length === 0) return [];
  const names = lines[0]!.split('\t');
  return lines.slice(1).map((l) => {
    const fields = l.split('\t');
    const row: SqlRow = {};
    names.forEach((n, i) => (row[n] = unescapeField(fields[i] ?? 'NULL')));
    return row;
  });
}

export class RemoteMysqlSession implements SqlSession {
  constructor(
    private readonly host: Host,
    private readonly s: ConfixxDbSettings,
    private readonly timeoutMs = 60_000,
  ) {}

  private args(sql: string): string[] {
    const where = this.s.socketPath ? [`--socket=${this.s.socketPath}`] : [`--host=${this.s.host ?? 'localhost'}`, `--port=${this.s.port ?? 3306}`, '--protocol=TCP'];
    return [
      // must be the first option
      '--defaults-extra-file=/dev/stdin',
      '--batch',
      '--default-character-set=utf8',
      '--connect-timeout=10',
      `--user=${this.s.user}`,
      ...where,
      `--database=${this.s.database}`,
      `--execute=${sql}`,
    ];
  }

  private async exec(sql: string): Promise<string> {
    const r = await this.host.run('mysql', this.args(sql), { input: `[client]\npassword=${optionValue(this.s.password)}\n`, timeoutMs: this.timeoutMs });
    if (r.spawnError) throw new MysqlClientError('MYSQL_CLIENT_MISSING', `the mysql client could not be started on ${this.host.name} (${r.spawnError.code}): install the MySQL/MariaDB client there`);
    if (r.timedOut) throw new MysqlClientError('ETIMEDOUT', 'the mysql client did not finish in time');
    if (r.code !== 0) throw classifyClientError(r.stderr);
    return r.stdout;
  }

  async select(sql: string, params: readonly SqlValue[] = []): Promise<SqlRow[]> {
    return parseBatch(await this.exec(formatSql(sql, params)));
  }

  async update(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    const rows = parseBatch(await this.exec(`${formatSql(sql, params)}; SELECT ROW_COUNT() AS affected`));
    return Number(rows[0]?.['affected'] ?? 0);
  }

  async end(): Promise<void> {
    // one client process per statement: nothing stays open
  }
}
