/** How the remote tools' output and error words become LocalHost's FileInfo and errno codes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errnoOf, findStatManyArgs, listArgs, listManyArgs, parseList, parseListing, parseListMany, parseStat, parseStatMany, statArgs } from '../../../src/host/ssh/remote-files';
import { classifySshFailure } from '../../../src/host/ssh/ssh-errors';

const C = { ...process.env, LC_ALL: 'C', LANG: 'C' };

test('stat -c with the fixed format gives the same FileInfo as lstat, to the millisecond', () => {
  const dir = mkdtempSync(join(tmpdir(), 'spamtrace-stat-'));
  try {
    writeFileSync(join(dir, 'f'), 'hello');
    symlinkSync('/etc/passwd', join(dir, 'l'));
    mkdirSync(join(dir, 'd'));
    for (const name of ['f', 'l', 'd']) {
      const p = join(dir, name);
      const [prog, ...args] = statArgs(p);
      const info = parseStat(p, execFileSync(prog!, args, { env: C }).toString());
      const s = lstatSync(p);
      assert.ok(info);
      assert.equal(info.size, s.size);
      assert.equal(info.mode, s.mode);
      assert.equal(info.uid, s.uid);
      assert.ok(Math.abs(info.mtime.getTime() - s.mtime.getTime()) <= 1);
      assert.equal(info.isFile, s.isFile());
      assert.equal(info.isDirectory, s.isDirectory());
      assert.equal(info.isSymbolicLink, s.isSymbolicLink(), name);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('find -printf with NUL separators keeps names with newlines, quotes and semicolons exact', () => {
  const dir = mkdtempSync(join(tmpdir(), 'spamtrace-list-'));
  try {
    const names = ['a;touch x', 'b\nc', "it's", '$(id)', ' lead', '-dash'];
    for (const n of names) writeFileSync(join(dir, n), '');
    const [prog, ...args] = listArgs(dir);
    assert.deepEqual(parseList(execFileSync(prog!, args, { env: C })), [...names].sort());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the errno is read from the words after the last ": ", never from the attacker-chosen path', () => {
  assert.equal(errnoOf('cat: /var/log/x: No such file or directory\n'), 'ENOENT');
  assert.equal(errnoOf("find: '/etc/passwd/': Not a directory\n"), 'ENOTDIR');
  assert.equal(errnoOf("dd: failed to open '/l': Too many levels of symbolic links\n"), 'ELOOP');
  assert.equal(errnoOf('cat: /x: No such file or directory: Permission denied\n'), 'EACCES');
  assert.equal(errnoOf('cat: /logs/a: Permission denied: b: Input/output error\n'), 'EIO');
  assert.equal(errnoOf('something else\n'), null);
});

test("ssh's own failures are told apart from a program's, with advice that fits", () => {
  assert.equal(classifySshFailure('m', 'ssh: connect to host 10.0.0.9 port 22: Connection refused\r\n')?.kind, 'unreachable');
  assert.equal(classifySshFailure('m', '@@@@@\r\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\r\nHost key verification failed.\r\n')?.kind, 'host-key-changed');
  assert.equal(classifySshFailure('m', 'No ED25519 host key is known for [127.0.0.1]:2222 and you have requested strict checking.\r\nHost key verification failed.\r\n')?.kind, 'host-key-unknown');
  assert.equal(classifySshFailure('m', 'root@127.0.0.1: Permission denied (publickey).\r\n')?.kind, 'auth-refused');
  assert.equal(classifySshFailure('m', 'ssh: connect to host 10.0.0.9 port 22: Connection timed out\r\n')?.kind, 'timeout');
  assert.equal(classifySshFailure('m', 'postsuper: fatal: usage ...\n'), null);
  const e = classifySshFailure('m', 'x\x1b[2J Connection refused');
  assert.ok(e && !e.message.includes('\x1b'), 'terminal escapes from the far side are shown, not obeyed');
});

test('a listed entry answers a stat for a few seconds, then the host is asked again', async () => {
  const { StatCache } = await import('../../../src/host/ssh/stat-cache');
  let t = 1000;
  const cache = new StatCache(5000, () => t);
  const info = { path: '/x/a', size: 1, mtime: new Date(0), mode: 0o100644, uid: 0, gid: 0, isFile: true, isDirectory: false, isSymbolicLink: false };
  cache.set('/x/a', info);
  assert.deepEqual(cache.get('/x/a'), info);
  assert.equal(cache.get('/x/b'), null);
  t += 5001;
  assert.equal(cache.get('/x/a'), null);
});

test('a listing carries each entry\'s lstat facts, a name with a newline included', () => {
  const dir = mkdtempSync(join(tmpdir(), 'spamtrace-listing-'));
  try {
    writeFileSync(join(dir, 'a\nb'), 'xyz');
    symlinkSync('/etc', join(dir, 'l'));
    const [prog, ...args] = listArgs(dir);
    const entries = parseListing(dir, execFileSync(prog!, args, { env: C }));
    assert.deepEqual(entries.map((e) => e.name), ['a\nb', 'l']);
    for (const e of entries) {
      const s = lstatSync(join(dir, e.name));
      assert.equal(e.info?.path, join(dir, e.name));
      assert.equal(e.info?.mode, s.mode, e.name);
      assert.equal(e.info?.size, s.size);
      assert.ok(Math.abs(e.info!.mtime.getTime() - s.mtime.getTime()) <= 1);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('many stats in one find: each path gets its own facts, a missing one has no record', () => {
  const dir = mkdtempSync(join(tmpdir(), 'spamtrace-statmany-'));
  try {
    const names = ['a;touch x', 'b\nc', "it's", '-dash', 'd'];
    for (const n of names) writeFileSync(join(dir, n), n);
    symlinkSync('/etc/passwd', join(dir, 'l'));
    mkdirSync(join(dir, 'sub'));
    const paths = [...names, 'l', 'sub', 'missing'].map((n) => join(dir, n));
    const [prog, ...args] = findStatManyArgs(paths);
    assert.ok(!args.some((a) => a.includes('\\')), 'no argument the agent would have to decode');
    let out = '';
    try {
      out = execFileSync(prog!, args, { env: C, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
    } catch (e) {
      out = (e as { stdout: Buffer }).stdout.toString(); // find exits 1 for the missing path
    }
    const got = parseStatMany(paths, out);
    assert.equal(got.size, paths.length - 1);
    assert.equal(got.has(join(dir, 'missing')), false);
    for (const p of paths.slice(0, -1)) {
      const s = lstatSync(p);
      const info = got.get(p)!;
      assert.equal(info.path, p);
      assert.equal(info.mode, s.mode, p);
      assert.equal(info.size, s.size, p);
      assert.equal(info.isSymbolicLink, s.isSymbolicLink(), p);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('many listings in one find: entries go to their own directory, an empty one is empty, a missing one is absent', () => {
  const dir = mkdtempSync(join(tmpdir(), 'spamtrace-listmany-'));
  try {
    for (const d of ['one', 'two', 'empty', 'one/nested']) mkdirSync(join(dir, d));
    writeFileSync(join(dir, 'one', 'x\ny'), '1');
    writeFileSync(join(dir, 'one', 'nested', 'deep'), 'not listed: depth 2');
    writeFileSync(join(dir, 'two', 'b'), '22');
    writeFileSync(join(dir, 'two', 'a b'), '');
    writeFileSync(join(dir, 'file'), '');
    const dirs = ['one', 'two/', 'empty', 'missing', 'file'].map((n) => join(dir, n));
    const [prog, ...args] = listManyArgs(dirs);
    let out = '';
    try {
      out = execFileSync(prog!, args, { env: C, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
    } catch (e) {
      out = (e as { stdout: Buffer }).stdout.toString();
    }
    const got = parseListMany(dirs, out);
    assert.deepEqual([...got.keys()].sort(), [dirs[0], dirs[1], dirs[2]].sort());
    assert.deepEqual(got.get(dirs[0]!)!.map((e) => e.name), ['nested', 'x\ny']);
    assert.deepEqual(got.get(dirs[1]!)!.map((e) => e.name), ['a b', 'b']);
    assert.equal(got.get(dirs[1]!)![1]!.info?.path, join(dir, 'two', 'b'));
    assert.equal(got.get(dirs[1]!)![1]!.info?.size, 2);
    assert.deepEqual(got.get(dirs[2]!), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
