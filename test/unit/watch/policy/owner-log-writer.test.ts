import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OwnerLogWriter } from '../../../../src/watch/policy/owner-log-writer';
import { parseOwnerLine } from '../../../../src/collect/smtp-owners/smtp-owner-log';
import type { SmtpOwnerRecord } from '../../../../src/domain/smtp-owner';

const rec = (n: number): SmtpOwnerRecord => ({
  at: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
  queueId: `ABCDE${(0x10 + n).toString(16).toUpperCase()}`,
  clientAddress: '127.0.0.1',
  clientPort: 40000 + n,
  serverAddress: '127.0.0.1',
  serverPort: 25,
  uid: 10000 + (n % 2),
  sender: `s${n}@example.de`,
  saslUsername: null,
});

test('records are appended as JSON lines, root-only, in order, and read back as written', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'owners-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const w = new OwnerLogWriter(join(dir, 'state', 'smtp-owners.jsonl'));
  for (let i = 0; i < 50; i++) w.append(rec(i));
  await w.idle();
  const lines = readFileSync(w.path, 'utf8').trim().split('\n');
  assert.equal(lines.length, 50);
  assert.deepEqual(lines.map(parseOwnerLine), [...Array(50).keys()].map(rec));
  assert.equal(statSync(w.path).mode & 0o777, 0o600);
  assert.equal(statSync(join(dir, 'state')).mode & 0o777, 0o700);
  assert.equal(w.written, 50);
});

test('the record is bounded: past maxBytes the file becomes .1 and the older .1 is gone', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'owners-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'smtp-owners.jsonl');
  const w = new OwnerLogWriter(path, 2000);
  for (let i = 0; i < 200; i++) {
    w.append(rec(i % 60));
    if (i % 10 === 0) await w.idle();
  }
  await w.idle();
  assert.ok(existsSync(`${path}.1`));
  assert.ok(statSync(path).size <= 2000 + 10 * 300, `${statSync(path).size}`);
  assert.ok(statSync(`${path}.1`).size <= 2000 + 10 * 300);
  // the newest record is in the current file
  assert.deepEqual(parseOwnerLine(readFileSync(path, 'utf8').trim().split('\n').pop()!), rec(199 % 60));
});

test('a write that fails is counted, not thrown', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'owners-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const logged: string[] = [];
  // a path under a regular file cannot be created
  const w = new OwnerLogWriter(join(dir, 'x', 'y.jsonl'), undefined, (l) => logged.push(l));
  writeFileSync(join(dir, 'x'), 'a file');
  w.append(rec(1));
  await w.idle();
  assert.equal(w.failures, 1);
  assert.equal(logged.length, 1);
});
