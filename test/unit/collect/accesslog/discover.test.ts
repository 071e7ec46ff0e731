import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { discoverAccessLogs, FILE_SKIPS, FILE_WHAT } from '../../../../src/collect/accesslog/discover';
import { IGNORED } from '../../../../src/collect/accesslog/name-pattern';
import { SkipTally } from '../../../../src/collect/skip-tally';
import { LocalHost } from '../../../../src/host/local-host';
import { line, tempDir, writeLog } from './log-files';

const DAY = 86_400_000;
const NOW = Date.UTC(2024, 1, 22, 12);

test('a Plesk log directory: access logs oldest first with their generations; error logs, webstat copies, directories and outside symlinks are not read', async () => {
  const root = await tempDir();
  const dir = path.join(root, 'logs');
  await fs.mkdir(dir);
  await writeLog(dir, 'access_log', [line(NOW)], NOW);
  await writeLog(dir, 'access_log.processed', [line(NOW - DAY)], NOW - DAY);
  await writeLog(dir, 'access_log.processed.1.gz', [line(NOW - 2 * DAY)], NOW - 2 * DAY);
  await writeLog(dir, 'access_log.processed.2.gz', [line(NOW - 3 * DAY)], NOW - 3 * DAY);
  await writeLog(dir, 'access_ssl_log', [line(NOW)], NOW - 1000);
  await writeLog(dir, 'access_ssl_log.processed-20240220.gz', [line(NOW)], NOW - 2.5 * DAY);
  await writeLog(dir, 'error_log', ['[error] x'], NOW);
  await writeLog(dir, 'error_log.processed.1.gz', ['[error] x'], NOW);
  await writeLog(dir, 'access_log.webstat', [line(NOW)], NOW);
  await writeLog(dir, 'access_log.processed.1.bz2', ['BZh'], NOW);
  await fs.mkdir(path.join(dir, 'access_log.3'));
  await writeLog(root, 'secret', ['root:x:0:0'], NOW);
  await fs.symlink('/etc/passwd', path.join(dir, 'access_log.4.gz'));
  await fs.symlink('../secret', path.join(dir, 'access_log.5'));
  await writeLog(dir, 'nginx-proxy.txt', [line(NOW)], NOW - 500);
  await fs.symlink('nginx-proxy.txt', path.join(dir, 'proxy_access_log'));
  await fs.symlink('access_log', path.join(dir, 'access.log')); // the same file twice: read once
  const skipped = new SkipTally();
  const files = await discoverAccessLogs(new LocalHost(), dir, skipped);
  assert.deepEqual(
    files.map((f) => [path.basename(f.path), f.kind, f.generation, f.gzip]),
    [
      ['access_log.processed.2.gz', 'access_log', 3, true],
      ['access_ssl_log.processed-20240220.gz', 'access_ssl_log', 1, true],
      ['access_log.processed.1.gz', 'access_log', 2, true],
      ['access_log.processed', 'access_log', 1, false],
      ['access_ssl_log', 'access_ssl_log', 0, false],
      ['proxy_access_log', 'proxy_access_log', 0, false],
      ['access_log', 'access_log', 0, false],
    ],
  );
  const proxy = files.find((f) => f.path.endsWith('proxy_access_log'))!;
  assert.equal(proxy.readPath, await fs.realpath(path.join(dir, 'nginx-proxy.txt')));
  assert.deepEqual(
    skipped.list().sort((a, b) => a.reason.localeCompare(b.reason)),
    [
      { what: FILE_WHAT, reason: IGNORED.suffix, count: 1 },
      { what: FILE_WHAT, reason: IGNORED.compression, count: 1 },
      { what: FILE_WHAT, reason: FILE_SKIPS.symlinkOut, count: 2 },
    ].sort((a, b) => a.reason.localeCompare(b.reason)),
  );
  await fs.rm(root, { recursive: true, force: true });
});

test('a Confixx log directory (access.log, access.log.1.gz) is found by the same pattern', async () => {
  const dir = await tempDir();
  await writeLog(dir, 'access.log', [line(NOW)], NOW);
  await writeLog(dir, 'access.log.1.gz', [line(NOW - DAY)], NOW - DAY);
  await writeLog(dir, 'access.log.2.gz', [line(NOW - 2 * DAY)], NOW - 2 * DAY);
  const files = await discoverAccessLogs(new LocalHost(), dir, new SkipTally());
  assert.deepEqual(files.map((f) => [path.basename(f.path), f.generation]), [['access.log.2.gz', 2], ['access.log.1.gz', 1], ['access.log', 0]]);
  await fs.rm(dir, { recursive: true, force: true });
});

test('a log directory that does not exist is counted, not fatal', async () => {
  const skipped = new SkipTally();
  assert.deepEqual(await discoverAccessLogs(new LocalHost(), '/nonexistent/spamtrace/logs', skipped), []);
  assert.equal(skipped.list()[0]?.reason, `${FILE_SKIPS.dirUnreadable} (ENOENT)`);
});
