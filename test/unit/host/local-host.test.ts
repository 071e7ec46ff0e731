import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { LocalHost } from '../../../src/host/local-host';

const host = new LocalHost('test');

test('arguments reach the program literally: no shell ever sees them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'spamtrace-'));
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

test('gzipped files are read line by line like plain ones', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'spamtrace-'));
  writeFileSync(join(dir, 'a.gz'), gzipSync('one\r\ntwo\nthree'));
  const lines = [];
  for await (const l of host.readLines(join(dir, 'a.gz'))) lines.push(l.text);
  assert.deepEqual(lines, ['one', 'two', 'three']);
});
