import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { accountFromGetent, accountsFromGetent, lookupUids, parsePasswdLine, readPasswdFile } from '../../../src/collect/users/passwd';
import { LocalHost } from '../../../src/host/local-host';
import { SkipTally } from '../../../src/collect/skip-tally';
import { isSpamtraceError } from '../../../src/errors';
import { packageRoot } from '../../../src/package-root';

test('the seed passwd line gives web274 with its home', () => {
  assert.deepEqual(parsePasswdLine('web274:x:4079:4079::/var/www/web274:/bin/false'), {
    login: 'web274', uid: 4079, gid: 4079, gecos: '', home: '/var/www/web274', shell: '/bin/false',
  });
});

test('lines that are not passwd entries are refused, not half-read', () => {
  for (const bad of ['', 'web274:x:4079', 'web274:x:abc:4079::/h:/s', '$(id):x:1:1::/h:/s', 'a:x:1:1::/h:/s:extra']) {
    assert.equal(parsePasswdLine(bad), null, bad);
  }
});

test('a passwd file resolves uids, first entry wins, junk is counted', async () => {
  const skipped = new SkipTally();
  const dir = await readPasswdFile(new LocalHost('t'), join(packageRoot(), 'examples', 'seed', 'passwd'), skipped);
  assert.equal(dir.byUid(4079)?.login, 'web274');
  assert.equal(dir.byUid(99999), undefined);
  assert.equal(skipped.total(), 0);
});

test('a missing passwd file is E_PASSWD_FILE', async () => {
  await assert.rejects(readPasswdFile(new LocalHost('t'), '/nonexistent/passwd', new SkipTally()), (e) => isSpamtraceError(e) && e.code === 'E_PASSWD_FILE');
});

const WEB274 = 'web274:x:4079:4079::/var/www/web274:/bin/false\n';

test('getent: the account asked for, by login or by uid; exit 2 is no account, whatever the policy', () => {
  const ok = { code: 0, stdout: WEB274 };
  assert.equal(accountFromGetent(ok, 'web274', 'pass')?.uid, 4079);
  assert.equal(accountFromGetent(ok, 4079, 'pass')?.login, 'web274');
  const absent = { code: 2, stdout: '' };
  assert.equal(accountFromGetent(absent, 'nobody-here', { throw: (why) => new Error(why) }), null);
});

test('getent failures: passed over, warned about one by one, or thrown, as the caller says', () => {
  const failures = [
    { r: { code: null, stdout: '', spawnError: { code: 'ENOENT' } }, why: 'getent could not run: ENOENT' },
    { r: { code: 1, stdout: '' }, why: 'getent failed (exit 1)' },
    // an entry for another key than the one asked is not believed (a uid key answered by a login match too)
    { r: { code: 0, stdout: 'root:x:0:0::/root:/bin/bash\n' }, why: 'getent gave no usable answer' },
    { r: { code: 0, stdout: 'web274:x:4079\n' }, why: 'getent gave no usable answer' },
  ];
  for (const { r, why } of failures) {
    assert.equal(accountFromGetent(r, 'web274', 'pass'), null);
    const warned: string[] = [];
    assert.equal(accountFromGetent(r, 'web274', { warn: (w) => warned.push(w) }), null);
    assert.deepEqual(warned, [why]);
    assert.throws(() => accountFromGetent(r, 'web274', { throw: (w) => new Error(`refused: ${w}`) }), new RegExp(`^Error: refused: ${why.replace(/[()]/g, '\\$&')}$`));
  }
});

test('getent with many keys: the ones it knows, in its order; the unknown ones are absent', () => {
  const r = { code: 2, stdout: WEB274 + 'shopuser:x:5010:5010::/srv/shop:/bin/false\n' };
  const warned: string[] = [];
  const found = accountsFromGetent(r, [5010, 'web274', 'gone'], { warn: (w) => warned.push(w) });
  assert.deepEqual(found.map((u) => u.login), ['web274', 'shopuser']);
  assert.deepEqual(warned, []);
});

test('lookupUids asks getent for all uids in one run and keeps the ones it knows', async () => {
  const local = new LocalHost('local');
  const runs: string[][] = [];
  const counting = Object.assign(Object.create(local) as typeof local, {
    run: (program: string, args: readonly string[], o?: object) => {
      runs.push([program, ...args]);
      return local.run(program, args, o);
    },
  });
  const skipped = new SkipTally();
  const users = await lookupUids(counting, [0, 3999999, 0, 1], skipped);
  assert.equal(runs.length, 1, JSON.stringify(runs));
  assert.deepEqual(runs[0], ['getent', 'passwd', '0', '3999999', '1']);
  assert.equal(users.byUid(0)?.login, 'root');
  assert.equal(users.byUid(1)?.uid, 1);
  assert.equal(users.byUid(3999999), undefined);
  assert.equal(skipped.total(), 0, 'a uid without an account is not a skipped line');
});
