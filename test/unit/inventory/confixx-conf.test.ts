import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalHost } from '../../../src/host/local-host';
import { parseConfixxConfText, readConfixxConf, parsePerlLiteral, splitServer } from '../../../src/inventory/confixx/confixx-conf';
import { isSpamtraceError } from '../../../src/errors';

const BASE = ["$dbServer = 'localhost';", "$dbUser = 'confixx';", "$dbPw = 'geheim';", "$dbDB = 'confixx';"];

function conf(...lines: string[]): string {
  return lines.join('\n');
}

function confError(text: string): Error & { code: string } {
  try {
    parseConfixxConfText(text, '/root/confixx/confixx_main.conf');
  } catch (e) {
    assert.ok(isSpamtraceError(e), String(e));
    assert.equal(e.code, 'E_CONFIXX_CONF');
    return e;
  }
  assert.fail('expected E_CONFIXX_CONF');
}

test('the four settings of a typical confixx_main.conf are read', () => {
  const s = parseConfixxConfText(
    conf('#!/usr/bin/perl', '# Confixx main configuration', "$confixx_ver = '3.3.9';", ...BASE, "$html_dir = '/var/www';", '1;'),
  );
  assert.deepEqual(s, { host: 'localhost', user: 'confixx', password: 'geheim', database: 'confixx', source: 'confixx_main.conf' });
});

test('double quotes, escapes and a # inside the value are read as Perl would', () => {
  const s = parseConfixxConfText(
    conf(
      '$dbServer = "db.example.net";',
      '$dbUser="cfx_user" ;',
      `$dbPw = 'it\\'s #1 \\\\ $not @interpolated';  # comment after the value`,
      '$dbDB = "conf\\"ixx\\$db";',
    ),
  );
  assert.equal(s.host, 'db.example.net');
  assert.equal(s.user, 'cfx_user');
  assert.equal(s.password, "it's #1 \\ $not @interpolated");
  assert.equal(s.database, 'conf"ixx$db');
});

test('in single quotes a backslash before any other character stays a backslash', () => {
  assert.deepEqual(parsePerlLiteral(`'a\\nb\\'c';`), { ok: true, value: "a\\nb'c" });
});

test('a Unicode line separator inside a value is part of the value', () => {
  assert.equal(parseConfixxConfText(conf(...BASE, "$dbPw = 'a\u2028b';")).password, 'a\u2028b');
});

test('commented-out settings are ignored and the last assignment wins, as when Perl runs the file', () => {
  const s = parseConfixxConfText(conf("# $dbPw = 'old';", ...BASE, "  our $dbPw = 'newer';", "my $dbDB = 'confixx2'; # moved"));
  assert.equal(s.password, 'newer');
  assert.equal(s.database, 'confixx2');
});

test('missing settings are all named in one error', () => {
  const e = confError(conf("$dbServer = 'localhost';", "$dbUser = 'confixx';"));
  assert.match(e.message, /^\/root\/confixx\/confixx_main\.conf: no \$dbPw, \$dbDB/);
});

test('an empty password is a password; an empty user or database is not', () => {
  assert.equal(parseConfixxConfText(conf(...BASE, "$dbPw = '';")).password, '');
  assert.match(confError(conf(...BASE, "$dbUser = '';")).message, /\$dbUser is empty/);
  assert.match(confError(conf(...BASE, '$dbDB = "";')).message, /\$dbDB is empty/);
});

test('a value Perl would interpolate is refused, naming the line but never the value', () => {
  const e = confError(conf(...BASE, '$dbPw = "pa$$word-S3cret";'));
  assert.match(e.message, /line 5: \$dbPw contains an unescaped \$ that Perl would replace with a variable/);
  assert.ok(!e.message.includes('S3cret'));
  const at = confError(conf(...BASE, '$dbPw = "me@S3cret";'));
  assert.match(at.message, /unescaped @/);
  assert.ok(!at.message.includes('S3cret'));
});

test('expressions, commands and unterminated strings are refused, never run', () => {
  assert.match(confError(conf(...BASE, "$dbPw = 'ab' . 'cd';")).message, /\$dbPw is an expression, not a plain literal/);
  assert.match(confError(conf(...BASE, '$dbPw = `cat /etc/shadow`;')).message, /\$dbPw is not a plain quoted string or number/);
  assert.match(confError(conf(...BASE, '$dbPw = $ENV{DBPW};')).message, /\$dbPw is not a plain quoted string/);
  assert.match(confError(conf(...BASE, '$dbPw = q(secret);')).message, /\$dbPw is not a plain quoted string/);
  assert.match(confError(conf(...BASE, "$dbPw = 'spans", "lines';")).message, /\$dbPw is a quoted string that does not end on its line/);
  assert.match(confError(conf(...BASE, '$dbPw = "x\\u00e4";')).message, /\$dbPw uses the escape \\u/);
});

test('settings spamtrace does not need may hold anything', () => {
  const s = parseConfixxConfText(conf(...BASE, '$counter = `rm -rf /`;', '@servers = ("a", "b");', '$x = $y . "$z";', 'system("reboot");'));
  assert.equal(s.user, 'confixx');
});

test('a later bad assignment of a setting is not hidden by an earlier good one', () => {
  assert.match(confError(conf(...BASE, '$dbPw = "$other";')).message, /line 5: \$dbPw/);
});

test('POD blocks and everything after __END__ are not read', () => {
  const s = parseConfixxConfText(conf(...BASE, '=pod', "$dbPw = 'in-pod';", '=cut', "$dbDB = 'after-pod';", '__END__', "$dbUser = 'after-end';"));
  assert.equal(s.password, 'geheim');
  assert.equal(s.database, 'after-pod');
  assert.equal(s.user, 'confixx');
});

test('Windows line endings do not end up in the values', () => {
  const s = parseConfixxConfText(BASE.join('\r\n') + '\r\n');
  assert.equal(s.database, 'confixx');
});

test('$dbServer may carry a port or a socket, and $dbPort a port', () => {
  assert.deepEqual(splitServer('127.0.0.1:3307', 'f'), { host: '127.0.0.1', port: 3307 });
  assert.deepEqual(splitServer('localhost:/var/run/mysqld/mysqld.sock', 'f'), { socketPath: '/var/run/mysqld/mysqld.sock' });
  assert.deepEqual(splitServer('[::1]:3306', 'f'), { host: '::1', port: 3306 });
  assert.deepEqual(splitServer('db-1.example.net', 'f'), { host: 'db-1.example.net' });
  const withPort = parseConfixxConfText(conf(...BASE, '$dbPort = 3308;'));
  assert.equal(withPort.port, 3308);
  const sock = parseConfixxConfText(conf(...BASE, "$dbServer = 'localhost:/tmp/my.sock';"));
  assert.deepEqual([sock.host, sock.port, sock.socketPath], [undefined, undefined, '/tmp/my.sock']);
});

test('a $dbServer that is no host, or a port out of range, is refused', () => {
  assert.match(confError(conf(...BASE, "$dbServer = 'db host';")).message, /\$dbServer is not a host name/);
  assert.match(confError(conf(...BASE, "$dbServer = 'localhost:99999';")).message, /\$dbServer is not/);
  assert.match(confError(conf(...BASE, "$dbServer = 'evil;host';")).message, /\$dbServer is not/);
  assert.match(confError(conf(...BASE, "$dbPort = '0';")).message, /\$dbPort is not a port number/);
});

test('the file is read through the Host; a missing file names its path', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfxconf-'));
  try {
    const path = join(dir, 'confixx_main.conf');
    writeFileSync(path, conf(...BASE, "$dbServer = '10.0.0.5:3306';") + '\n');
    const s = await readConfixxConf(new LocalHost(), path);
    assert.deepEqual(s, { host: '10.0.0.5', port: 3306, user: 'confixx', password: 'geheim', database: 'confixx', source: path });
    await assert.rejects(readConfixxConf(new LocalHost(), join(dir, 'missing.conf')), (e: unknown) => {
      assert.ok(isSpamtraceError(e));
      assert.equal(e.code, 'E_CONFIXX_CONF');
      assert.match(e.message, /cannot read the Confixx configuration .*missing\.conf: ENOENT/);
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a setting on a line too long to read is refused rather than cut', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfxconf-'));
  try {
    const path = join(dir, 'confixx_main.conf');
    writeFileSync(path, conf(...BASE, `$dbPw = '${'x'.repeat(40_000)}';`) + '\n');
    await assert.rejects(readConfixxConf(new LocalHost(), path), /line 5: \$dbPw is on a line too long to read/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
