/** The measured command: spamtrace itself, with its JSON report checked against the queue. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { BrokenBenchmark } from './errors';
import { measure, type Measured } from './measure';
import { CLI } from './paths';
import { EXAMINED_TOLERANCE } from './targets';

export interface OursResult extends Measured {
  examined: number;
  total: number;
  sources: number;
  spamSources: number;
}

/** ours: `node dist/src/cli.js scan --json`, stdout to a file, checked. */
export async function runOurs(queueSize: number, workDir: string): Promise<OursResult> {
  const outFile = path.join(workDir, 'scan.json');
  const errFile = path.join(workDir, 'scan.err');
  const m = await measure(process.execPath, [CLI, 'scan', '--json'], outFile, errFile, workDir);
  const stderr = (await fs.readFile(errFile, 'utf8')).trim();
  if (m.code !== 0 && m.code !== 1) {
    throw new BrokenBenchmark(`spamtrace scan --json exited ${m.code}${m.signal ? ` (${m.signal})` : ''} (expected 0 or 1): ${stderr.split('\n').slice(-3).join(' | ')}`);
  }
  let report: { queue?: { examined?: unknown; total?: unknown }; sources?: Array<{ verdict?: unknown }> };
  try {
    report = JSON.parse(await fs.readFile(outFile, 'utf8')) as typeof report;
  } catch (e) {
    throw new BrokenBenchmark(`spamtrace scan --json printed no valid JSON: ${(e as Error).message}`);
  }
  const examined = report.queue?.examined;
  const total = report.queue?.total;
  if (typeof examined !== 'number' || typeof total !== 'number') throw new BrokenBenchmark('spamtrace scan --json: report has no queue.examined/queue.total');
  if (Math.abs(examined - queueSize) > EXAMINED_TOLERANCE * queueSize) {
    throw new BrokenBenchmark(
      `spamtrace examined ${examined} messages of a ${queueSize}-message queue (more than ${EXAMINED_TOLERANCE * 100}% off): the measurement is invalid`,
    );
  }
  const sources = report.sources ?? [];
  const spamSources = sources.filter((s) => s.verdict === 'spam').length;
  if ((m.code === 1) !== spamSources > 0) {
    throw new BrokenBenchmark(`spamtrace exited ${m.code} but the report lists ${spamSources} spam sources`);
  }
  return { ...m, examined, total, sources: sources.length, spamSources };
}
