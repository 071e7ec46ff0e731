/**
 * Child process of the access-log bench: one measured run of our reader (or of the bare
 * decompression), so each run has its own heap and its own peak RSS. Prints one JSON line.
 *
 *   node dist/bench/accesslog/run-reader.js MODE DIR [SINCE_MS UNTIL_MS]
 *   MODE: post (methods POST: the fast path) | scan (the lines the scan's web stage reads:
 *         POST or .php) | all (every line parsed) |
 *         chunks (Host.readChunks only: zlib, no scan) | gzip-dc (gzip -dc into node, no scan)
 */
import { spawn } from 'node:child_process';
import { openSync, closeSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { newReadStats, readAccessLogs } from '../../src/collect/accesslog';
import { SkipTally } from '../../src/collect/skip-tally';
import { LocalHost } from '../../src/host/local-host';
import { SCRIPT_LINE_NEEDLES } from '../../src/scan/web-stage';

export interface RunOutput {
  mode: string;
  requests: number;
  bytesRead: number;
  filesRead: number;
  filesSkipped: number;
  filesStoppedEarly: number;
  junk: number;
  seconds: number;
  maxRssKb: number;
}

async function gzipDc(file: string): Promise<number> {
  const fd = openSync(file, 'r');
  const child = spawn('gzip', ['-dc'], { stdio: [fd, 'pipe', 'inherit'] });
  closeSync(fd);
  if (!child.stdout) throw new Error('gzip -dc: no stdout pipe');
  let n = 0;
  for await (const b of child.stdout) n += (b as Buffer).length;
  return n;
}

async function main(): Promise<void> {
  const [mode, dir, since, until] = process.argv.slice(2);
  if (!mode || !dir) throw new Error('usage: run-reader.js MODE DIR [SINCE_MS UNTIL_MS]');
  const host = new LocalHost('bench');
  const t0 = process.hrtime.bigint();
  const out: RunOutput = { mode, requests: 0, bytesRead: 0, filesRead: 0, filesSkipped: 0, filesStoppedEarly: 0, junk: 0, seconds: 0, maxRssKb: 0 };
  if (mode === 'chunks' || mode === 'gzip-dc') {
    for (const name of readdirSync(dir).sort()) {
      const file = path.join(dir, name);
      if (mode === 'gzip-dc') out.bytesRead += await gzipDc(file);
      else for await (const c of host.readChunks(file)) out.bytesRead += c.length;
      out.filesRead += 1;
    }
  } else {
    const stats = newReadStats();
    const skipped = new SkipTally();
    const window = since && until ? { since: new Date(Number(since)), until: new Date(Number(until)) } : {};
    const methods = mode === 'post' ? ['POST'] : undefined;
    const lineContains = mode === 'scan' ? SCRIPT_LINE_NEEDLES : undefined;
    for await (const r of readAccessLogs(host, [dir], { ...window, methods, lineContains, stats }, skipped)) if (r.status >= 0) out.requests += 1;
    Object.assign(out, {
      bytesRead: stats.bytesRead,
      filesRead: stats.filesRead,
      filesSkipped: stats.filesSkippedByMtime + stats.filesSkippedByFirstLine,
      filesStoppedEarly: stats.filesStoppedEarly,
      junk: skipped.total(),
    });
  }
  out.seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  out.maxRssKb = process.resourceUsage().maxRSS;
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`run-reader: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
