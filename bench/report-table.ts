/** The report on stdout: the table of commands (wall s, peak RSS) and the ratios against the targets. */
import * as os from 'node:os';
import { DEFAULT_BATCH_SIZE, PARALLEL } from '../src/collect/queue/postcat-batch';
import type { BResult } from './baseline-batched';
import type { AResult } from './baseline-per-message';
import { fmt, mb, out } from './print';
import type { Summary } from './summary';
import { TARGET_A_OVER_OURS, TARGET_OURS_OVER_B, TARGET_OURS_RSS_MB } from './targets';

function verdict(pass: boolean): string {
  return pass ? 'PASS' : 'FAIL  <-- target MISSED';
}

/** Prints the table and the ratios; returns the load average after the runs (read where it is printed). */
export function printReport(s: Summary, runs: number, postfixVersion: string, bRuns: BResult[], a: AResult, loadStart: number[]): number[] {
  const { oursWall, oursRss, bWall, bRss, bPq, bPc, oursOverB, aOverOurs, examined, rate, passB, passA, passRss, n } = s;
  const runsNote = `median of ${runs}`;

  out('');
  out(`spamtrace scan benchmark: ${n.toLocaleString('en-US')} queued messages, Postfix ${postfixVersion}, ${os.cpus().length} CPUs, Node ${process.version}`);
  out('');
  const rows: Array<[string, string, string, string]> = [
    ['command', 'wall s', 'peak RSS MB', 'how'],
    ['ours  spamtrace scan --json', fmt(oursWall), fmt(mb(oursRss), 1), runsNote],
    [`(b)   postqueue -j + postcat -e -h -q x${DEFAULT_BATCH_SIZE}, ${PARALLEL} at once`, fmt(bWall), fmt(mb(bRss), 1), `${runsNote}; ID parsing not timed`],
    ['        postqueue -j', fmt(bPq), fmt(mb(Math.max(...bRuns.map((b) => b.postqueue.maxRssKb))), 1), runsNote],
    [`        postcat -e -h -q (${bRuns[0]!.postcatProcesses} processes)`, fmt(bPc), fmt(mb(Math.max(...bRuns.map((b) => b.postcat.maxRssKb))), 1), runsNote],
    [
      `(a)   postcat -e -h -q ID, one per message`,
      fmt(a.wallS),
      fmt(mb(a.maxRssKb), 1),
      a.sampled ? `EXTRAPOLATED from ${a.processes} sampled IDs (${fmt(a.measuredWallS)} s measured)` : `1 run, ${a.processes.toLocaleString('en-US')} processes`,
    ],
  ];
  const w = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i]!.length)));
  for (const [i, row] of rows.entries()) {
    out(`${row[0].padEnd(w[0]!)}  ${row[1].padStart(w[1]!)}  ${row[2].padStart(w[2]!)}  ${row[3]}`);
    if (i === 0) out('-'.repeat(w[0]! + w[1]! + w[2]! + 6 + 40));
  }
  out('');
  out(`ours / (b) = ${fmt(oursOverB)}x   target <= ${TARGET_OURS_OVER_B}x   ${verdict(passB)}`);
  out(`ours peak RSS = ${fmt(mb(oursRss), 1)} MB   target < ${TARGET_OURS_RSS_MB} MB   ${verdict(passRss)}`);
  out(`(a) / ours = ${fmt(aOverOurs, 1)}x   target >= ${TARGET_A_OVER_OURS}x   ${verdict(passA)}${a.sampled ? '   ((a) extrapolated from a sample)' : ''}`);
  out(`ours: ${Math.round(rate).toLocaleString('en-US')} messages/s (${examined.toLocaleString('en-US')} examined in ${fmt(oursWall)} s)`);
  const loadEnd = os.loadavg();
  out(`load average (1/5/15 min) before the runs ${loadStart.map((x) => x.toFixed(2)).join(' ')}, after ${loadEnd.map((x) => x.toFixed(2)).join(' ')} (${os.cpus().length} CPUs)`);
  out(`peak RSS: GNU time %M, the largest single process in the measured tree (for ours: node or a postcat child), not a sum`);
  if (a.failed) out(`note: ${a.failed} of the (a) postcat processes failed (message left the queue)`);
  if (!passA || !passB || !passRss) out('\nMISSED: at least one target was missed (the benchmark itself is valid).');
  return loadEnd;
}
