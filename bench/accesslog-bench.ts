/**
 * The access-log reader's benchmark (spamtrace issue 3): MB/s of our scan next to
 * `zcat FILE | grep -c '"POST '` on the same gzip files in the same run, and a one-day
 * window scan whose time must not grow with the number of older rotated files.
 * `node dist/bench/accesslog-bench.js --help` for the options. Parts, one job each:
 *   accesslog/dataset.ts     generate and cache the logs     accesslog/synth-lines.ts  the lines
 *   accesslog/run-reader.ts  one measured run of ours (child) accesslog/children.ts   spawning, zcat|grep
 *   accesslog/options.ts     the command line                accesslog/table.ts        table, targets
 * Every program is spawned with an argument array, never a shell.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { runReader, runZcatGrep, runZcatOnly, type Timed } from './accesslog/children';
import { ensureDataset, subsetDir, WINDOW_SETS, type Dataset } from './accesslog/dataset';
import { HELP, parseBenchOptions, type AccessLogBenchOptions } from './accesslog/options';
import type { RunOutput } from './accesslog/run-reader';
import { median, printRows, TARGET_OURS_OVER_ZCAT, TARGET_WINDOW_GROWTH, verdict, type Row } from './accesslog/table';
import { BrokenBenchmark, UsageError } from './errors';

const MB = 1024 * 1024;
const DAY = 86_400_000;

function say(s: string): void {
  process.stderr.write(`${s}\n`);
}

async function fullScan(opts: AccessLogBenchOptions, set: Dataset): Promise<string[]> {
  const dir = subsetDir(opts.dir, 'rotated');
  const gz = set.files.filter((f) => f.gzip).map((f) => path.join(dir, f.name));
  let gzBytes = 0;
  for (const f of gz) gzBytes += (await fs.stat(f)).size;
  const unc = set.files.filter((f) => f.gzip).reduce((a, f) => a + f.bytes, 0) / MB;
  const gzMb = gzBytes / MB;
  say(`(a) ${gz.length} gzip files, ${unc.toFixed(0)} MB uncompressed, ${gzMb.toFixed(0)} MB compressed, ${opts.runs} runs each ...`);
  const base: Timed<number>[] = [];
  const ours: Timed<RunOutput>[] = [];
  for (let i = 0; i < opts.runs; i++) {
    base.push(await runZcatGrep(gz));
    ours.push(await runReader('post', dir));
  }
  const posts = new Set([...base.map((b) => b.result), ...ours.map((o) => o.result.requests)]);
  if (posts.size !== 1) throw new BrokenBenchmark(`POST counts differ between runs or from zcat|grep: ${[...posts].join(', ')}`);
  const scanLike = await runReader('scan', dir);
  const all = await runReader('all', dir);
  const chunks = await runReader('chunks', dir);
  const gzipDc = await runReader('gzip-dc', dir);
  const zcatOnly = await runZcatOnly(gz);
  const baseS = median(base.map((b) => b.wallS));
  const oursS = median(ours.map((o) => o.wallS));
  const rss = Math.max(...ours.map((o) => o.result.maxRssKb));
  const rows: Row[] = [
    { what: `zcat FILE | grep -c '"POST ' (median of ${opts.runs})`, seconds: baseS, mbUncompressed: unc, mbCompressed: gzMb, rssKb: null, note: `${base[0]!.result} lines` },
    { what: `ours, methods POST (median of ${opts.runs})`, seconds: oursS, mbUncompressed: unc, mbCompressed: gzMb, rssKb: rss, note: `${ours[0]!.result.requests} requests` },
    { what: "ours, the scan's filter (POST or .php)", seconds: scanLike.wallS, mbUncompressed: unc, mbCompressed: gzMb, rssKb: scanLike.result.maxRssKb, note: `${scanLike.result.requests} requests; ${(baseS / scanLike.wallS).toFixed(2)}x zcat|grep` },
    { what: 'ours, every line parsed', seconds: all.wallS, mbUncompressed: unc, mbCompressed: gzMb, rssKb: all.result.maxRssKb, note: `${all.result.requests} requests, ${all.result.junk} junk` },
    { what: 'Host.readChunks only (node zlib, 1 MiB)', seconds: chunks.wallS, mbUncompressed: unc, mbCompressed: gzMb, rssKb: chunks.result.maxRssKb, note: 'decompression alone' },
    { what: 'gzip -dc piped into node', seconds: gzipDc.wallS, mbUncompressed: unc, mbCompressed: gzMb, rssKb: gzipDc.result.maxRssKb, note: 'the alternative decompressor' },
    { what: 'zcat FILE > /dev/null', seconds: zcatOnly.wallS, mbUncompressed: unc, mbCompressed: gzMb, rssKb: null, note: 'decompression alone' },
  ];
  printRows('(a) full scan of the rotated gzip files (wall time, node start included)', rows);
  return [
    verdict('(a) ours MB/s / zcat|grep MB/s', baseS / oursS, TARGET_OURS_OVER_ZCAT, true),
    `    zlib vs gzip -dc (decompression only): ${(gzipDc.wallS / chunks.wallS).toFixed(2)}x faster with zlib`,
  ];
}

async function windowScan(opts: AccessLogBenchOptions, set: Dataset): Promise<string[]> {
  const window = { sinceMs: set.endMs - DAY, untilMs: set.endMs };
  say(`(b) one-day window, methods POST, with ${WINDOW_SETS.join(', ')} older rotated files ...`);
  const rows: Row[] = [];
  const inner: number[] = [];
  const counts = new Set<number>();
  for (const k of WINDOW_SETS) {
    const runs: Timed<RunOutput>[] = [];
    for (let i = 0; i < opts.runs; i++) runs.push(await runReader('post', subsetDir(opts.dir, `win-${k}`), window));
    const r = runs[0]!.result;
    counts.add(r.requests);
    const s = median(runs.map((x) => x.result.seconds));
    inner.push(s);
    rows.push({
      what: `window, live + ${k} rotated (median of ${opts.runs})`,
      seconds: s,
      mbUncompressed: r.bytesRead / MB,
      mbCompressed: null,
      rssKb: Math.max(...runs.map((x) => x.result.maxRssKb)),
      note: `${r.requests} requests; files read ${r.filesRead}, skipped ${r.filesSkipped}, stopped early ${r.filesStoppedEarly}; ${(r.bytesRead / MB).toFixed(0)} MB read`,
    });
  }
  if (counts.size !== 1) throw new BrokenBenchmark(`window scans found different request counts: ${[...counts].join(', ')}`);
  printRows('(b) one-day window scan (time inside the reader process, node start excluded)', rows);
  return [verdict(`(b) window time with ${WINDOW_SETS[WINDOW_SETS.length - 1]} / with ${WINDOW_SETS[0]} older files`, inner[inner.length - 1]! / inner[0]!, TARGET_WINDOW_GROWTH, false)];
}

async function main(argv: string[]): Promise<number> {
  let opts: AccessLogBenchOptions | 'help';
  try {
    opts = parseBenchOptions(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      say(`accesslog-bench: ${e.message}\n\n${HELP}`);
      return 2;
    }
    throw e;
  }
  if (opts === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  let set: Dataset;
  try {
    set = await ensureDataset(opts.dir, opts.sizeMb, say);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    say(`accesslog-bench: ${e.message}`);
    return 2;
  }
  const lines = [...(await fullScan(opts, set)), ...(await windowScan(opts, set))];
  console.log('');
  for (const l of lines) console.log(l);
  if (lines.some((l) => l.includes('MISSED'))) console.log('MISSED: at least one target was not reached (the measurement itself is valid)');
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    say(`accesslog-bench: ${e instanceof BrokenBenchmark ? 'broken benchmark: ' : ''}${(e as Error).stack ?? String(e)}`);
    process.exit(1);
  },
);
