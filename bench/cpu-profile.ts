/** --cpu-prof: where does ours spend its time? */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { BrokenBenchmark } from './errors';
import { measure } from './measure';
import { CLI, RESULTS_DIR, ROOT } from './paths';
import { fmt, out } from './print';

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileRow {
  name: string;
  ms: number;
  pct: number;
}

function summarizeProfile(p: CpuProfile, root: string): { totalMs: number; functions: ProfileRow[]; files: ProfileRow[] } {
  const byNode = new Map<number, CpuProfile['nodes'][number]>();
  for (const n of p.nodes) byNode.set(n.id, n);
  const selfUs = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
  }
  const fileOf = (url: string): string => {
    if (!url) return '(native/VM)';
    const f = url.replace(/^file:\/\//, '');
    return f.startsWith(root + '/') ? f.slice(root.length + 1) : f;
  };
  const fns = new Map<string, number>();
  const files = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const cf = byNode.get(id)?.callFrame;
    if (!cf) continue;
    total += us;
    const file = fileOf(cf.url);
    const key = cf.url ? `${cf.functionName || '(anonymous)'}  ${file}:${cf.lineNumber + 1}` : cf.functionName || '(anonymous)';
    fns.set(key, (fns.get(key) ?? 0) + us);
    files.set(file, (files.get(file) ?? 0) + us);
  }
  const rows = (m: Map<string, number>): ProfileRow[] =>
    [...m.entries()].sort((a, b) => b[1] - a[1]).map(([name, us]) => ({ name, ms: us / 1000, pct: total ? (100 * us) / total : 0 }));
  return { totalMs: total / 1000, functions: rows(fns), files: rows(files) };
}

/** What --cpu-prof adds to the results: the profile's path and the top self-time rows. */
export interface ProfileSummary {
  file: string;
  totalMs: number;
  functions: ProfileRow[];
  files: ProfileRow[];
}

/** One unmeasured run of ours under `node --cpu-prof`; prints the top self-time functions and files. */
export async function profileOurs(workDir: string): Promise<ProfileSummary> {
  const dir = path.join(workDir, 'prof');
  await fs.mkdir(dir, { recursive: true });
  const m = await measure(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, CLI, 'scan', '--json'], '/dev/null', path.join(workDir, 'prof.err'), workDir);
  if (m.code !== 0 && m.code !== 1) throw new BrokenBenchmark(`profiled scan exited ${m.code}`);
  // two profiles: the command's and the scan it re-started under a heap limit
  // (src/cli/heap-limit.ts), which inherits --cpu-prof; the scan's is the larger
  const profiles = await Promise.all(
    (await fs.readdir(dir)).filter((f) => f.endsWith('.cpuprofile')).map(async (f) => ({ f, size: (await fs.stat(path.join(dir, f))).size })),
  );
  const name = profiles.sort((a, b) => b.size - a.size)[0]?.f;
  if (!name) throw new BrokenBenchmark('node --cpu-prof wrote no profile');
  await fs.mkdir(RESULTS_DIR, { recursive: true });
  const dest = path.join(RESULTS_DIR, 'scan.cpuprofile');
  await fs.copyFile(path.join(dir, name), dest);
  const sum = summarizeProfile(JSON.parse(await fs.readFile(dest, 'utf8')) as CpuProfile, ROOT);
  out('');
  out(`cpu profile of one more run of ours (${fmt(m.wallS)} s wall under the profiler; ${fmt(sum.totalMs / 1000)} s sampled): ${path.relative(ROOT, dest)}`);
  out('  self time by function:');
  for (const r of sum.functions.slice(0, 20)) out(`    ${fmt(r.ms, 0).padStart(7)} ms ${fmt(r.pct, 1).padStart(5)}%  ${r.name}`);
  out('  self time by file:');
  for (const r of sum.files.slice(0, 12)) out(`    ${fmt(r.ms, 0).padStart(7)} ms ${fmt(r.pct, 1).padStart(5)}%  ${r.name}`);
  return { file: dest, ...sum, functions: sum.functions.slice(0, 40), files: sum.files.slice(0, 20) };
}
