/**
 * The Confixx lock as an action, through the engine (journal, audit, undo) against a
 * real MariaDB loaded with the Confixx schema (test/confixx-db/). The panel's state is
 * read back over a second connection, as the panel itself would see it.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection, type RowDataPacket } from 'mysql2/promise';
import { LocalHost } from '../../src/host/local-host';
import { ConfixxInventory } from '../../src/inventory/confixx';
import { ConfixxLockAction } from '../../src/act/panel-actions';
import { ActionEngine } from '../../src/act/engine';
import { Journal } from '../../src/act/journal';
import { JsonlAuditSink } from '../../src/act/audit';
import { findMariaDb, startPrivateMariaDb, type PrivateMariaDb } from '../confixx-db/private-mariadb';
import { CONFIXX_DB, CONFIXX_PASSWORD, CONFIXX_USER, loadConfixxDb, writeConfixxConf } from '../confixx-db/confixx-fixture';
import { LOCKED_CUSTOMER } from '../confixx-db/seed';

const found = findMariaDb();
const skip = process.env['SPAMTRACE_SKIP_MARIADB'] === '1' ? 'SPAMTRACE_SKIP_MARIADB=1' : typeof found === 'string' ? found : false;

let db: PrivateMariaDb;
let work: string;
let engine: ActionEngine;
let audit: JsonlAuditSink;

async function gesperrtOf(login: string): Promise<number> {
  const c = await createConnection({ host: '127.0.0.1', port: db.port, user: CONFIXX_USER, password: CONFIXX_PASSWORD, database: CONFIXX_DB });
  try {
    const [rows] = await c.execute<RowDataPacket[]>('SELECT gesperrt FROM kunden WHERE kunde = ?', [login]);
    return Number(rows[0]!['gesperrt']);
  } finally {
    await c.end();
  }
}

before(async () => {
  if (skip) return;
  db = await startPrivateMariaDb();
  await loadConfixxDb(db);
  work = mkdtempSync(join(tmpdir(), 'act-confixx-'));
  const conf = writeConfixxConf(work, { server: `127.0.0.1:${db.port}`, user: CONFIXX_USER, password: CONFIXX_PASSWORD, database: CONFIXX_DB });
  const inv = new ConfixxInventory({ host: new LocalHost(), confPath: conf, homeBase: '/var/www', localSocket: null });
  const journal = new Journal(join(work, 'journal.jsonl'));
  audit = new JsonlAuditSink(join(work, 'audit.jsonl'));
  engine = new ActionEngine({ actions: [new ConfixxLockAction(inv)], journal, audit, lockPath: join(work, 'lock'), actor: 'admin', host: 'test' });
});

after(async () => {
  if (skip) return;
  await db?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('confixx-lock sets kunden.gesperrt, the panel sees it, and undo unlocks the customer', { skip }, async () => {
  assert.equal(await gesperrtOf('web42'), 0);
  const r = await engine.apply('confixx-lock', 'web42');
  assert.equal(r.verification?.ok, true, r.verification?.observations.join('; '));
  assert.equal(await gesperrtOf('web42'), 1);
  const u = await engine.undo(r.id!);
  assert.equal(u.verification.ok, true);
  assert.equal(await gesperrtOf('web42'), 0);
  const trail = await audit.read();
  assert.deepEqual(trail.map((a) => [a.action, a.target, a.before, a.after]), [
    ['confixx-lock', 'web42', { gesperrt: 0 }, { gesperrt: 1, before: 0, changed: true }],
    ['confixx-lock:undo', 'web42', { gesperrt: 1, before: 0, changed: true }, { gesperrt: 0 }],
  ]);
});

test('a customer the reseller had locked already is left alone: nothing to apply, nothing to undo', { skip }, async () => {
  const r = await engine.apply('confixx-lock', LOCKED_CUSTOMER);
  assert.equal(r.id, null);
  assert.equal(r.plan.noop, true);
  assert.equal(await gesperrtOf(LOCKED_CUSTOMER), 1);
});

test('an injected login never reaches the database', { skip }, async () => {
  await assert.rejects(engine.apply('confixx-lock', "web1' OR '1'='1"), /not a Confixx customer login/);
});
