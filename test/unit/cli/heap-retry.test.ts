/**
 * A scan aborted out of the DEFAULT heap limit is run again without it, only when nothing
 * of it lasts yet (src/cli/heap-retry.ts). The rules here; the re-start itself with
 * stand-in scans (real processes that mark and end as an aborted scan does: exit 134, so
 * no core file is written); the 60,000-source scan end to end is in
 * heap-limit-safety.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAbort, limitChosenByUser, markSideEffect, MARKS_ENV, readMarks, scanUnderHeapLimit, unrepeatableInput, type ScanInputFiles } from '../../../src/cli/heap-retry';
import { isSpamtraceError } from '../../../src/errors';
import { openStore } from '../../../src/store/open-store';
import { createScanRow, getScan } from '../../../src/store';

const NO_FILES: ScanInputFiles = { queueFile: null, postcatFile: null, passwdFile: null, mailLogs: null, staticMap: null, configPath: null };

test('after an abort: run again only under the default limit, before anything lasts, with input that reads the same twice', () => {
  const row = { kind: 'row', db: '/x.db', id: 7 } as const;
  assert.deepEqual(afterAbort([], false, null, true), { retry: true, failRow: null });
  assert.deepEqual(afterAbort([row], false, null, true), { retry: true, failRow: { db: '/x.db', id: 7 } }, 'the running row is failed first');
  assert.deepEqual(afterAbort([], true, null, true), { retry: false, why: null }, 'SPAMTRACE_HEAP_MB chosen: kept, as before');
  assert.deepEqual(afterAbort([{ kind: 'final', what: 'stdout' }], false, null, true), { retry: false, why: 'it had begun to write its report' });
  assert.deepEqual(afterAbort([row, { kind: 'final', what: 'store' }], false, null, true), { retry: false, why: 'it had begun to store its result' });
  assert.deepEqual(afterAbort([], false, '/dev/stdin is a pipe', true), { retry: false, why: '/dev/stdin is a pipe' });
  assert.equal(afterAbort([], false, null, false).retry, false, "Node's own default is no larger: a second run would end the same way");
});

test('the limit counts as chosen when SPAMTRACE_HEAP_MB is set to anything but blank', () => {
  assert.equal(limitChosenByUser({}), false);
  assert.equal(limitChosenByUser({ SPAMTRACE_HEAP_MB: ' ' }), false);
  assert.equal(limitChosenByUser({ SPAMTRACE_HEAP_MB: '256' }), true);
});

test('input read twice: regular files and missing ones are fine; a FIFO (or stdin in a pipe) is not', { skip: process.platform !== 'linux' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'heap-retry-'));
  try {
    const file = join(dir, 'postcat.txt');
    writeFileSync(file, '');
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    assert.equal(unrepeatableInput({ ...NO_FILES, postcatFile: file, smtpOwners: join(dir, 'absent') }, {}), null);
    assert.equal(unrepeatableInput({ ...NO_FILES, queueFile: file, mailLogs: [file, fifo] }, {}), fifo);
    assert.equal(unrepeatableInput(NO_FILES, { SPAMTRACE_CONFIG: fifo }), fifo, 'the configuration named by the environment too');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('marks: written only inside a re-started scan; a line cut by the abort reads as output begun', () => {
  const dir = mkdtempSync(join(tmpdir(), 'heap-retry-'));
  try {
    const file = join(dir, 'marks');
    markSideEffect({ kind: 'final', what: 'stdout' }, {});
    assert.deepEqual(readMarks(file), [], 'no file named: nothing written');
    markSideEffect({ kind: 'row', db: '/a b\n.db', id: 3 }, { [MARKS_ENV]: file });
    assert.deepEqual(readMarks(file), [{ kind: 'row', db: '/a b\n.db', id: 3 }]);
    appendFileSync(file, '{"kind":"fin');
    assert.deepEqual(readMarks(file)[1], { kind: 'final', what: 'stdout' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** a stand-in for the scan: appends MARKS (JSON lines) where the command says, then ends as an abort does */
function standIn(dir: string, marks: string): string {
  const script = join(dir, 'stand-in.js');
  writeFileSync(script, `require('node:fs').appendFileSync(process.env.${MARKS_ENV}, ${JSON.stringify(marks)});\nprocess.exit(134);\n`);
  return script;
}

test('a stand-in scan aborted before anything lasts is to be run here; its store row is marked failed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'heap-retry-'));
  try {
    const db = join(dir, 'st.db');
    const store = openStore(db);
    const id = createScanRow(store, 'cli', null);
    const script = standIn(dir, JSON.stringify({ kind: 'row', db, id }) + '\n');
    const status = await scanUnderHeapLimit(64, script, [], { env: {}, defaultLimitMb: 4096, inputs: () => Promise.resolve(NO_FILES) });
    assert.equal(status, null, 'run again in this process');
    const row = getScan(store, id)!;
    assert.equal(row.state, 'failed');
    assert.match(row.error ?? '', /heap limit of 64 MB; it was run again without the limit/);
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a stand-in scan aborted once its report was on the way is not run again: E_HEAP_LIMIT saying why', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'heap-retry-'));
  try {
    const script = standIn(dir, JSON.stringify({ kind: 'final', what: 'stdout' }) + '\n');
    await assert.rejects(
      scanUnderHeapLimit(64, script, [], { env: {}, defaultLimitMb: 4096, inputs: () => Promise.resolve(NO_FILES) }),
      (e: unknown) => isSpamtraceError(e) && e.code === 'E_HEAP_LIMIT' && /heap limit of 64 MB.*not run again without the limit: it had begun to write its report/.test(e.message),
    );
    // the limit chosen by the user: as before, without a reason
    const quiet = standIn(dir, '');
    await assert.rejects(
      scanUnderHeapLimit(64, quiet, [], { env: { SPAMTRACE_HEAP_MB: '64' }, defaultLimitMb: 4096, inputs: () => Promise.resolve(NO_FILES) }),
      (e: unknown) => isSpamtraceError(e) && e.code === 'E_HEAP_LIMIT' && !e.message.includes('not run again'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
