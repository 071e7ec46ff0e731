/**
 * The Confixx database through the server's own `mysql` client: values reach SQL as
 * escaped literals, batch output comes back exact (tabs, newlines, backslashes, NULL),
 * the password only on stdin, and the client's error lines are sorted into the reasons
 * the direct connection gives, old_passwords included.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyClientError, optionValue, parseBatch, RemoteMysqlSession } from '../../../../src/inventory/confixx/remote-mysql';
import { formatSql, sqlLiteral } from '../../../../src/inventory/confixx/sql-session';
import { describeDbError } from '../../../../src/inventory/confixx/confixx-db';
import { FakeHost } from '../../collect/fake-host';

const SETTINGS = { host: 'localhost', socketPath: '/var/run/mysqld/mysqld.sock', user: 'confixx', password: 's3cr"et\\pw', database: 'confixx', source: '/root/confixx/confixx_main.conf' };

test('values become MySQL literals: quotes, backslashes, NUL and line breaks escaped, lists joined', () => {
  assert.equal(sqlLiteral("a'b\"c\\d\0e\nf\r\x1ag"), `'a\\'b\\"c\\\\d\\0e\\nf\\r\\Zg'`);
  assert.equal(sqlLiteral(['kunden', 'pop3']), `'kunden', 'pop3'`);
  assert.equal(formatSql('SELECT 1 FROM t WHERE a = ? AND b IN (?)', ["x' OR 1=1 -- ", [1, 2]]), `SELECT 1 FROM t WHERE a = 'x\\' OR 1=1 -- ' AND b IN (1, 2)`);
  assert.throws(() => formatSql('SELECT ?', []), RangeError);
  assert.throws(() => formatSql('SELECT 1', ['x']), RangeError);
});

test('batch output is read back exactly: escapes undone, NULL as null, columns by name', () => {
  const rows = parseBatch('kunde\tfirma\tgesperrt\nweb1\tM\\\\ller\\tGmbH\\nZwei\t0\nweb2\tNULL\t1\n');
  assert.deepEqual(rows, [
    { kunde: 'web1', firma: 'M\\ller\tGmbH\nZwei', gesperrt: '0' },
    { kunde: 'web2', firma: null, gesperrt: '1' },
  ]);
  assert.deepEqual(parseBatch(''), []);
});

test('the client runs with the password in an option file on stdin, never in argv', async () => {
  const host = new FakeHost(() => ({ stdout: 'kunde\nweb1\n' }));
  const rows = await new RemoteMysqlSession(host, SETTINGS).select('SELECT kunde FROM kunden WHERE kunde = ?', ['web1']);
  assert.deepEqual(rows, [{ kunde: 'web1' }]);
  const call = host.calls[0]!;
  assert.equal(call.program, 'mysql');
  assert.equal(call.args[0], '--defaults-extra-file=/dev/stdin');
  assert.ok(call.args.includes('--default-character-set=utf8'));
  assert.ok(call.args.includes('--socket=/var/run/mysqld/mysqld.sock'));
  assert.ok(call.args.includes("--execute=SELECT kunde FROM kunden WHERE kunde = 'web1'"));
  assert.ok(!call.args.some((a) => a.includes('s3cr')), 'the password is not in argv');
  assert.equal(optionValue(SETTINGS.password), '"s3cr\\"et\\\\pw"');
});

test("the client's errors are named like the direct connection's, old_passwords accounts included", () => {
  assert.equal(classifyClientError("ERROR 1045 (28000): Access denied for user 'confixx'@'localhost' (using password: YES)\n").code, 'ER_ACCESS_DENIED_ERROR');
  assert.equal(classifyClientError("ERROR 2002 (HY000): Can't connect to local MySQL server through socket '/x' (2)\n").code, 'ENOENT');
  assert.equal(classifyClientError('ERROR 1146 (42S02) at line 1: Table \'confixx.kunden\' doesn\'t exist\n').code, 'ER_NO_SUCH_TABLE');
  const old = classifyClientError("ERROR 2049 (HY000): Connection using old (pre-4.1.1) authentication protocol refused (client option 'secure_auth' enabled)\n");
  assert.equal(old.code, 'ER_OLD_PASSWORDS');
  const e = describeDbError(old, SETTINGS, 'login');
  assert.equal(e.code, 'E_CONFIXX_DB');
  assert.match(e.message, /old pre-4\.1 format \(old_passwords\)/);
  assert.ok(!e.message.includes('s3cr'));
  // mysql2 meets the same account as an auth switch it cannot do
  assert.match(describeDbError(new Error('Server requests authentication using unknown plugin mysql_old_password'), SETTINGS, 'login').message, /old_passwords/);
});

test('an old_passwords account refused by the server itself (secure-auth mode) is named as such, by the remote client and by mysql2', () => {
  // the exact lines MariaDB 10.11 gives for a real 16-hex-digit hash (test/integration/confixx-ssh.test.ts makes one)
  const fromClient = classifyClientError("ERROR 1275 (HY000): Server is running in --secure-auth mode, but 'confixx'@'localhost' has a password in the old format; please change the password to the new format\n");
  assert.equal(fromClient.code, 'ER_OLD_PASSWORDS');
  assert.match(describeDbError(fromClient, SETTINGS, 'login').message, /old pre-4\.1 format \(old_passwords\)/);
  const fromMysql2 = Object.assign(new Error("Server is running in --secure-auth mode, but 'confixx'@'localhost' has a password in the old format"), { code: 'ER_SERVER_IS_IN_SECURE_AUTH_MODE', errno: 1275 });
  assert.match(describeDbError(fromMysql2, SETTINGS, 'login').message, /old pre-4\.1 format \(old_passwords\)/);
  // a server that allows the old hash asks for the old protocol: an auth switch with no plugin name
  const oldSwitch = Object.assign(new Error('Server requests authentication using unknown plugin . See TODO: add plugins doco here on how to configure or author authentication plugins.'), { code: 'AUTH_SWITCH_PLUGIN_ERROR' });
  assert.match(describeDbError(oldSwitch, SETTINGS, 'login').message, /old pre-4\.1 format \(old_passwords\)/);
  // another unknown plugin is not called old_passwords
  const other = Object.assign(new Error('Server requests authentication using unknown plugin auth_gssapi_client.'), { code: 'AUTH_SWITCH_PLUGIN_ERROR' });
  assert.doesNotMatch(describeDbError(other, SETTINGS, 'login').message, /old_passwords/);
});

test('"localhost" without a port goes to the socket where the distribution puts it: Debian, RHEL, SUSE, looked for on the Confixx host', async () => {
  const { resolveTarget, LOCAL_SOCKETS } = await import('../../../../src/inventory/confixx/confixx-db');
  const settings = { host: 'localhost', user: 'confixx', password: 'pw', database: 'confixx', source: '/root/confixx/confixx_main.conf' };
  /** a Confixx host on which only these paths are sockets (the scanner's own files do not count) */
  class Distro extends FakeHost {
    readonly asked: string[] = [];
    readonly prefetched: string[][] = [];
    constructor(private readonly sockets: string[]) {
      super(() => ({ stdout: 'kunde\n' }));
    }
    override async stat(p: string) {
      this.asked.push(p);
      return this.sockets.includes(p) ? { path: p, size: 0, mtime: new Date(0), mode: 0o140777, uid: 0, gid: 0, isFile: false, isDirectory: false, isSymbolicLink: false } : null;
    }
    async prefetch(what: { stat?: readonly string[] }) {
      this.prefetched.push([...(what.stat ?? [])]);
    }
  }
  for (const [distro, sock] of [
    ['Debian/Ubuntu', '/var/run/mysqld/mysqld.sock'],
    ['RHEL/CentOS/Fedora', '/var/lib/mysql/mysql.sock'],
    ['SUSE', '/var/run/mysql/mysql.sock'],
    ['SUSE (newer, /run)', '/run/mysql/mysql.sock'],
  ] as const) {
    const host = new Distro([sock]);
    const target = await resolveTarget(host, settings);
    assert.equal(target.socketPath, sock, distro);
    assert.deepEqual(host.prefetched, [[...LOCAL_SOCKETS]], 'all asked for in one go');
    await new RemoteMysqlSession(host, target).select('SELECT kunde FROM kunden');
    assert.ok(host.calls[0]!.args.includes(`--socket=${sock}`), distro);
  }
  // Debian's comes first when there are several; none: TCP to localhost as configured
  assert.equal((await resolveTarget(new Distro(['/var/lib/mysql/mysql.sock', '/var/run/mysqld/mysqld.sock']), settings)).socketPath, '/var/run/mysqld/mysqld.sock');
  const none = await resolveTarget(new Distro([]), settings);
  assert.equal(none.socketPath, undefined);
  // a regular file at a socket path is not a socket
  class FileThere extends Distro {
    override async stat(p: string) {
      return p === LOCAL_SOCKETS[0] ? { path: p, size: 1, mtime: new Date(0), mode: 0o100644, uid: 0, gid: 0, isFile: true, isDirectory: false, isSymbolicLink: false } : super.stat(p);
    }
  }
  assert.equal((await resolveTarget(new FileThere(['/run/mysql/mysql.sock']), settings)).socketPath, '/run/mysql/mysql.sock');
  // a port or a host other than localhost: no socket is looked for
  const tcp = new Distro(['/var/run/mysqld/mysqld.sock']);
  assert.equal((await resolveTarget(tcp, { ...settings, port: 3307 })).socketPath, undefined);
  assert.deepEqual(tcp.asked, []);
});
