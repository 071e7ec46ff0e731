import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { discoverLogFiles } from '../../../../src/collect/maillog/log-files';
import { collectMailLog } from '../../../../src/collect/maillog/maillog-collector';
import { SkipTally } from '../../../../src/collect/skip-tally';
import { LocalHost } from '../../../../src/host/local-host';
import { tempLogDir, writeLog } from './maillog-files';

const host = new LocalHost('test');
const line = ['Feb  1 00:00:00 mx postfix/master[1]: daemon started -- version 3.7.11, configuration /etc/postfix'];

test('RHEL dateext rotations (-YYYYMMDD, -YYYYMMDD.gz) come oldest first, then maillog; other names are passed over', async () => {
  const t = tempLogDir();
  try {
    writeLog(t.dir, 'maillog-20240211.gz', line, new Date(2024, 1, 11));
    writeLog(t.dir, 'maillog-20240204', line, new Date(2024, 1, 4));
    writeLog(t.dir, 'maillog-2024021806', line, new Date(2024, 1, 18, 6));
    writeLog(t.dir, 'maillog', line, new Date(2024, 1, 20));
    for (const other of ['maillog.bak', 'maillog-2024.gz', 'maillog-old', 'maillogger', 'mail.log.1', 'secure-20240211']) writeLog(t.dir, other, line, new Date(2024, 1, 1));
    mkdirSync(join(t.dir, 'maillog-20240101'));
    const files = await discoverLogFiles(host, join(t.dir, 'maillog'));
    assert.deepEqual(files.map((f) => f.path.slice(t.dir.length + 1)), ['maillog-20240204', 'maillog-20240211.gz', 'maillog-2024021806', 'maillog']);
  } finally {
    t.cleanup();
  }
});

test('numbered rotations: .10 is older than .9 (compared as numbers), .1 newest', async () => {
  const t = tempLogDir();
  try {
    for (const n of [1, 2, 9, 10]) writeLog(t.dir, `mail.log.${n}${n > 1 ? '.gz' : ''}`, line, new Date(2024, 1, 20 - n));
    const files = await discoverLogFiles(host, join(t.dir, 'mail.log'));
    assert.deepEqual(files.map((f) => f.path.slice(t.dir.length + 1)), ['mail.log.10.gz', 'mail.log.9.gz', 'mail.log.2.gz', 'mail.log.1']);
  } finally {
    t.cleanup();
  }
});

test('a rotation compressed with xz is listed as not read, and the tally says why', async () => {
  const t = tempLogDir();
  try {
    writeLog(t.dir, 'mail.log.2.xz', 'not really xz', new Date(2024, 1, 1));
    writeLog(t.dir, 'mail.log', line, new Date(2024, 1, 2));
    const skipped = new SkipTally();
    const r = await collectMailLog(host, { paths: [join(t.dir, 'mail.log')], now: new Date(2024, 1, 3) }, skipped);
    assert.deepEqual(r.files.map((f) => [f.path.slice(t.dir.length + 1), f.read, f.why ?? null]), [['mail.log.2.xz', false, 'compressed with xz: not read'], ['mail.log', true, null]]);
    assert.deepEqual(skipped.list(), [{ what: 'mail log file', reason: 'compressed with xz: not read', count: 1 }]);
  } finally {
    t.cleanup();
  }
});

test('a directory that does not exist gives no files, not an error', async () => {
  assert.deepEqual(await discoverLogFiles(host, '/nonexistent-spamtrace-dir/mail.log'), []);
});
