/** The numbers the report is made of: medians over the runs, peak RSS, the ratios against the targets. */
import type { BResult } from './baseline-batched';
import type { AResult } from './baseline-per-message';
import type { OursResult } from './run-ours';
import { TARGET_A_OVER_OURS, TARGET_OURS_OVER_B, TARGET_OURS_RSS_MB } from './targets';

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export interface Summary {
  /** wall seconds: medians over the runs */
  oursWall: number;
  bWall: number;
  bPq: number;
  bPc: number;
  /** peak RSS, KiB: max over the runs */
  oursRss: number;
  bRss: number;
  oursOverB: number;
  aOverOurs: number;
  examined: number;
  /** messages per second examined by ours */
  rate: number;
  passB: boolean;
  passA: boolean;
  passRss: boolean;
  /** queue IDs listed by the last (b) run */
  n: number;
}

export function summarize(ourRuns: OursResult[], bRuns: BResult[], a: AResult, n: number): Summary {
  const oursWall = median(ourRuns.map((m) => m.wallS));
  const oursRss = Math.max(...ourRuns.map((m) => m.maxRssKb));
  const bWall = median(bRuns.map((b) => b.wallS));
  const bRss = Math.max(...bRuns.map((b) => b.maxRssKb));
  const bPq = median(bRuns.map((b) => b.postqueue.wallS));
  const bPc = median(bRuns.map((b) => b.postcat.wallS));
  const oursOverB = oursWall / bWall;
  const aOverOurs = a.wallS / oursWall;
  const examined = median(ourRuns.map((m) => m.examined));
  const rate = examined / oursWall;
  const passB = oursOverB <= TARGET_OURS_OVER_B;
  const passA = aOverOurs >= TARGET_A_OVER_OURS;
  const passRss = oursRss / 1024 < TARGET_OURS_RSS_MB;
  return { oursWall, bWall, bPq, bPc, oursRss, bRss, oursOverB, aOverOurs, examined, rate, passB, passA, passRss, n };
}
