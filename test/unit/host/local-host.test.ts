import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { LocalHost } from '../../../src/host/local-host';

const host = new LocalHost('test');
const scratch: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'spamtrace-test-'));
  scratch.push(d);
  return d;
};
after(() => {
  for (const d of scratch) rmSync(d, { recursive: true, force: true });
});

test('arguments reach the program literally: no shell ever sees them', async () => {
  const dir = tempDir();
  const marker = join(dir, 'pwned');
  const hostile = `a;touch ${marker} $(touch ${marker}) \`touch ${marker}\``;
  const r = await host.run('printf', ['%s', hostile]);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, hostile);
  assert.equal(existsSync(marker), false);
});

test('a program that does not exist is reported, not thrown', async () => {
  const r = await host.run('/nonexistent/postqueue', ['-j']);
  assert.equal(r.code, null);
  assert.equal(r.spawnError?.code, 'ENOENT');
});

test('a hanging program is killed at its timeout', async () => {
  const r = await host.run('sleep', ['30'], { timeoutMs: 200 });
  assert.equal(r.timedOut, true);
  assert.equal(r.signal, 'SIGKILL');
});

test('stdin is written and stdout captured up to the cap', async () => {
  const r = await host.run('cat', [], { input: 'x'.repeat(5000), maxOutputBytes: 1000 });
  assert.equal(r.stdout.length, 1000);
  assert.equal(r.truncated, true);
});

test('streamed lines longer than the limit are cut and flagged, the rest intact', async () => {
  const run = host.runLines('printf', ['short\n%s\nlast\n', 'y'.repeat(10_000)], { maxLineBytes: 100 });
  const lines = [];
  for await (const l of run.lines) lines.push(l);
  const done = await run.done;
  assert.equal(done.code, 0);
  assert.deepEqual(lines.map((l) => [l.text.length, l.cut]), [[5, false], [100, true], [4, false]]);
});

test('output collected through a file leaves no file behind and respects the cap', async () => {
  // A private TMPDIR: counting entries in the shared /tmp raced with other processes
  // creating and removing their own spamtrace-* directories.
  const privateTmp = tempDir();
  const savedTmp = process.env.TMPDIR;
  process.env.TMPDIR = privateTmp;
  try {
    const r = await host.run('printf', ['%s\\n', 'a', 'b'], { outputViaFile: true });
    assert.equal(r.stdout, 'a\nb\n');
    const cut = await host.run('printf', ['%s', 'x'.repeat(5000)], { outputViaFile: true, maxOutputBytes: 100 });
    assert.equal(cut.stdout.length, 100);
    assert.equal(cut.truncated, true);
    const missing = await host.run('/nonexistent/postcat', [], { outputViaFile: true });
    assert.equal(missing.spawnError?.code, 'ENOENT');
  } finally {
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
  }
  assert.deepEqual(readdirSync(privateTmp), []);
});

test('a .gz name that cannot be read fails the reading loop instead of crashing the process', async () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'adir.gz'));
  await assert.rejects(async () => {
    for await (const l of host.readLines(join(dir, 'adir.gz'))) void l;
  }, /EISDIR/);
});

test('output collected through a file has no name on disk while the program runs', async () => {
  const r = await host.run('sh', ['-c', 'ls -l /proc/$$/fd/1'], { outputViaFile: true });
  assert.match(r.stdout, /\(deleted\)/);
});

test('gzipped files are read line by line like plain ones', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'a.gz'), gzipSync('one\r\ntwo\nthree'));
  const lines = [];
  for await (const l of host.readLines(join(dir, 'a.gz'))) lines.push(l.text);
  assert.deepEqual(lines, ['one', 'two', 'three']);
});
