/**
 * `npm run bench`: how fast is `spamtrace scan --json` on a real 20,000-message Postfix
 * queue, next to the raw Postfix tools it is built on? See bench/README.md.
 *
 *   ours  node dist/src/cli.js scan --json                 (stdout to a file, checked)
 *   (b)   postqueue -j   +   postcat -e -h -q ID x2000 ...  (the same batches spamtrace uses)
 *   (a)   postcat -e -h -q ID, one process per message      (the naive shell loop)
 *
 * Every measured command runs under GNU time (`/usr/bin/time -f '%e %M'`) for its peak RSS;
 * wall time is taken here with a monotonic clock around that process. Targets: ours <= 1.5x
 * (b), and (a) >= 50x ours. A missed target is printed (MISSED) but does not fail the run;
 * only a broken benchmark (wrong exit code, unparsable JSON, messages not examined, a queue
 * that changed under us) exits non-zero.
 *
 * Holds the lab lock (test/lab/lab-lock.ts) from before `labUp` until after `labDown`.
 * Every program is spawned with an argument array, never a shell.
 *
 * This file runs the benchmark from start to teardown; the parts, one job each:
 *   options.ts        --help and the options        prerequisites.ts  root, GNU time, Postfix tools
 *   measure.ts        one command under GNU time    commands.ts       unmeasured commands
 *   run-ours.ts       spamtrace scan --json         baseline-batched.ts, baseline-per-message.ts  (b), (a)
 *   prepare-queue.ts  fill the lab queue            queue-ids.ts      IDs and size from postqueue -j
 *   summary.ts        medians and ratios            report-table.ts   the table on stdout
 *   results-file.ts   bench/results/latest.json     cpu-profile.ts    --cpu-prof
 *   targets.ts, paths.ts, errors.ts, print.ts
 */
import { promises as fs, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { flushQueue, labDown, labUp } from '../test/lab/lab';
import { acquireLabLock, LAB_LOCK, releaseLabLock } from '../test/lab/lab-lock';
import { runB, type BResult } from './baseline-batched';
import { runA } from './baseline-per-message';
import { profileOurs } from './cpu-profile';
import { BrokenBenchmark, UsageError } from './errors';
import { endMeasuredCommand } from './measure';
import { HELP, parseOptions, type BenchOptions } from './options';
import { stopInstance, type BenchInstance } from './bench-instance';
import { openInstance, prepareInstanceQueue } from './instance-queue';
import { prepareQueue, type FillInfo } from './prepare-queue';
import { checkPrerequisites, type Tools } from './prerequisites';
import { fmt, mb, note, out, t0Bench } from './print';
import { queueSize } from './queue-ids';
import { printReport } from './report-table';
import { writeResults } from './results-file';
import { runOurs, type OursResult } from './run-ours';
import { summarize } from './summary';
import { QUEUE_DRIFT_TOLERANCE } from './targets';

function releaseLockSync(): void {
  try {
    if (Number(readFileSync(LAB_LOCK, 'utf8').trim()) === process.pid) rmSync(LAB_LOCK, { force: true });
  } catch {
    // not ours or gone
  }
}

async function main(argv: string[]): Promise<number> {
  let opts: BenchOptions | 'help';
  try {
    opts = parseOptions(argv);
  } catch (e) {
    process.stderr.write(`scan-bench: ${(e as Error).message}\n(see --help)\n`);
    return 2;
  }
  if (opts === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  let tools: Tools;
  try {
    tools = await checkPrerequisites();
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`scan-bench: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const o = opts;

  const workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'spamtrace-bench-'));
  // a signal: end the measured child (by its pid), give the lock back, say what is left up
  let interrupted = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    endMeasuredCommand();
    releaseLockSync();
    rmSync(workDir, { recursive: true, force: true });
    process.stderr.write(
      o.fill === 'instance'
        ? `\nscan-bench: ${sig}: stopped. The bench instance may still be up: postfix -c /etc/postfix-bench-${o.messages} stop (its queue is kept).\n`
        : `\nscan-bench: ${sig}: stopped; lab lock released. The lab is still up: "npm run lab -- down" (or rerun with --reuse).\n`,
    );
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const startedAt = new Date().toISOString();
  let lockHeld = false;
  let instance: BenchInstance | undefined;
  let code = 0;
  try {
    let fill: FillInfo;
    if (o.fill === 'instance') {
      instance = await openInstance(o);
      fill = await prepareInstanceQueue(instance, o, tools);
    } else {
      const holder = await fs.readFile(LAB_LOCK, 'utf8').catch(() => '');
      if (holder.trim()) note(`waiting for the lab lock ${LAB_LOCK} (held by pid ${holder.trim()})`);
      await acquireLabLock(30 * 60 * 1000);
      lockHeld = true;
      note(`lab lock taken (${LAB_LOCK})`);

      const up = await labUp({ log: (l) => note(`  ${l}`) });
      note(`lab up in ${(up.elapsedMs / 1000).toFixed(1)} s (postfix pid ${up.postfixPid}, fake MX pid ${up.fakeMxPid})`);

      fill = await prepareQueue(o, tools);
    }
    out(`queue: ${fill.queueSize.toLocaleString('en-US')} messages (${fill.mode}${fill.mode !== 'reused' ? `; fill took ${fmt(fill.fillSeconds, 1)} s` : ''})`);

    if (o.fillOnly) return code;

    // warm-up, not measured: the first read of 20,000 queue files pays for the page cache
    note('warm-up (not measured): postqueue -j + batched postcat');
    await runB(tools, workDir);

    const loadStart = os.loadavg();
    if (loadStart[0]! > 0.5 * os.cpus().length) {
      note(`warning: load average ${loadStart.map((x) => x.toFixed(2)).join(' ')} on ${os.cpus().length} CPUs: other work is running, the numbers will be noisy`);
    }
    const bRuns: BResult[] = [];
    const ourRuns: OursResult[] = [];
    for (let r = 0; r < o.runs; r++) {
      // alternate the order so neither side always runs on the warmer cache
      const order: Array<'b' | 'ours'> = r % 2 === 0 ? ['b', 'ours'] : ['ours', 'b'];
      for (const which of order) {
        if (which === 'b') {
          const b = await runB(tools, workDir);
          bRuns.push(b);
          note(`run ${r + 1}/${o.runs} (b): postqueue -j ${fmt(b.postqueue.wallS)} s + postcat x${b.postcatProcesses} ${fmt(b.postcat.wallS)} s = ${fmt(b.wallS)} s, ${b.ids.length} IDs`);
        } else {
          const size = bRuns.length ? bRuns[bRuns.length - 1]!.ids.length : fill.queueSize;
          const m = await runOurs(size, workDir);
          ourRuns.push(m);
          note(`run ${r + 1}/${o.runs} ours: ${fmt(m.wallS)} s, peak RSS ${fmt(mb(m.maxRssKb), 1)} MB, exit ${m.code}, examined ${m.examined}/${m.total}, ${m.sources} sources (${m.spamSources} spam)`);
        }
      }
    }

    const listedIds = bRuns[bRuns.length - 1]!.ids;
    note(
      o.sample > 0 && o.sample < listedIds.length
        ? `(a): one postcat per message over a sample of ${o.sample} of ${listedIds.length} IDs (extrapolated)`
        : `(a): one postcat per message over all ${listedIds.length} IDs (slow)`,
    );
    const a = await runA(tools, listedIds, o.sample, workDir);

    const sizeAfter = await queueSize(tools);
    const sizeBefore = fill.queueSize;
    if (Math.abs(sizeAfter - sizeBefore) > QUEUE_DRIFT_TOLERANCE * sizeBefore) {
      throw new BrokenBenchmark(`the queue changed during the benchmark: ${sizeBefore} -> ${sizeAfter} messages`);
    }

    // ---- results
    const summary = summarize(ourRuns, bRuns, a, listedIds.length);
    const loadEnd = printReport(summary, o.runs, tools.postfixVersion, bRuns, a, loadStart);

    const profile = o.cpuProf ? await profileOurs(workDir) : undefined;

    await writeResults({ startedAt, loadStart, loadEnd, tools, options: o, fill, sizeBefore, sizeAfter, summary, ourRuns, bRuns, a, profile });
  } catch (e) {
    code = 1;
    if (e instanceof BrokenBenchmark) process.stderr.write(`\nscan-bench: BROKEN BENCHMARK: ${e.message}\n`);
    else process.stderr.write(`\nscan-bench: ${(e as Error)?.stack ?? String(e)}\n`);
  } finally {
    try {
      if (instance && !o.keep) {
        await stopInstance(instance);
        note(`${instance.name} stopped; its queue stays in ${instance.queueDir} for the next run`);
      } else if (instance) {
        note(`--keep: ${instance.name} stays up (postfix -c ${instance.configDir} stop)`);
      }
      if (lockHeld && !o.keep) {
        note('teardown: flushing the queue and taking the lab down (--keep leaves them up)');
        const deleted = await flushQueue().catch((e: Error) => {
          note(`flush failed: ${e.message}`);
          return 0;
        });
        const down = await labDown();
        note(`flushed ${deleted} messages; lab down in ${(down.elapsedMs / 1000).toFixed(1)} s`);
      } else if (lockHeld) {
        note('--keep: the lab and the queue stay up (rerun with --reuse; "npm run lab -- down" when done)');
      }
    } catch (e) {
      code = 1;
      process.stderr.write(`scan-bench: teardown failed: ${(e as Error).message}\n`);
    } finally {
      if (lockHeld) await releaseLabLock();
      await fs.rm(workDir, { recursive: true, force: true });
    }
  }
  out(`total bench duration: ${fmt((Date.now() - t0Bench) / 1000, 1)} s`);
  return code;
}

main(process.argv.slice(2)).then(
  (c) => {
    process.exitCode = c;
  },
  (e: unknown) => {
    process.stderr.write(`scan-bench: ${(e as Error)?.stack ?? String(e)}\n`);
    releaseLockSync();
    process.exitCode = 1;
  },
);
