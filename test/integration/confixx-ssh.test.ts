/**
 * Confixx over SSH: the Confixx server runs an old distribution where spamtrace cannot
 * run, so the inventory is read from a modern machine through SshHost and the server's
 * own `mysql` client (batch mode, password on stdin). A real private MariaDB with the
 * Confixx schema (latin1 tables, test/confixx-db/) behind a real private sshd on
 * 127.0.0.1: the same customers as a direct connection, the latin1 name as proper text,
 * the lock set and undone over SSH, and errors that say why without the password.
 * Root only (sshd); takes the lab lock for the sshd and MariaDB.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalHost } from '../../src/host/local-host';
import { SshHost } from '../../src/host/ssh-host';
import { ConfixxInventory } from '../../src/inventory/confixx';
import { isSpamtraceError } from '../../src/errors';
import { loadInventory } from '../../src/scan/inventory-stage';
import { DEFAULT_CONFIG } from '../../src/config/config-types';
import { silentLogger } from '../../src/log';
import { findMariaDb, startPrivateMariaDb, type PrivateMariaDb } from '../confixx-db/private-mariadb';
import { CONFIXX_DB, CONFIXX_PASSWORD, CONFIXX_USER, loadConfixxDb, writeConfixxConf } from '../confixx-db/confixx-fixture';
import { CUSTOMER_COUNT, UMLAUT_CUSTOMER, UMLAUT_FIRMA } from '../confixx-db/seed';
import { canRunSshd, startPrivateSshd, type PrivateSshd } from '../../bench/fleet/private-sshd';
import { acquireLabLock, releaseLabLock } from '../lab/lab-lock';
import { RoutedHost } from '../../src/fleet/routed-host';

const found = findMariaDb();
const skip =
  process.env['SPAMTRACE_SKIP_MARIADB'] === '1' ? 'SPAMTRACE_SKIP_MARIADB=1' : typeof found === 'string' ? found : canRunSshd() ? false : 'needs root and openssh-server';

describe('Confixx inventory over SSH', { skip, concurrency: false }, () => {
  let db: PrivateMariaDb;
  let sshd: PrivateSshd;
  let ssh: SshHost;
  let work: string;
  let tcpConf: string;
  let socketConf: string;

  before(async () => {
    await acquireLabLock();
    db = await startPrivateMariaDb();
    await loadConfixxDb(db);
    work = mkdtempSync(join(tmpdir(), 'spamtrace-confixx-ssh-'));
    tcpConf = writeConfixxConf(mkdtempSync(join(work, 'tcp-')), { server: `127.0.0.1:${db.port}`, user: CONFIXX_USER, password: CONFIXX_PASSWORD, database: CONFIXX_DB });
    socketConf = writeConfixxConf(mkdtempSync(join(work, 'sock-')), { server: `localhost:${db.socketPath}`, user: CONFIXX_USER, password: CONFIXX_PASSWORD, database: CONFIXX_DB });
    sshd = await startPrivateSshd({ goodAliases: 1, slowLoginSeconds: 1 });
    ssh = new SshHost({ alias: sshd.good[0]!, configPath: sshd.configPath });
    await ssh.connect();
  });

  after(async () => {
    try {
      await ssh?.close();
      await sshd?.stop();
      await db?.stop();
      if (work) rmSync(work, { recursive: true, force: true });
    } finally {
      await releaseLabLock();
    }
  });

  const overSsh = (confPath: string) => new ConfixxInventory({ host: ssh, confPath, homeBase: '/var/www', localSocket: null, dbVia: 'host' });

  test('the customers read through the remote mysql client are the ones a direct connection reads, the latin1 name as proper text', async () => {
    const direct = await new ConfixxInventory({ host: new LocalHost(), confPath: tcpConf, homeBase: '/var/www', localSocket: null }).list();
    for (const conf of [socketConf, tcpConf]) {
      const remote = await overSsh(conf).list();
      assert.equal(remote.source, 'confixx-mysql');
      assert.equal(remote.subscriptions.length, CUSTOMER_COUNT);
      assert.deepEqual(remote.subscriptions, direct.subscriptions);
      assert.deepEqual(remote.warnings, direct.warnings);
      assert.equal(remote.subscriptions.find((s) => s.id === UMLAUT_CUSTOMER)?.customer?.name, UMLAUT_FIRMA);
    }
  });

  test('the customer lock is set and undone over SSH, with the same plan-verify contract', async () => {
    const inv = overSsh(socketConf);
    const lock = await inv.lockCustomer('web77');
    assert.deepEqual(lock, { customer: 'web77', field: 'kunden.gesperrt', before: 0, after: 1, changed: true });
    assert.equal((await inv.list()).subscriptions.find((s) => s.id === 'web77')?.suspended, true);
    const again = await inv.lockCustomer('web77');
    assert.equal(again.changed, false);
    const undo = await inv.unlockCustomer('web77', lock.before);
    assert.deepEqual(undo, { customer: 'web77', field: 'kunden.gesperrt', before: 1, after: 0, changed: true });
  });

  test('a wrong password over SSH is a clear E_CONFIXX_DB that never shows the password', async () => {
    const bad = writeConfixxConf(mkdtempSync(join(work, 'bad-')), { server: `localhost:${db.socketPath}`, user: CONFIXX_USER, password: 'wr"ong\\Pass$(id)', database: CONFIXX_DB });
    try {
      await overSsh(bad).list();
      assert.fail('a wrong password must fail');
    } catch (e) {
      assert.ok(isSpamtraceError(e), String(e));
      assert.equal(e.code, 'E_CONFIXX_DB');
      assert.match(e.message, /access denied: check \$dbUser and \$dbPw/);
      assert.ok(!e.message.includes('ong\\Pass'), e.message);
    }
  });

  test('the scan stage finds Confixx on the remote host and reads it over SSH', async () => {
    const config = { ...DEFAULT_CONFIG, panel: 'confixx' as const, confixx: { ...DEFAULT_CONFIG.confixx, confFile: socketConf } };
    const r = await loadInventory(ssh, { vhostsRoot: null, confixxRoot: null, staticMap: null }, silentLogger(), config);
    assert.equal(r.source, 'confixx-mysql', r.warnings.join(' | '));
    assert.equal(r.subscriptions.length, CUSTOMER_COUNT);
    assert.ok((await sshd.sessions()) <= 8, `${await sshd.sessions()} sessions`);
  });

  test('a split mail/web pair with the Confixx database on the web node: the inventory is read through the web node\'s SSH connection', async () => {
    // the mail node is a second machine (its own sshd) whose mysql client must never be asked
    const bin = join(work, 'mail-bin');
    mkdirSync(bin);
    const ran = join(work, 'mysql-ran-on-mail');
    writeFileSync(join(bin, 'mysql'), `#!/bin/sh\ntouch '${ran}'\necho "ERROR 2002 (HY000): Can't connect to local MySQL server through socket '/nowhere' (2)" >&2\nexit 1\n`, { mode: 0o755 });
    const mailSshd = await startPrivateSshd({ goodAliases: 1, slowLoginSeconds: 1, pathPrefix: bin });
    const mail = new SshHost({ alias: mailSshd.good[0]!, configPath: mailSshd.configPath });
    try {
      await mail.connect();
      const webRequests = ssh.requestsMade;
      const config = { ...DEFAULT_CONFIG, confixx: { ...DEFAULT_CONFIG.confixx, confFile: socketConf } };
      const r = await loadInventory(new RoutedHost(mail, ssh, ['/var/www']), { vhostsRoot: null, confixxRoot: null, staticMap: null }, silentLogger(), config);
      assert.equal(r.source, 'confixx-mysql', r.warnings.join(' | '));
      assert.equal(r.subscriptions.length, CUSTOMER_COUNT);
      assert.equal(r.subscriptions.find((s) => s.id === UMLAUT_CUSTOMER)?.customer?.name, UMLAUT_FIRMA);
      assert.ok(!existsSync(ran), 'the mail node\'s mysql client was asked');
      assert.ok(ssh.requestsMade > webRequests, 'nothing went through the web node');
    } finally {
      await mail.close();
      await mailSshd.stop();
    }
  });

  test('an old_passwords account (a real pre-4.1 hash) is named as the reason when login fails, over SSH and directly; read over SSH where the server allows it', async () => {
    const user = 'cfx_old';
    const password = 'Alt$Geheim1';
    const root = await db.rootConnection();
    try {
      // MariaDB still makes the old 16-hex-digit hash: old_passwords=1 for this session
      await root.query('SET SESSION old_passwords = 1');
      await root.query('CREATE USER ?@? IDENTIFIED BY ?', [user, 'localhost', password]);
      await root.query('SET SESSION old_passwords = 0');
      await root.query(`GRANT SELECT ON ${CONFIXX_DB}.* TO ?@?`, [user, 'localhost']);
      const [rows] = await root.query('SELECT plugin, authentication_string AS hash FROM mysql.user WHERE user = ?', [user]);
      const row = (rows as { plugin: string; hash: string }[])[0];
      assert.equal(row?.plugin, 'mysql_old_password');
      assert.match(row?.hash ?? '', /^[0-9a-f]{16}$/, 'a pre-4.1 hash');

      const conf = writeConfixxConf(mkdtempSync(join(work, 'old-')), { server: `localhost:${db.socketPath}`, user, password, database: CONFIXX_DB });
      const refused = async (inv: ConfixxInventory, how: string) => {
        try {
          await inv.list();
          assert.fail(`${how}: an old_passwords account must be refused here`);
        } catch (e) {
          assert.ok(isSpamtraceError(e), String(e));
          assert.equal(e.code, 'E_CONFIXX_DB');
          assert.match(e.message, new RegExp(`the account ${user} has a password in MySQL's old pre-4\\.1 format \\(old_passwords\\)`), `${how}: ${e.message}`);
          assert.match(e.message, /SET SESSION old_passwords=0; SET PASSWORD FOR/);
          assert.ok(!e.message.includes(password), e.message);
        }
      };
      const direct = new ConfixxInventory({ host: new LocalHost(), confPath: conf, homeBase: '/var/www', localSocket: null });
      // MariaDB (like MySQL >= 5.6) is in secure-auth mode by default: the server refuses the old hash
      await refused(overSsh(conf), 'the remote mysql client, server in secure-auth mode');
      await refused(direct, 'mysql2, server in secure-auth mode');
      // the MySQL of Confixx's days allowed it: the remote client speaks the old protocol, mysql2 cannot
      await root.query('SET GLOBAL secure_auth = 0');
      try {
        const r = await overSsh(conf).list();
        assert.equal(r.subscriptions.length, CUSTOMER_COUNT);
        await refused(direct, 'mysql2, server allowing old hashes');
      } finally {
        await root.query('SET GLOBAL secure_auth = 1');
      }
    } finally {
      await root.query('DROP USER IF EXISTS ?@?', [user, 'localhost']).catch(() => undefined);
      await root.end();
    }
  });
});
