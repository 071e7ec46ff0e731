/** Baseline (a): the naive shell loop, one postcat process per message. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { XARGS } from './commands';
import { BrokenBenchmark } from './errors';
import { measure } from './measure';
import type { Tools } from './prerequisites';
import { note } from './print';
import { EXAMINED_TOLERANCE } from './targets';

/** (a) runs in chunks of this many IDs (one xargs each), so progress can be shown */
export const A_CHUNK = 1000;

export interface AResult {
  wallS: number;
  maxRssKb: number;
  processes: number;
  failed: number;
  sampled: boolean;
  /** measured wall seconds over the processes actually run */
  measuredWallS: number;
  chunks: number;
}

/**
 * (a): `xargs -n 1 postcat -e -h -q` over the IDs: one postcat process per message, one after
 * the other, from a small C parent (the cheapest way to start them: no shell, no Node fork).
 * Chunks of A_CHUNK IDs (one xargs each) so progress can be shown; times are added.
 */
export async function runA(tools: Tools, allIds: string[], sample: number, workDir: string): Promise<AResult> {
  let ids = allIds;
  const sampled = sample > 0 && sample < allIds.length;
  if (sampled) {
    // spread evenly over the queue, not just the first IDs
    const step = allIds.length / sample;
    ids = Array.from({ length: sample }, (_, i) => allIds[Math.floor(i * step)]!);
  }
  let wall = 0;
  let maxRss = 0;
  let failed = 0;
  let chunks = 0;
  const errFile = path.join(workDir, 'postcat-a.err');
  for (let i = 0; i < ids.length; i += A_CHUNK) {
    const chunk = ids.slice(i, i + A_CHUNK);
    const idFile = path.join(workDir, 'ids-a.txt');
    await fs.writeFile(idFile, chunk.join('\n') + '\n');
    const m = await measure(XARGS, ['-a', idFile, '-d', '\n', '-r', '-n', '1', '--', tools.postcat, '-e', '-h', '-q'], '/dev/null', errFile, workDir);
    chunks++;
    wall += m.wallS;
    maxRss = Math.max(maxRss, m.maxRssKb);
    if (m.code !== 0) {
      // 123: some postcat exited non-zero; count them
      const fatal = (await fs.readFile(errFile, 'utf8')).split('\n').filter((l) => / fatal: /.test(l)).length;
      if (m.code !== 123) throw new BrokenBenchmark(`(a) xargs exited ${m.code}${m.signal ? ` (${m.signal})` : ''}`);
      failed += Math.max(1, fatal);
    }
    const done = i + chunk.length;
    const eta = (wall / done) * (ids.length - done);
    note(`(a) ${done.toLocaleString('en-US')}/${ids.length.toLocaleString('en-US')} postcat processes, ${wall.toFixed(1)} s, ${(done / wall).toFixed(0)}/s, ETA ${eta.toFixed(0)} s`);
  }
  if (failed > EXAMINED_TOLERANCE * ids.length) {
    throw new BrokenBenchmark(`(a) ${failed} of ${ids.length} postcat processes failed: the queue changed under the benchmark`);
  }
  return {
    wallS: sampled ? (wall * allIds.length) / ids.length : wall,
    measuredWallS: wall,
    maxRssKb: maxRss,
    processes: ids.length,
    failed,
    sampled,
    chunks,
  };
}
