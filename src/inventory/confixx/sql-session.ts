/**
 * The few things the Confixx adapter asks of its database, so the same code runs over a
 * direct connection (mysql2, on the Confixx server itself) and over SSH (the server's own
 * `mysql` client in batch mode, remote-mysql.ts): Confixx hosts run old distributions
 * where spamtrace cannot run, and their MySQL listens on a local socket only.
 */
import type { Connection, ExecuteValues, ResultSetHeader, RowDataPacket } from 'mysql2/promise';

export type SqlValue = string | number | readonly (string | number)[];
export type SqlRow = Record<string, unknown>;

export interface SqlSession {
  /** a SELECT; `?` placeholders take `params` */
  select(sql: string, params?: readonly SqlValue[]): Promise<SqlRow[]>;
  /** an UPDATE; the number of rows it changed */
  update(sql: string, params?: readonly SqlValue[]): Promise<number>;
  end(): Promise<void>;
}

export class Mysql2Session implements SqlSession {
  constructor(private readonly conn: Connection) {}

  async select(sql: string, params: readonly SqlValue[] = []): Promise<SqlRow[]> {
    const [rows] = await this.conn.query<RowDataPacket[]>(sql, params as unknown[]);
    return rows;
  }

  async update(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    const [res] = await this.conn.execute<ResultSetHeader>(sql, params as ExecuteValues);
    return res.affectedRows;
  }

  async end(): Promise<void> {
    await this.conn.end().catch(() => this.conn.destroy());
  }
}

/**
 * A value as MySQL string or number syntax, for a client that takes SQL text only (the
 * `mysql` command line). The connection's character set is utf8, where a backslash
 * escape cannot be split by a multi-byte character (unlike GBK or SJIS).
 */
export function sqlLiteral(v: SqlValue): string {
  if (Array.isArray(v)) {
    if (v.length === 0) throw new RangeError('an empty list cannot be a SQL value');
    return v.map((x) => sqlLiteral(x as string | number)).join(', ');
  }
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new RangeError('not a finite number');
    return String(v);
  }
  const s = v as string;
  // eslint-disable-next-line no-control-regex
  return `'${s.replace(/[\0\n\r\x1a'"\\]/g, (c) => ({ '\0': '\\0', '\n': '\\n', '\r': '\\r', '\x1a': '\\Z', "'": "\\'", '"': '\\"', '\\': '\\\\' })[c]!)}'`;
}

/** `?` placeholders filled with literals; a `?` inside the statement's own quotes is not ours (none are). */
export function formatSql(sql: string, params: readonly SqlValue[]): string {
  let i = 0;
  const out = sql.replace(/\?/g, () => {
    if (i >= params.length) throw new RangeError('fewer parameters than placeholders');
    return sqlLiteral(params[i++]!);
  });
  if (i !== params.length) throw new RangeError('more parameters than placeholders');
  return out;
}
