import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { FILE_WHAT } from '../../../../src/collect/accesslog/discover';
import { JUNK } from '../../../../src/collect/accesslog/parse-line';
import { LINE_WHAT } from '../../../../src/collect/accesslog/read-file';
import { newReadStats } from '../../../../src/collect/accesslog/read-stats';
import { readAccessLogs, type AccessLogReadOptions } from '../../../../src/collect/accesslog/read-window';
import { SkipTally } from '../../../../src/collect/skip-tally';
import type { WebRequest } from '../../../../src/domain/weblog';
import { FakeHost } from '../fake-host';
import { garbage, line, tempDir, writeLog } from './log-files';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T = Date.UTC(2024, 1, 22, 0, 0, 0);

/** Reads through the in-memory FakeHost (files come from disk), like the collectors' other tests. */
async function read(dirs: string[], options: AccessLogReadOptions): Promise<{ requests: WebRequest[]; skipped: SkipTally; stats: ReturnType<typeof newReadStats> }> {
  const skipped = new SkipTally();
  const stats = newReadStats();
  const requests: WebRequest[] = [];
  for await (const r of readAccessLogs(new FakeHost(() => ({ code: 1 })), dirs, { ...options, stats }, skipped)) requests.push(r);
  return { requests, skipped, stats };
}

/** One line a second from `from`, POST on every 10th, as many as `n`. */
function steady(from: number, n: number): string[] {
  return Array.from({ length: n }, (_, i) => line(from + i * 1000, i % 10 === 0 ? 'POST' : 'GET', `/p${i}.php`));
}

test('a rotated gzip file last written before the window is not opened: its garbage is never counted', async () => {
  const dir = await tempDir();
  await writeLog(dir, 'access_log.processed.1.gz', [line(T - 2 * DAY)], T - 2 * DAY, garbage(50));
  await writeLog(dir, 'access_log', [line(T + HOUR), line(T + 2 * HOUR)], T + 2 * HOUR);
  const { requests, skipped, stats } = await read([dir], { since: new Date(T), until: new Date(T + DAY) });
  assert.equal(requests.length, 2);
  assert.deepEqual(skipped.list(), []);
  assert.equal(stats.filesSkippedByMtime, 1);
  assert.equal(stats.filesRead, 1);
  assert.equal(stats.bytesRead, (await fs.stat(path.join(dir, 'access_log'))).size);
  await fs.rm(dir, { recursive: true, force: true });
});

test('a file whose first line lies after the window is left after that line: no junk counted, no requests', async () => {
  const dir = await tempDir();
  await writeLog(dir, 'access_log.processed.1.gz', [line(T + 3 * DAY)], T + 4 * DAY, garbage(50));
  const { requests, skipped, stats } = await read([dir], { since: new Date(T), until: new Date(T + DAY) });
  assert.deepEqual(requests, []);
  assert.deepEqual(skipped.list(), []);
  assert.equal(stats.filesSkippedByFirstLine, 1);
  assert.equal(stats.filesRead, 0);
  await fs.rm(dir, { recursive: true, force: true });
});

test('reading stops once a file is clearly past the window; garbage further on is never reached', async () => {
  const dir = await tempDir();
  // ~9 MB uncompressed, a line a second; the window is the first 10 minutes
  const lines = steady(T, 100_000);
  const file = await writeLog(dir, 'access_log.processed.1.gz', lines, T + 100_000 * 1000, garbage(100));
  const { requests, skipped, stats } = await read([dir], { since: new Date(T), until: new Date(T + 10 * MIN) });
  assert.deepEqual(skipped.list(), []);
  assert.equal(stats.filesStoppedEarly, 1);
  assert.ok(stats.bytesRead < 4 * 1024 * 1024, `read ${stats.bytesRead} bytes`);
  assert.equal(requests.length, 601); // T .. T+600 s inclusive
  assert.equal(requests[0]!.line, 1);
  assert.equal(requests[600]!.line, 601);
  assert.equal(requests[600]!.file, file);
  await fs.rm(dir, { recursive: true, force: true });
});

test('a window in the middle of a large file finds exactly its lines, with exact line numbers', async () => {
  const dir = await tempDir();
  const lines = steady(T, 100_000);
  await writeLog(dir, 'access_log', lines, T + 100_000 * 1000);
  const since = T + 50_000 * 1000;
  const until = since + 30 * MIN;
  const all = await read([dir], { since: new Date(since), until: new Date(until) });
  assert.equal(all.requests.length, 1801);
  assert.deepEqual(all.requests.map((r) => r.line), Array.from({ length: 1801 }, (_, i) => 50_001 + i));
  assert.deepEqual(all.requests.map((r) => r.path), lines.slice(50_000, 51_801).map((l) => l.split(' ')[6]));
  const posts = await read([dir], { since: new Date(since), until: new Date(until), methods: ['POST'] });
  assert.deepEqual(posts.requests, all.requests.filter((r) => r.method === 'POST'));
  // only the chunks around the window are searched: far fewer than the file's 10,000 POST lines
  assert.ok(posts.stats.linesParsed < 3000, `parsed ${posts.stats.linesParsed} lines`);
  await fs.rm(dir, { recursive: true, force: true });
});

test('lines up to the slack out of order at the window edge are still found', async () => {
  const dir = await tempDir();
  const until = T + HOUR;
  // Apache writes a request when it ends: a slow upload stamped 4 min earlier comes later
  const lines = [line(until - 10 * MIN), line(until + 2 * MIN), line(until + 4 * MIN), line(until - MIN, 'POST', '/late.php'), line(until + 20 * MIN)];
  await writeLog(dir, 'access_log', lines, until + 20 * MIN);
  const { requests } = await read([dir], { since: new Date(T), until: new Date(until) });
  assert.deepEqual(requests.map((r) => r.path), ['/x.php', '/late.php']);
  await fs.rm(dir, { recursive: true, force: true });
});

test('the POST fast path gives the same requests as a full read, despite "POST in agents and junk', async () => {
  const dir = await tempDir();
  const lines = [
    line(T, 'GET'),
    '192.0.2.9 - - [22/Feb/2024:00:00:01 +0000] "GET /a HTTP/1.1" 200 5 "-" "bot \\"POST /fake\\""',
    line(T + 2000, 'POST', '/wp-login.php', '2001:db8::7'),
    'not a log line "POST at all',
    `example.de:443 192.0.2.3 - - [22/Feb/2024:00:00:03 +0000] "POST /form.php?x=1 HTTP/1.1" 302 - "-" "-"`,
  ];
  await writeLog(dir, 'access_log.processed.1.gz', lines, T + DAY);
  const full = await read([dir], {});
  const fast = await read([dir], { methods: ['POST'] });
  assert.deepEqual(fast.requests, full.requests.filter((r) => r.method === 'POST'));
  assert.deepEqual(fast.requests.map((r) => [r.client, r.vhost, r.path, r.query, r.bytes, r.line]), [
    ['2001:db8::7', null, '/wp-login.php', '', 10, 3],
    ['192.0.2.3', 'example.de', '/form.php', 'x=1', null, 5],
  ]);
  assert.deepEqual(fast.skipped.list(), [{ what: LINE_WHAT, reason: JUNK.noTime, count: 1 }]);
  const php = await read([dir], { lineContains: ['.php'], filter: (r) => r.status === 302 });
  assert.deepEqual(php.requests.map((r) => r.path), ['/form.php']);
  await fs.rm(dir, { recursive: true, force: true });
});

test('a truncated gzip file is counted as unreadable and the next file is still read', async () => {
  const dir = await tempDir();
  const broken = await writeLog(dir, 'access_log.processed.1.gz', steady(T, 2000), T + DAY);
  const whole = await fs.readFile(broken);
  await fs.writeFile(broken, whole.subarray(0, whole.length >> 1));
  await fs.utimes(broken, (T + DAY) / 1000, (T + DAY) / 1000);
  await writeLog(dir, 'access_log', [line(T + 2 * DAY)], T + 2 * DAY);
  const { requests, skipped, stats } = await read([dir], {});
  assert.equal(stats.filesFailed, 1);
  assert.equal(skipped.list().filter((s) => s.what === FILE_WHAT).length, 1);
  assert.equal(requests[requests.length - 1]!.time.getTime(), T + 2 * DAY);
  await fs.rm(dir, { recursive: true, force: true });
});

test('a window with since after until is refused', async () => {
  await assert.rejects(read(['/nonexistent'], { since: new Date(T + 1), until: new Date(T) }), RangeError);
});
