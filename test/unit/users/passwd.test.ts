import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parsePasswdLine, readPasswdFile } from '../../../src/collect/users/passwd';
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
