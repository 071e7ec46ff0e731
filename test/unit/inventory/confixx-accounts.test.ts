import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeHost } from '../collect/fake-host';
import { LocalHost } from '../../../src/host/local-host';
import { lookupAccounts } from '../../../src/inventory/confixx/system-accounts';

/** getent as it behaves: prints the keys it knows, exit 2 when any key is unknown. */
function getent(known: Record<string, number>) {
  return (program: string, args: readonly string[]) => {
    assert.equal(program, 'getent');
    assert.equal(args[0], 'passwd');
    const keys = args.slice(1);
    const lines = keys.filter((k) => k in known).map((k) => `${k}:x:${known[k]}:${known[k]}::/var/www/${k}:/bin/false`);
    return { stdout: lines.join('\n') + (lines.length ? '\n' : ''), code: lines.length === keys.length ? 0 : 2 };
  };
}

test('many logins are asked in few getent calls, and unknown ones simply stay out', async () => {
  const known: Record<string, number> = {};
  for (let n = 1; n <= 450; n += 2) known[`web${n}`] = 4000 + n;
  const host = new FakeHost(getent(known));
  const logins = Array.from({ length: 450 }, (_, i) => `web${i + 1}`);
  const r = await lookupAccounts(host, logins);
  assert.equal(host.calls.length, 3, '200 logins per getent');
  assert.equal(r.accounts.size, 225);
  assert.equal(r.accounts.get('web7')!.uid, 4007);
  assert.equal(r.accounts.has('web8'), false);
  assert.deepEqual(r.warnings, []);
});

test('an answer for a login nobody asked for is ignored', async () => {
  const host = new FakeHost(() => ({ stdout: 'root:x:0:0:root:/root:/bin/bash\nweb1:x:5001:5001::/var/www/web1:/bin/false\n', code: 0 }));
  const r = await lookupAccounts(host, ['web1']);
  assert.deepEqual([...r.accounts.keys()], ['web1']);
});

test('getent missing is a warning, not a crash', async () => {
  const host = new FakeHost(() => ({ spawnError: { code: 'ENOENT', message: 'spawn getent ENOENT' } }));
  const r = await lookupAccounts(host, ['web1']);
  assert.equal(r.accounts.size, 0);
  assert.match(r.warnings[0]!, /getent could not run \(ENOENT\)/);
});

test('a saved passwd file gives the uids of the logins asked for only', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfxpw-'));
  try {
    const path = join(dir, 'passwd');
    writeFileSync(path, ['root:x:0:0:root:/root:/bin/bash', 'web1:x:5001:5001::/var/www/web1:/bin/false', 'broken line', 'web2:x:5002:5002::/var/www/web2:/bin/false'].join('\n'));
    const r = await lookupAccounts(new LocalHost(), ['web1', 'web3'], { passwdFile: path });
    assert.deepEqual([...r.accounts.entries()].map(([k, v]) => [k, v.uid]), [['web1', 5001]]);
    await assert.rejects(lookupAccounts(new LocalHost(), ['web1'], { passwdFile: join(dir, 'nope') }), /E_PASSWD_FILE|cannot read passwd file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
