/**
 * Reads the Confixx tables we map, selecting only the columns we use (never `SELECT *`:
 * the same rows hold password hashes, `longpw`).
 *
 * Which columns exist is asked from information_schema first, because the schema is not
 * published and changed between Confixx versions. Sources for the names below:
 * DESIGN.md "Panels", and the LiveConfig importer `cfximport.php` (Keppler IT, 2013),
 * which reads kunden.{kunde, anbieter, gesperrt, emailadresse, firstname, name, firma},
 * domains.{domain, pfad, richtigedomain, kunde}, pop3.{account, kunde},
 * email.{ident, prefix, domain, kunde} and email_forward.{email_ident, pop3}.
 * A missing required column means "not a Confixx database"; a missing optional one is
 * reported as a warning and its field stays empty.
 */
import type { SqlSession } from './sql-session';

interface TableSpec {
  required: readonly string[];
  optional: readonly string[];
  /** the whole table may be absent (older Confixx) */
  tableOptional?: boolean;
}

const CONTACT = ['emailadresse', 'firstname', 'name', 'firma'] as const;

export const CONFIXX_TABLES = {
  kunden: { required: ['kunde', 'anbieter', 'gesperrt'], optional: CONTACT },
  anbieter: { required: ['anbieter'], optional: CONTACT },
  domains: { required: ['domain', 'kunde'], optional: ['richtigedomain', 'pfad'] },
  pop3: { required: ['account', 'kunde'], optional: [] },
  email: { required: ['prefix', 'domain', 'kunde'], optional: ['ident'] },
  email_forward: { required: ['email_ident', 'pop3'], optional: [], tableOptional: true },
} as const satisfies Record<string, TableSpec>;

export type ConfixxTableName = keyof typeof CONFIXX_TABLES;

/** A row as read: column name -> value (string, number or null), only known columns. */
export type Row = Record<string, string | number | null>;

export interface ConfixxTables {
  kunden: Row[];
  anbieter: Row[];
  domains: Row[];
  pop3: Row[];
  email: Row[];
  /** null when the installation has no email_forward table */
  emailForward: Row[] | null;
  /** "kunden.firma", ...: optional columns this database does not have */
  missingColumns: string[];
}

/** Thrown for a table or column we cannot do without; the caller turns it into E_CONFIXX_DB. */
export class NotConfixxError extends Error {
  readonly code = 'ER_NO_SUCH_TABLE';
  readonly sqlMessage: string;
  constructor(what: string) {
    super(what);
    this.sqlMessage = what;
  }
}

/** Column types that hold whole numbers: a text-only client (mysql --batch) gives them as strings. */
const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint']);

/** Per table: each column and whether it holds whole numbers. */
async function columnsByTable(conn: SqlSession): Promise<Map<string, Map<string, boolean>>> {
  const rows = await conn.select(
    'SELECT TABLE_NAME AS t, COLUMN_NAME AS c, DATA_TYPE AS d FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?)',
    [Object.keys(CONFIXX_TABLES)],
  );
  const map = new Map<string, Map<string, boolean>>();
  for (const r of rows) {
    const t = String(r['t']).toLowerCase();
    if (!map.has(t)) map.set(t, new Map());
    map.get(t)!.set(String(r['c']).toLowerCase(), INTEGER_TYPES.has(String(r['d']).toLowerCase()));
  }
  return map;
}

/** Identifiers come from CONFIXX_TABLES only, never from input; quoted all the same. */
function ident(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad identifier ${name}`);
  return '`' + name + '`';
}

async function readTable(conn: SqlSession, table: string, columns: readonly string[], integer: ReadonlyMap<string, boolean>): Promise<Row[]> {
  const rows = await conn.select(`SELECT ${columns.map(ident).join(', ')} FROM ${ident(table)}`);
  return rows.map((r) => {
    const out: Row = {};
    for (const c of columns) {
      const v = r[c];
      out[c] =
        v === null || v === undefined
          ? null
          : typeof v === 'number'
            ? v
            : Buffer.isBuffer(v)
              ? v.toString('latin1')
              : integer.get(c) && typeof v === 'string' && /^-?\d{1,15}$/.test(v)
                ? Number(v)
                : String(v);
    }
    return out;
  });
}

export async function readConfixxTables(conn: SqlSession): Promise<ConfixxTables> {
  const present = await columnsByTable(conn);
  const missingColumns: string[] = [];
  const result: Partial<Record<ConfixxTableName, Row[] | null>> = {};
  for (const [table, spec] of Object.entries(CONFIXX_TABLES) as [ConfixxTableName, TableSpec][]) {
    const have = present.get(table);
    if (!have) {
      if (spec.tableOptional) {
        result[table] = null;
        continue;
      }
      throw new NotConfixxError(`table ${table} does not exist`);
    }
    const lacking = spec.required.filter((c) => !have.has(c));
    if (lacking.length > 0) throw new NotConfixxError(`table ${table} has no column ${lacking.join(', ')}`);
    const optional = spec.optional.filter((c) => have.has(c));
    for (const c of spec.optional) if (!have.has(c)) missingColumns.push(`${table}.${c}`);
    result[table] = await readTable(conn, table, [...spec.required, ...optional], have);
  }
  return {
    kunden: result.kunden ?? [],
    anbieter: result.anbieter ?? [],
    domains: result.domains ?? [],
    pop3: result.pop3 ?? [],
    email: result.email ?? [],
    emailForward: result.email_forward ?? null,
    missingColumns,
  };
}
