/** bench/results/latest.json: every run, the machine, the options and the method, for comparing later runs. */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_BATCH_SIZE } from '../src/collect/queue/postcat-batch';
import { DEFAULT_FILL_MIX } from '../test/lab/lab';
import type { BResult } from './baseline-batched';
import { A_CHUNK, type AResult } from './baseline-per-message';
import type { ProfileSummary } from './cpu-profile';
import type { BenchOptions } from './options';
import { RESULTS_DIR } from './paths';
import type { FillInfo } from './prepare-queue';
import type { Tools } from './prerequisites';
import { mb, out, t0Bench } from './print';
import type { OursResult } from './run-ours';
import type { Summary } from './summary';
import { TARGET_A_OVER_OURS, TARGET_OURS_OVER_B } from './targets';

export interface BenchRun {
  startedAt: string;
  loadStart: number[];
  loadEnd: number[];
  tools: Tools;
  options: BenchOptions;
  fill: FillInfo;
  sizeBefore: number;
  sizeAfter: number;
  summary: Summary;
  ourRuns: OursResult[];
  bRuns: BResult[];
  a: AResult;
  profile: ProfileSummary | undefined;
}

/** Writes latest.json (and the results folder's .gitignore) and prints where. */
export async function writeResults(r: BenchRun): Promise<void> {
  const { startedAt, loadStart, loadEnd, tools, options, fill, sizeBefore, sizeAfter, ourRuns, bRuns, a, profile } = r;
  const { oursWall, oursRss, bWall, bRss, bPq, bPc, oursOverB, aOverOurs, rate, passB, passA, n } = r.summary;
  const totalS = (Date.now() - t0Bench) / 1000;
  const result = {
    version: 1,
    startedAt,
    finishedAt: new Date().toISOString(),
    totalSeconds: totalS,
    loadAverage: { beforeRuns: loadStart, afterRuns: loadEnd },
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? null, memoryMB: Math.round(os.totalmem() / 2 ** 20), kernel: os.release(), node: process.version, postfix: tools.postfixVersion },
    options,
    queue: { messages: n, before: sizeBefore, after: sizeAfter, fill: { how: options.fill, mode: fill.mode, flushed: fill.flushed, seconds: fill.fillSeconds, mix: DEFAULT_FILL_MIX, rounds: fill.fills } },
    method: {
      wall: 'monotonic clock around the /usr/bin/time process; medians over runs',
      peakRss: "GNU time -f '%e %M': largest RSS of any single process in the measured tree (KiB); max over runs",
      b: `postqueue -j > file, IDs parsed by the bench (not timed), then xargs -n ${DEFAULT_BATCH_SIZE} postcat -e -h -q > /dev/null (timed); times added, peak = max`,
      a: `xargs -n 1 postcat -e -h -q > /dev/null in chunks of ${A_CHUNK}; times added, peak = max${a.sampled ? '; EXTRAPOLATED from a sample' : ''}`,
      warmup: 'one unmeasured (b) pass before the runs; ours and (b) alternate order each run',
    },
    ours: { command: `node dist/src/cli.js scan --json`, wallSeconds: oursWall, peakRssMB: mb(oursRss), messagesPerSecond: rate, runs: ourRuns.map((m) => ({ wallS: m.wallS, timeS: m.timeS, maxRssKb: m.maxRssKb, exit: m.code, examined: m.examined, total: m.total, sources: m.sources, spamSources: m.spamSources })) },
    b: {
      command: `postqueue -j; postcat -e -h -q ID... (batches of ${DEFAULT_BATCH_SIZE})`,
      wallSeconds: bWall,
      peakRssMB: mb(bRss),
      postqueueSeconds: bPq,
      postcatSeconds: bPc,
      postcatProcesses: bRuns[0]!.postcatProcesses,
      runs: bRuns.map((b) => ({ wallS: b.wallS, postqueue: { wallS: b.postqueue.wallS, timeS: b.postqueue.timeS, maxRssKb: b.postqueue.maxRssKb }, postcat: { wallS: b.postcat.wallS, timeS: b.postcat.timeS, maxRssKb: b.postcat.maxRssKb }, ids: b.ids.length, parseMs: b.parseMs })),
    },
    a: { command: 'postcat -e -h -q ID (one process per message)', wallSeconds: a.wallS, peakRssMB: mb(a.maxRssKb), processes: a.processes, sampled: a.sampled, measuredSeconds: a.measuredWallS, failed: a.failed },
    ratios: {
      oursOverB: { value: oursOverB, target: `<= ${TARGET_OURS_OVER_B}`, pass: passB },
      aOverOurs: { value: aOverOurs, target: `>= ${TARGET_A_OVER_OURS}`, pass: passA, extrapolated: a.sampled },
    },
    ...(profile ? { cpuProfile: profile } : {}),
  };
  await fs.mkdir(RESULTS_DIR, { recursive: true });
  await fs.writeFile(path.join(RESULTS_DIR, '.gitignore'), '*.json\n*.cpuprofile\n', { flag: 'wx' }).catch(() => undefined);
  await fs.writeFile(path.join(RESULTS_DIR, 'latest.json'), JSON.stringify(result, null, 2) + '\n');
  out(`\nresults: ${path.relative(process.cwd(), path.join(RESULTS_DIR, 'latest.json')) || 'bench/results/latest.json'}`);
}
