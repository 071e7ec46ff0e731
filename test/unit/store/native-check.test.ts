/**
 * The start check for native modules: here better-sqlite3 loads; a binary built for another
 * Node is reported in one sentence with what was built for what and the fix.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkNativeModules, NATIVE_BUILD_FILE, thisRuntime, type NativeBuild } from '../../../src/store/native-check';
import { packageRoot } from '../../../src/package-root';

const ABI_ERROR =
  "The module '/opt/spamtrace/app/node_modules/better-sqlite3/build/Release/better_sqlite3.node'\nwas compiled against a different Node.js version using\nNODE_MODULE_VERSION 115. This version of Node.js requires\nNODE_MODULE_VERSION 127.";

test('every native module loads and works in the Node running the tests', () => {
  assert.deepEqual(checkNativeModules(packageRoot()), []);
});

test('a better-sqlite3 built for Node 20 under Node 22 says what was built for what and to run Node 20', () => {
  const dir = mkdtempSync(join(tmpdir(), 'native-'));
  try {
    const built: NativeBuild = { node: 'v20.19.2', abi: '115', platform: 'linux', arch: 'x64', glibc: '2.36' };
    writeFileSync(join(dir, NATIVE_BUILD_FILE), JSON.stringify(built));
    const here: NativeBuild = { node: 'v22.12.0', abi: '127', platform: 'linux', arch: 'x64', glibc: '2.28' };
    const problems = checkNativeModules(dir, () => { throw new Error(ABI_ERROR); }, here);
    assert.equal(problems.length, 1);
    const m = problems[0]!.message;
    assert.match(m, /^better-sqlite3 does not load \(built for Node v20\.19\.2 \(ABI 115, linux-x64, glibc 2\.36\), this is Node v22\.12\.0 \(ABI 127, linux-x64, glibc 2\.28\)\)/);
    assert.match(m, /compiled against a different Node\.js version/);
    assert.match(m, /Fix: run the service with Node 20 \(Plesk: \/opt\/plesk\/node\/20\/bin\/node\)/);
    assert.ok(!m.includes('\n'), 'one line, for the journal and the extension page');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a binary that fails under the same ABI (an older glibc) is to be rebuilt on the server', () => {
  const problems = checkNativeModules('/nonexistent', () => { throw new Error("/lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.33' not found"); }, thisRuntime());
  assert.match(problems[0]!.message, /GLIBC_2\.33' not found.*Fix: rebuild it on this server: cd \/nonexistent && npm rebuild better-sqlite3/);
});
