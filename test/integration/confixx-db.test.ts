/**
 * The Confixx adapter against a real MariaDB: a private server (test/confixx-db/) loaded
 * with the Confixx schema subset and 300 customers. Skipped, saying why, when MariaDB is
 * not installed or SPAMTRACE_SKIP_MARIADB=1.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { createConnection, type RowDataPacket } from 'mysql2/promise';
import { LocalHost } from '../../src/host/local-host';
import { ConfixxInventory } from '../../src/inventory/confixx';
import { isSpamtraceError } from '../../src/errors';
import type { Subscription } from '../../src/domain/subscription';
import { findMariaDb, startPrivateMariaDb, type PrivateMariaDb } from '../confixx-db/private-mariadb';
import {
  CONFIXX_DB,
  CONFIXX_PASSWORD,
  CONFIXX_USER,
  READONLY_PASSWORD,
  READONLY_USER,
  loadConfixxDb,
  writeConfixxConf,
} from '../confixx-db/confixx-fixture';
import { CUSTOMER_COUNT, LOCKED_CUSTOMER, UMLAUT_CUSTOMER, UMLAUT_FIRMA, customerSeed } from '../confixx-db/seed';

const found = findMariaDb();
const skip = process.env['SPAMTRACE_SKIP_MARIADB'] === '1' ? 'SPAMTRACE_SKIP_MARIADB=1' : typeof found === 'string' ? found : false;

let db: PrivateMariaDb;
let work: string;
let conf: string;
const host = new LocalHost();

function inventory(confPath = conf, extra: Partial<ConstructorParameters<typeof ConfixxInventory>[0]> = {}): ConfixxInventory {
  return new ConfixxInventory({ host, confPath, homeBase: '/var/www', localSocket: null, ...extra });
}

/** A second, independent connection: what another program (the panel) would see. */
async function gesperrtOf(login: string): Promise<number> {
  const c = await createConnection({ host: '127.0.0.1', port: db.port, user: CONFIXX_USER, password: CONFIXX_PASSWORD, database: CONFIXX_DB });
  try {
    const [rows] = await c.execute<RowDataPacket[]>('SELECT gesperrt FROM kunden WHERE kunde = ?', [login]);
    return Number(rows[0]!['gesperrt']);
  } finally {
    await c.end();
  }
}

async function rejectsWith(p: Promise<unknown>, code: string, pattern: RegExp): Promise<Error> {
  try {
    await p;
  } catch (e) {
    assert.ok(isSpamtraceError(e), `expected a SpamtraceError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.match(e.message, pattern);
    return e;
  }
  assert.fail(`expected ${code}`);
}

before(async () => {
  if (skip) return;
  db = await startPrivateMariaDb();
  const { loadMs } = await loadConfixxDb(db);
  work = mkdtempSync(join(tmpdir(), 'spamtrace-confixx-'));
  conf = writeConfixxConf(work, { server: `127.0.0.1:${db.port}`, user: CONFIXX_USER, password: CONFIXX_PASSWORD, database: CONFIXX_DB });
  console.log(`# private MariaDB: install ${db.timings.installMs} ms, start ${db.timings.startMs} ms, schema+seed ${loadMs} ms`);
});

after(async () => {
  if (skip) return;
  const t0 = Date.now();
  await db?.stop();
  console.log(`# private MariaDB stopped and removed in ${Date.now() - t0} ms`);
  if (work) rmSync(work, { recursive: true, force: true });
});

test('every webN customer comes with its reseller, e-mail, domains, home and logs', { skip }, async () => {
  const t0 = Date.now();
  const result = await inventory().list();
  console.log(`# inventory of ${result.subscriptions.length} customers: ${Date.now() - t0} ms`);
  assert.equal(result.source, 'confixx-mysql');
  const subs = result.subscriptions;
  assert.equal(subs.length, CUSTOMER_COUNT);
  assert.deepEqual(subs.map((s) => s.id), Array.from({ length: CUSTOMER_COUNT }, (_, i) => `web${i + 1}`));
  const byId = new Map(subs.map((s) => [s.id, s]));

  assert.deepEqual(byId.get('web10'), {
    id: 'web10',
    panel: 'confixx',
    domains: ['kunde10.example', 'shop10.example'],
    sysUser: 'web10',
    uid: null,
    homeDir: '/var/www/web10',
    docRoots: ['/var/www/web10/html', '/var/www/web10/html/shop'],
    logDirs: ['/var/www/web10/log'],
    mailboxes: [
      { address: 'info@kunde10.example', panelId: 'web10p1' },
      { address: 'kontakt@kunde10.example', panelId: 'web10p2' },
      { address: 'bestellung@shop10.example' },
    ],
    customer: { login: 'web10', name: 'Dieter Schulz', email: 'inhaber10@kunde10.example' },
    reseller: { login: 'res1', name: 'Hosting Nord GmbH', email: 'support@hosting-nord.example' },
    suspended: false,
  } satisfies Subscription);

  for (const s of subs) {
    const n = Number(s.id.slice(3));
    const seed = customerSeed(n);
    assert.equal(s.reseller?.login, seed.reseller, `${s.id} reseller`);
    assert.equal(s.domains[0], `kunde${n}.example`, `${s.id} main domain first`);
    assert.equal(s.suspended, s.id === LOCKED_CUSTOMER, `${s.id} lock flag`);
    // a box reached by no address is listed under its login name (web2p3: 3 boxes, 2 addresses)
    const logins = s.mailboxes.map((m) => m.panelId).filter(Boolean).sort();
    assert.deepEqual(logins, [...seed.boxes].sort(), `${s.id} pop3 boxes`);
  }
  assert.deepEqual(byId.get('web2')!.mailboxes.at(-1), { address: 'web2p3', panelId: 'web2p3' });
  assert.deepEqual(byId.get('web25')!.domains, ['kunde25.example', 'blog.kunde25.example']);
  assert.equal(byId.get('web201')!.reseller?.name, 'Klaus Kleinhoster');
  assert.ok(!subs.some((s) => s.reseller?.login === 'res4'), 'res4 has no customers');
});

test('a latin1 name from an old Confixx table arrives as proper text', { skip }, async () => {
  const { subscriptions } = await inventory().list();
  const s = subscriptions.find((x) => x.id === UMLAUT_CUSTOMER)!;
  assert.equal(s.customer?.name, UMLAUT_FIRMA);
  const root = await db.rootConnection({ database: CONFIXX_DB });
  try {
    const [rows] = await root.execute<RowDataPacket[]>('SELECT HEX(firma) AS h FROM kunden WHERE kunde = ?', [UMLAUT_CUSTOMER]);
    assert.match(String(rows[0]!['h']), /^4DFC/, 'stored as latin1 bytes (ü = FC), as old Confixx did');
  } finally {
    await root.end();
  }
});

test('hostile and broken rows are passed over and counted, never mapped', { skip }, async () => {
  const { subscriptions, warnings } = await inventory().list();
  const all = subscriptions.flatMap((s) => s.domains);
  assert.ok(!all.some((d) => d.includes("'") || d === 'orphan.example'));
  const web299 = subscriptions.find((s) => s.id === 'web299')!;
  assert.ok(web299.domains.includes('traversal.example'), 'the domain itself is fine');
  assert.ok(!web299.docRoots.some((d) => d.includes('..') || d.startsWith('/etc')), 'its path is not');
  assert.ok(!subscriptions.some((s) => s.id === 'admin'));
  const text = warnings.join('\n');
  assert.match(text, /1 customers skipped: not a webN login/);
  assert.match(text, /1 domains skipped: not a domain name/);
  assert.match(text, /1 document paths skipped/);
  assert.match(text, /1 e-mail addresses skipped: not a local part \(e\.g\. "line\\nbreak"\)/);
  assert.match(text, /rows of customers not in kunden skipped \(e\.g\. "web999 \(1\)"\)/);
  assert.match(text, /1 customer e-mail addresses not used/);
});

test('uids come from the passwd file when one is given; customers without an account are named', { skip }, async () => {
  const lines = [];
  for (let n = 1; n <= CUSTOMER_COUNT; n++) if (n !== 77) lines.push(`web${n}:x:${5000 + n}:5000::/var/www/web${n}:/bin/false`);
  const passwd = join(work, 'passwd');
  writeFileSync(passwd, lines.join('\n') + '\n');
  const { subscriptions, warnings } = await inventory(conf, { passwdFile: passwd }).list();
  assert.equal(subscriptions.find((s) => s.id === 'web274')!.uid, 5274);
  assert.equal(subscriptions.find((s) => s.id === 'web77')!.uid, null);
  assert.ok(warnings.includes('1 Confixx customer(s) have no system account, uid unknown: web77'), warnings.join('\n'));
});

test('live, uids are asked from getent; on a machine without webN accounts they stay unknown and it says so', { skip }, async () => {
  const { subscriptions, warnings } = await inventory().list();
  assert.ok(subscriptions.every((s) => s.uid === null || typeof s.uid === 'number'));
  const unknown = subscriptions.filter((s) => s.uid === null).length;
  if (unknown > 0) assert.ok(warnings.some((w) => w.startsWith(`${unknown} Confixx customer(s) have no system account`)));
});

test('a lock is visible in kunden.gesperrt to another connection, and unlock restores it', { skip }, async () => {
  const inv = inventory();
  assert.equal(await gesperrtOf('web42'), 0);
  const lock = await inv.lockCustomer('web42');
  assert.deepEqual(lock, { customer: 'web42', field: 'kunden.gesperrt', before: 0, after: 1, changed: true });
  assert.equal(await gesperrtOf('web42'), 1);
  assert.equal((await inv.list()).subscriptions.find((s) => s.id === 'web42')!.suspended, true);

  const unlock = await inv.unlockCustomer('web42', lock.before);
  assert.deepEqual(unlock, { customer: 'web42', field: 'kunden.gesperrt', before: 1, after: 0, changed: true });
  assert.equal(await gesperrtOf('web42'), 0);
});

test('locking a customer the panel already locked changes nothing, and undoing it keeps the lock', { skip }, async () => {
  const inv = inventory();
  const lock = await inv.lockCustomer(LOCKED_CUSTOMER);
  assert.deepEqual(lock, { customer: LOCKED_CUSTOMER, field: 'kunden.gesperrt', before: 1, after: 1, changed: false });
  const undo = await inv.unlockCustomer(LOCKED_CUSTOMER, lock.before);
  assert.equal(undo.changed, false);
  assert.equal(await gesperrtOf(LOCKED_CUSTOMER), 1);
});

test('only a webN login reaches the database; an unknown customer is named', { skip }, async () => {
  const inv = inventory();
  await rejectsWith(inv.lockCustomer("web1' OR '1'='1"), 'E_USAGE', /not a Confixx customer login/);
  await rejectsWith(inv.lockCustomer('res1'), 'E_USAGE', /not a Confixx customer login/);
  await rejectsWith(inv.lockCustomer('web9999'), 'E_CONFIXX_DB', /Confixx has no customer web9999/);
  assert.equal(await gesperrtOf('web1'), 0);
});

test('a wrong password is a clear E_CONFIXX_DB that does not show the password', { skip }, async () => {
  const bad = writeConfixxConf(mkdtempSync(join(work, 'bad-')), {
    server: `127.0.0.1:${db.port}`,
    user: CONFIXX_USER,
    password: 'wrong-Passw0rd',
    database: CONFIXX_DB,
  });
  const e = await rejectsWith(inventory(bad).list(), 'E_CONFIXX_DB', /access denied: check \$dbUser and \$dbPw in .*confixx_main\.conf/);
  assert.ok(!e.message.includes('wrong-Passw0rd'));
  assert.match(e.message, new RegExp(`confixx@127\\.0\\.0\\.1:${db.port}/confixx`));
});

test('a database user that may only read gets a clear error on lock, and nothing changes', { skip }, async () => {
  const ro = writeConfixxConf(mkdtempSync(join(work, 'ro-')), {
    server: `127.0.0.1:${db.port}`,
    user: READONLY_USER,
    password: READONLY_PASSWORD,
    database: CONFIXX_DB,
  });
  assert.equal((await inventory(ro).list()).subscriptions.length, CUSTOMER_COUNT);
  await rejectsWith(inventory(ro).lockCustomer('web50'), 'E_CONFIXX_DB', /locking web50 failed: .*UPDATE command denied/);
  assert.equal(await gesperrtOf('web50'), 0);
});

test('$dbServer = "localhost:/path/to/socket" connects over that socket', { skip }, async () => {
  const viaSocket = writeConfixxConf(mkdtempSync(join(work, 'sock-')), {
    server: `localhost:${db.socketPath}`,
    user: CONFIXX_USER,
    password: CONFIXX_PASSWORD,
    database: CONFIXX_DB,
  });
  const inv = inventory(viaSocket);
  assert.deepEqual(await inv.describe(), { socketPath: db.socketPath, user: CONFIXX_USER, database: CONFIXX_DB, source: viaSocket });
  assert.equal((await inv.list()).subscriptions.length, CUSTOMER_COUNT);
});

test('"localhost" without a port uses the local socket, as Confixx (Perl DBI) does', { skip }, async () => {
  const local = writeConfixxConf(mkdtempSync(join(work, 'local-')), { server: 'localhost', user: CONFIXX_USER, password: CONFIXX_PASSWORD, database: CONFIXX_DB });
  const inv = new ConfixxInventory({ host, confPath: local, localSocket: db.socketPath });
  assert.equal((await inv.describe()).socketPath, db.socketPath);
  assert.equal((await inv.list()).subscriptions.length, CUSTOMER_COUNT);
});

test('a database that is not Confixx, and a server that is not there, are named as such', { skip }, async () => {
  const mysqlDb = writeConfixxConf(mkdtempSync(join(work, 'nocfx-')), { server: `127.0.0.1:${db.port}`, user: CONFIXX_USER, password: CONFIXX_PASSWORD, database: 'information_schema' });
  await rejectsWith(inventory(mysqlDb).list(), 'E_CONFIXX_DB', /does not look like a Confixx database \(table kunden does not exist\)/);

  const closed = await new Promise<number>((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 1));
    });
  });
  const down = writeConfixxConf(mkdtempSync(join(work, 'down-')), { server: `127.0.0.1:${closed}`, user: CONFIXX_USER, password: CONFIXX_PASSWORD, database: CONFIXX_DB });
  await rejectsWith(inventory(down).list(), 'E_CONFIXX_DB', /connection refused/);
});

test('a missing confixx_main.conf is E_CONFIXX_CONF with the path', { skip }, async () => {
  await rejectsWith(inventory(join(work, 'nope', 'confixx_main.conf')).list(), 'E_CONFIXX_CONF', /cannot read the Confixx configuration .*nope\/confixx_main\.conf: ENOENT/);
});
