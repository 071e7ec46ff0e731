/**
 * Loads the Confixx schema subset and the seed into a private MariaDB, creates the
 * database users a Confixx server would have, and writes a confixx_main.conf for them.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/package-root';
import type { PrivateMariaDb } from './private-mariadb';
import { buildSeed, COLUMNS, type SeedRows } from './seed';

export const CONFIXX_DB = 'confixx';
export const CONFIXX_USER = 'confixx';
/** quotes, a dollar and a hash: the conf writer and parser must carry them unchanged */
export const CONFIXX_PASSWORD = `Geh'eim-$ecret"#1`;
/** may only read: a lock through it must fail with a clear message */
export const READONLY_USER = 'spamtrace_ro';
export const READONLY_PASSWORD = 'read-only-pw';

export function schemaSql(): string {
  return readFileSync(join(packageRoot(), 'test', 'confixx-db', 'schema.sql'), 'utf8');
}

/** A Perl single-quoted literal: only \ and ' are escaped. */
export function perlQuote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function writeConfixxConf(dir: string, settings: { server: string; user: string; password: string; database: string }): string {
  const path = join(dir, 'confixx_main.conf');
  const text = [
    '# Confixx main configuration (test copy)',
    "$confixx_ver = '3.3.9';",
    `$dbServer = ${perlQuote(settings.server)};`,
    `$dbUser = ${perlQuote(settings.user)};`,
    `$dbPw = ${perlQuote(settings.password)};   # database password`,
    `$dbDB = ${perlQuote(settings.database)};`,
    "$mailServer = 'localhost';",
    '1;',
    '',
  ].join('\n');
  writeFileSync(path, text, { mode: 0o600 });
  return path;
}

async function insertAll(db: PrivateMariaDb, rows: SeedRows): Promise<void> {
  const conn = await db.rootConnection({ database: CONFIXX_DB });
  try {
    for (const table of Object.keys(COLUMNS) as (keyof SeedRows)[]) {
      const cols = COLUMNS[table].map((c) => '`' + c + '`').join(', ');
      const data = rows[table];
      for (let i = 0; i < data.length; i += 500) {
        await conn.query(`INSERT INTO \`${table}\` (${cols}) VALUES ?`, [data.slice(i, i + 500)]);
      }
    }
  } finally {
    await conn.end();
  }
}

/** Creates the database, its users and tables, and fills them. Returns how long it took. */
export async function loadConfixxDb(db: PrivateMariaDb): Promise<{ loadMs: number; rows: SeedRows }> {
  const t0 = Date.now();
  const root = await db.rootConnection({ multipleStatements: true });
  try {
    await root.query(`CREATE DATABASE ${CONFIXX_DB} DEFAULT CHARACTER SET latin1`);
    for (const host of ['127.0.0.1', 'localhost']) {
      await root.query('CREATE USER ?@? IDENTIFIED BY ?', [CONFIXX_USER, host, CONFIXX_PASSWORD]);
      await root.query(`GRANT ALL PRIVILEGES ON ${CONFIXX_DB}.* TO ?@?`, [CONFIXX_USER, host]);
    }
    await root.query('CREATE USER ?@? IDENTIFIED BY ?', [READONLY_USER, '127.0.0.1', READONLY_PASSWORD]);
    await root.query(`GRANT SELECT ON ${CONFIXX_DB}.* TO ?@?`, [READONLY_USER, '127.0.0.1']);
    await root.query(`USE ${CONFIXX_DB}`);
    await root.query(schemaSql());
  } finally {
    await root.end();
  }
  const rows = buildSeed();
  await insertAll(db, rows);
  return { loadMs: Date.now() - t0, rows };
}
