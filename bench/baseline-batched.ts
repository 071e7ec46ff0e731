/** Baseline (b): the raw Postfix tools in the batches spamtrace itself uses. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_BATCH_SIZE, PARALLEL } from '../src/collect/queue/postcat-batch';
import { XARGS } from './commands';
import { BrokenBenchmark } from './errors';
import { measure, type Measured } from './measure';
import type { Tools } from './prerequisites';
import { parseIds } from './queue-ids';

export interface BResult {
  postqueue: Measured;
  postcat: Measured;
  wallS: number;
  maxRssKb: number;
  ids: string[];
  parseMs: number;
  postcatProcesses: number;
}

/**
 * (b): `postqueue -j` to a file (measured), IDs parsed here (not measured: the baseline is the
 * raw Postfix tools' cost), then `xargs -n DEFAULT_BATCH_SIZE -P PARALLEL postcat -e -h -q` to /dev/null
 * (measured): one postcat per 2,000 IDs, two at a time, exactly the batches and parallelism spamtrace uses.
 */
export async function runB(tools: Tools, workDir: string): Promise<BResult> {
  const listing = path.join(workDir, 'postqueue.json');
  const pq = await measure(tools.postqueue, ['-j'], listing, path.join(workDir, 'postqueue.err'), workDir);
  if (pq.code !== 0) throw new BrokenBenchmark(`postqueue -j exited ${pq.code}: ${(await fs.readFile(path.join(workDir, 'postqueue.err'), 'utf8')).trim()}`);
  const p0 = Date.now();
  const ids = parseIds(await fs.readFile(listing, 'utf8'));
  const parseMs = Date.now() - p0;
  const idFile = path.join(workDir, 'ids-b.txt');
  await fs.writeFile(idFile, ids.join('\n') + '\n');
  const errFile = path.join(workDir, 'postcat-b.err');
  const pc = await measure(XARGS, ['-a', idFile, '-d', '\n', '-r', '-n', String(DEFAULT_BATCH_SIZE), '-P', String(PARALLEL), '-x', '--', tools.postcat, '-e', '-h', '-q'], '/dev/null', errFile, workDir);
  if (pc.code !== 0) {
    const err = (await fs.readFile(errFile, 'utf8')).trim().split('\n').slice(0, 3).join(' | ');
    throw new BrokenBenchmark(`(b) xargs postcat exited ${pc.code}: ${err}`);
  }
  return {
    postqueue: pq,
    postcat: pc,
    wallS: pq.wallS + pc.wallS,
    maxRssKb: Math.max(pq.maxRssKb, pc.maxRssKb),
    ids,
    parseMs,
    postcatProcesses: Math.ceil(ids.length / DEFAULT_BATCH_SIZE),
  };
}
