/**
 * The agent's answers are cut at the end marker wherever the network splits them: one
 * byte at a time, marker across chunks, two answers in one chunk.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameReader } from '../../../src/host/ssh/frame-reader';

const N = `ST${'0f'.repeat(16)}`;

function collect(reader: FrameReader, nonce: string) {
  const out: Buffer[] = [];
  const got: { status?: number; stderr?: string } = {};
  reader.expect(nonce, { stdout: (b) => out.push(Buffer.from(b)), end: (status, stderr) => Object.assign(got, { status, stderr: stderr.toString() }) });
  return { out, got };
}

test('an answer fed one byte at a time gives the exact stdout, status and stderr', () => {
  const r = new FrameReader();
  const { out, got } = collect(r, N);
  const stdout = `a${N.slice(0, 20)}b\nno newline at the end`;
  const wire = Buffer.from(`${stdout}${N}:3\nerr text\n${N};\n`);
  for (const byte of wire) assert.equal(r.feed(Buffer.from([byte])), null);
  assert.equal(Buffer.concat(out).toString(), stdout);
  assert.deepEqual(got, { status: 3, stderr: 'err text\n' });
  assert.equal(r.busy, false);
});

test('a marker with another nonce is output, and bytes outside an answer are a protocol error', () => {
  const r = new FrameReader();
  const other = `ST${'aa'.repeat(16)}`;
  const { out, got } = collect(r, N);
  assert.equal(r.feed(Buffer.from(`${other}:0\n${other};\n${N}:0\n${N};\n`)), null);
  assert.equal(Buffer.concat(out).toString(), `${other}:0\n${other};\n`);
  assert.equal(got.status, 0);
  assert.match(r.feed(Buffer.from('stray')) ?? '', /outside an answer/);
});

test('a malformed status is refused', () => {
  const r = new FrameReader();
  collect(r, N);
  assert.match(r.feed(Buffer.from(`${N}:x1\n`)) ?? '', /malformed status/);
});
