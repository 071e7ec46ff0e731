/**
 * `spamtrace act confixx-lock webN --host ALIAS`: the customer lock of a Confixx server that
 * is only reachable over SSH (its distribution is too old for spamtrace), planned, applied,
 * checked and undone through the real test sshd on 127.0.0.1 and that server's own `mysql`
 * client against a real private MariaDB with the Confixx schema. The panel is found on the
 * host through its confixx_main.conf; journal and audit stay here.
 * Root only (sshd); takes the lab lock for the sshd and MariaDB.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfixxInventory } from '../../src/inventory/confixx';
import { LocalHost } from '../../src/host/local-host';
import { JsonlAuditSink } from '../../src/act/audit';
import { runCli, type CliResult } from '../helpers/run-cli';
import { findMariaDb, startPrivateMariaDb, type PrivateMariaDb } from '../confixx-db/private-mariadb';
import { CONFIXX_DB, CONFIXX_PASSWORD, CONFIXX_USER, loadConfixxDb, writeConfixxConf } from '../confixx-db/confixx-fixture';
import { canRunSshd, startPrivateSshd, type PrivateSshd } from '../../bench/fleet/private-sshd';
import { acquireLabLock, releaseLabLock } from '../lab/lab-lock';

const found = findMariaDb();
const skip =
  process.env['SPAMTRACE_SKIP_MARIADB'] === '1' ? 'SPAMTRACE_SKIP_MARIADB=1' : typeof found === 'string' ? found : canRunSshd() ? false : 'needs root and openssh-server';

const act = (args: string[], env: Record<string, string>): Promise<CliResult> => runCli(['act', ...args], env);

describe('confixx-lock over SSH with spamtrace act --host', { skip, concurrency: false }, () => {
  let db: PrivateMariaDb;
  let sshd: PrivateSshd;
  let work: string;
  let env: Record<string, string>;
  let over: string[];
  let direct: ConfixxInventory;

  before(async () => {
    await acquireLabLock();
    db = await startPrivateMariaDb();
    await loadConfixxDb(db);
    work = mkdtempSync(join(tmpdir(), 'spamtrace-act-confixx-'));
    const conf = writeConfixxConf(mkdtempSync(join(work, 'conf-')), { server: `localhost:${db.socketPath}`, user: CONFIXX_USER, password: CONFIXX_PASSWORD, database: CONFIXX_DB });
    const config = join(work, 'spamtrace.json');
    writeFileSync(config, JSON.stringify({ panel: 'confixx', confixx: { confFile: conf }, store: { path: join(work, 'no-store.db') } }), { mode: 0o600 });
    sshd = await startPrivateSshd({ goodAliases: 1, slowLoginSeconds: 1 });
    over = ['--host', sshd.good[0]!, '--ssh-config', sshd.configPath];
    env = { SPAMTRACE_CONFIG: config, SPAMTRACE_ACT_JOURNAL: join(work, 'actions', 'journal.jsonl'), SPAMTRACE_FLEET: '' };
    // the check reads the database directly (mysql2 over TCP), not the way the action went
    const tcp = writeConfixxConf(mkdtempSync(join(work, 'tcp-')), { server: `127.0.0.1:${db.port}`, user: CONFIXX_USER, password: CONFIXX_PASSWORD, database: CONFIXX_DB });
    direct = new ConfixxInventory({ host: new LocalHost(), confPath: tcp, localSocket: null });
  });

  after(async () => {
    try {
      await sshd?.stop();
      await db?.stop();
      if (work) rmSync(work, { recursive: true, force: true });
    } finally {
      await releaseLabLock();
    }
  });

  const locked = async (login: string): Promise<boolean> => (await direct.list()).subscriptions.find((s) => s.id === login)?.suspended === true;

  test('plan, apply, check and undo of the customer lock run on the Confixx host, in a few sessions', async () => {
    assert.equal(await locked('web77'), false);
    const plan = await act(['plan', 'confixx-lock', 'web77', ...over], env);
    assert.equal(plan.code, 0, plan.stdout + plan.stderr);
    assert.match(plan.stdout, /UPDATE kunden SET gesperrt = 1 WHERE kunde = 'web77'/);
    assert.equal(await locked('web77'), false, 'plan changes nothing');

    const n = await sshd.sessions();
    const r = await act(['apply', 'confixx-lock', 'web77', ...over], env);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /check: OK\n {2}Confixx lists web77 as locked/);
    assert.ok((await sshd.sessions()) - n <= 4, `${(await sshd.sessions()) - n} sessions`);
    assert.equal(await locked('web77'), true);

    const id = /applied as (\S+);/.exec(r.stdout)![1]!;
    const u = await act(['undo', id, ...over], env);
    assert.equal(u.code, 0, u.stdout + u.stderr);
    assert.equal(await locked('web77'), false);
    const audit = await new JsonlAuditSink(join(work, 'actions', 'audit.jsonl')).read();
    assert.deepEqual(audit.map((a) => [a.action, a.host, a.verified]), [['confixx-lock', sshd.good[0], true], ['confixx-lock:undo', sshd.good[0], true]]);
  });

  test('a customer the panel does not have is refused before anything changes', async () => {
    const r = await act(['apply', 'confixx-lock', 'web99999', ...over], env);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /E_ACT_REFUSED: Confixx has no customer web99999/);
  });
});
