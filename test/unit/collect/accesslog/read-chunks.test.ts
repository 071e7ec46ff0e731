import assert from 'node:assert/strict';
import { promises as fs, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { LocalHost } from '../../../../src/host/local-host';
import { FakeHost } from '../fake-host';
import { tempDir } from './log-files';

async function bytes(it: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of it) parts.push(c);
  return Buffer.concat(parts);
}

const openFds = (): number => readdirSync('/proc/self/fd').length;

test('readChunks returns a plain file as it is and a .gz file decompressed, on LocalHost and FakeHost', async () => {
  const dir = await tempDir();
  const text = Buffer.from('line one\nline two "POST /x"\n'.repeat(100_000));
  await fs.writeFile(path.join(dir, 'access_log'), text);
  await fs.writeFile(path.join(dir, 'access_log.1.gz'), gzipSync(text));
  for (const host of [new LocalHost(), new FakeHost(() => ({}))]) {
    assert.ok((await bytes(host.readChunks(path.join(dir, 'access_log')))).equals(text));
    assert.ok((await bytes(host.readChunks(path.join(dir, 'access_log.1.gz')))).equals(text));
  }
  await fs.rm(dir, { recursive: true, force: true });
});

test('readChunks does not follow a symlink at the last path component', async () => {
  const dir = await tempDir();
  await fs.writeFile(path.join(dir, 'target'), 'secret\n');
  await fs.symlink('target', path.join(dir, 'access_log'));
  await assert.rejects(bytes(new LocalHost().readChunks(path.join(dir, 'access_log'))), { code: 'ELOOP' });
  await fs.rm(dir, { recursive: true, force: true });
});

test('leaving a readChunks iteration early closes the file', async () => {
  const dir = await tempDir();
  await fs.writeFile(path.join(dir, 'access_log.1.gz'), gzipSync(Buffer.alloc(8 * 1024 * 1024, 'a\n')));
  const before = openFds();
  for await (const c of new LocalHost().readChunks(path.join(dir, 'access_log.1.gz'))) {
    assert.ok(c.length > 0);
    break;
  }
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(openFds(), before);
  await fs.rm(dir, { recursive: true, force: true });
});
