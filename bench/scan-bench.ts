/**
 * `npm run bench`: how fast is `spamtrace scan --json` on a real 20,000-message Postfix
 * queue, next to the raw Postfix tools it is built on? See bench/README.md.
 *
 *   ours  node dist/src/cli.js scan --json                 (stdout to a file, checked)
 *   (b)   postqueue -j   +   postcat -e -h -q ID x500 ...  (the same batches spamtrace uses)
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
 */
import { spawn } from 'node:child_process';
import { constants as fsc, promises as fs, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_BATCH_SIZE } from '../src/collect/queue/postcat-batch';
import { DEFAULT_FILL_MIX, fillQueueFast, flushQueue, labDown, labUp, waitForQueueSettled, type FillResult } from '../test/lab/lab';
import { acquireLabLock, LAB_LOCK, releaseLabLock } from '../test/lab/lab-lock';

// ---------------------------------------------------------------------------------------------
// targets and constants

const TARGET_OURS_OVER_B = 1.5; // ours <= 1.5 x (b)
const TARGET_A_OVER_OURS = 50; // (a) >= 50 x ours
/** queue.examined must be within this fraction of the queue size, else the run is invalid */
const EXAMINED_TOLERANCE = 0.03;
/** the queue may not change by more than this between the first and the last listing */
const QUEUE_DRIFT_TOLERANCE = 0.01;
/** (a) runs in chunks of this many IDs (one xargs each), so progress can be shown */
const A_CHUNK = 1000;

const GNU_TIME = '/usr/bin/time';
const XARGS = 'xargs';
const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'src', 'cli.js');
const FAKE_MX_JS = path.join(ROOT, 'dist', 'test', 'lab', 'fake-mx.js');
const RESULTS_DIR = path.join(ROOT, 'bench', 'results');
const ENV = { ...process.env, LC_ALL: 'C', LANG: 'C' };

const HELP = `Usage: npm run bench -- [options]
       node dist/bench/scan-bench.js [options]

Brings the Postfix lab up (root, throw-away machine: see test/lab/README.md), fills the
queue with N messages and measures, in the same run:

  ours  spamtrace scan --json                    (node dist/src/cli.js scan --json)
  (b)   postqueue -j, then postcat -e -h -q ID... in batches of ${DEFAULT_BATCH_SIZE}, output to /dev/null
  (a)   one postcat -e -h -q ID process per message, output to /dev/null

Prints wall seconds, peak RSS and the ratios against the targets
(ours <= ${TARGET_OURS_OVER_B}x (b), (a) >= ${TARGET_A_OVER_OURS}x ours); writes bench/results/latest.json.

Options:
  --messages N             queue size to fill to (default 20000; at least this many are measured)
  --runs K                 runs of ours and of (b); the median is reported (default 3)
  --per-message-sample N   time (a) over N queue IDs only and extrapolate to the whole
                           queue (default 0: run (a) over every message)
  --reuse                  keep a queue that already holds >= N messages (top it up if it
                           holds fewer) instead of flushing it and filling it again
  --keep                   leave the lab and the queue up afterwards (for --reuse)
  --cpu-prof               after the measurements, one more (unmeasured) run of ours under
                           node --cpu-prof: the profile goes to bench/results/ and the
                           functions and files with the most self time are printed
  -h, --help               this text

Needs root, Postfix (postfix, sasl2-bin, libsasl2-modules) and GNU time (package "time").
Exit status: 0 the benchmark ran (targets may be MISSED: read the output), 1 the benchmark
is broken (invalid measurement), 2 usage error or missing prerequisites.
`;

// ---------------------------------------------------------------------------------------------
// options

interface BenchOptions {
  messages: number;
  runs: number;
  sample: number;
  reuse: boolean;
  keep: boolean;
  cpuProf: boolean;
}

class UsageError extends Error {}
class BrokenBenchmark extends Error {}

function parseOptions(argv: string[]): BenchOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        messages: { type: 'string' },
        runs: { type: 'string' },
        'per-message-sample': { type: 'string' },
        reuse: { type: 'boolean' },
        keep: { type: 'boolean' },
        'cpu-prof': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  if (v.help) return 'help';
  const int = (name: string, value: string | undefined, def: number, min: number, max: number): number => {
    if (value === undefined) return def;
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new UsageError(`--${name} takes a whole number from ${min} to ${max} (got ${JSON.stringify(value)})`);
    }
    return n;
  };
  return {
    messages: int('messages', v.messages, 20000, 1, 1_000_000),
    runs: int('runs', v.runs, 3, 1, 50),
    sample: int('per-message-sample', v['per-message-sample'], 0, 0, 1_000_000),
    reuse: Boolean(v.reuse),
    keep: Boolean(v.keep),
    cpuProf: Boolean(v['cpu-prof']),
  };
}

// ---------------------------------------------------------------------------------------------
// output helpers

const t0Bench = Date.now();
function elapsed(): string {
  return `${((Date.now() - t0Bench) / 1000).toFixed(1).padStart(6)} s`;
}
/** progress and lab messages: stderr */
function note(line: string): void {
  process.stderr.write(`[bench ${elapsed()}] ${line}\n`);
}
/** results: stdout */
function out(line = ''): void {
  process.stdout.write(line + '\n');
}
const fmt = (n: number, d = 2): string => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
const mb = (kb: number): number => kb / 1024;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

// ---------------------------------------------------------------------------------------------
// processes

/** The process currently measured, so a signal can end it (by its pid). */
let currentChild: import('node:child_process').ChildProcess | undefined;

interface Measured {
  /** wall seconds, monotonic clock around the GNU time process */
  wallS: number;
  /** GNU time %e (10 ms resolution, truncated) */
  timeS: number;
  /** GNU time %M: the largest RSS of the process and every child it waited for, KiB */
  maxRssKb: number;
  code: number;
  signal: string | null;
}

/**
 * Runs `program args` under GNU time with stdout to `stdoutFile` and stderr to `stderrFile`.
 * Only an argument array: no shell anywhere.
 */
async function measure(program: string, args: readonly string[], stdoutFile: string, stderrFile: string, workDir: string): Promise<Measured> {
  const timeFile = path.join(workDir, `time-${process.hrtime.bigint()}.txt`);
  const outFh = await fs.open(stdoutFile, 'w');
  const errFh = await fs.open(stderrFile, 'w');
  try {
    const start = process.hrtime.bigint();
    const { code, signal } = await new Promise<{ code: number; signal: string | null }>((resolve, reject) => {
      const child = spawn(GNU_TIME, ['-f', '%e %M', '-o', timeFile, '--', program, ...args], {
        stdio: ['ignore', outFh.fd, errFh.fd],
        env: ENV,
        // own process group: on a signal the whole measured tree is ended (see onSignal)
        detached: true,
      });
      currentChild = child;
      child.on('error', (e) => reject(new Error(`${GNU_TIME}: ${e.message}`)));
      child.on('close', (c, s) => resolve({ code: c ?? 128, signal: s }));
    });
    const wallS = Number(process.hrtime.bigint() - start) / 1e9;
    currentChild = undefined;
    // "Command exited with non-zero status N" may come first; the format line is last
    const lines = (await fs.readFile(timeFile, 'utf8')).split('\n').map((l) => l.trim()).filter(Boolean);
    const m = /^(\d+\.\d+) (\d+)$/.exec(lines[lines.length - 1] ?? '');
    if (!m) throw new BrokenBenchmark(`GNU time wrote no "%e %M" line for ${program}: ${JSON.stringify(lines)}`);
    await fs.rm(timeFile, { force: true });
    return { wallS, timeS: Number(m[1]), maxRssKb: Number(m[2]), code, signal };
  } finally {
    await outFh.close();
    await errFh.close();
  }
}

/** A small unmeasured command (argument array), stdout as text. */
function capture(program: string, args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, [...args], { stdio: ['ignore', 'pipe', 'pipe'], env: ENV });
    const o: Buffer[] = [];
    const e: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => o.push(b));
    child.stderr.on('data', (b: Buffer) => e.push(b));
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c ?? 128, stdout: Buffer.concat(o).toString('utf8'), stderr: Buffer.concat(e).toString('utf8') }));
  });
}

async function isExecutable(p: string): Promise<boolean> {
  try {
    await fs.access(p, fsc.X_OK);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// prerequisites

interface Tools {
  postcat: string;
  postqueue: string;
  postfixVersion: string;
}

async function checkPrerequisites(): Promise<Tools> {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    throw new UsageError('must run as root (uid 0): the benchmark reconfigures Postfix through the lab (test/lab/README.md) and reads the queue as root');
  }
  if (!(await isExecutable(GNU_TIME))) {
    throw new UsageError(`${GNU_TIME} (GNU time) not found: it measures the peak RSS of each command.\n  apt-get install time`);
  }
  const tv = await capture(GNU_TIME, ['--version']).catch(() => ({ code: 1, stdout: '', stderr: '' }));
  if (!/GNU/i.test(tv.stdout + tv.stderr)) {
    throw new UsageError(`${GNU_TIME} is not GNU time (no -f/%M support?).\n  apt-get install time`);
  }
  const missing: string[] = [];
  for (const [bin, pkg] of [
    ['/usr/sbin/postfix', 'postfix'],
    ['/usr/sbin/postconf', 'postfix'],
    ['/usr/sbin/postqueue', 'postfix'],
    ['/usr/sbin/postcat', 'postfix'],
    ['/usr/sbin/postsuper', 'postfix'],
    ['/usr/sbin/sendmail', 'postfix'],
    ['/usr/sbin/saslpasswd2', 'sasl2-bin'],
  ] as const) {
    if (!(await isExecutable(bin))) missing.push(`${bin} (package ${pkg})`);
  }
  // PLAIN/LOGIN for the lab's SMTP AUTH bots
  const dq = await capture('dpkg-query', ['-W', '-f', '${Status}', 'libsasl2-modules']).catch(() => undefined);
  if (dq && !/install ok installed/.test(dq.stdout)) missing.push('libsasl2-modules (package libsasl2-modules)');
  const xa = await capture(XARGS, ['--version']).catch(() => undefined);
  if (!xa || xa.code !== 0) missing.push('xargs (package findutils)');
  if (missing.length) {
    throw new UsageError(
      `missing: ${missing.join(', ')}.\n  apt-get install postfix sasl2-bin libsasl2-modules  (preseed postfix "Local only"; see .ci/run)`,
    );
  }
  for (const f of [CLI, FAKE_MX_JS]) {
    if (!(await fs.stat(f).catch(() => undefined))) {
      throw new UsageError(`${f} missing: build first (npx tsc -p . or npm run bench)`);
    }
  }
  const pc = await capture('/usr/sbin/postconf', ['-h', 'command_directory', 'mail_version']);
  const [dir, version] = pc.stdout.split('\n').map((s) => s.trim());
  const cmdDir = dir && dir.startsWith('/') ? dir : '/usr/sbin';
  return { postcat: path.join(cmdDir, 'postcat'), postqueue: path.join(cmdDir, 'postqueue'), postfixVersion: version || 'unknown' };
}

// ---------------------------------------------------------------------------------------------
// the measured commands

/** Queue IDs from `postqueue -j` output (one JSON object a line). */
function parseIds(json: string): string[] {
  const ids: string[] = [];
  for (const line of json.split('\n')) {
    if (line.trim() === '') continue;
    const e = JSON.parse(line) as { queue_id?: unknown };
    if (typeof e.queue_id === 'string' && /^[0-9A-Za-z]{6,20}$/.test(e.queue_id)) ids.push(e.queue_id);
  }
  return ids;
}

interface BResult {
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
 * raw Postfix tools' cost), then `xargs -n 500 postcat -e -h -q` to /dev/null (measured):
 * xargs runs one postcat per 500 IDs, one after the other, exactly the batches spamtrace runs.
 */
async function runB(tools: Tools, workDir: string): Promise<BResult> {
  const listing = path.join(workDir, 'postqueue.json');
  const pq = await measure(tools.postqueue, ['-j'], listing, path.join(workDir, 'postqueue.err'), workDir);
  if (pq.code !== 0) throw new BrokenBenchmark(`postqueue -j exited ${pq.code}: ${(await fs.readFile(path.join(workDir, 'postqueue.err'), 'utf8')).trim()}`);
  const p0 = Date.now();
  const ids = parseIds(await fs.readFile(listing, 'utf8'));
  const parseMs = Date.now() - p0;
  const idFile = path.join(workDir, 'ids-b.txt');
  await fs.writeFile(idFile, ids.join('\n') + '\n');
  const errFile = path.join(workDir, 'postcat-b.err');
  const pc = await measure(XARGS, ['-a', idFile, '-d', '\n', '-r', '-n', String(DEFAULT_BATCH_SIZE), '-x', '--', tools.postcat, '-e', '-h', '-q'], '/dev/null', errFile, workDir);
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

interface OursResult extends Measured {
  examined: number;
  total: number;
  sources: number;
  spamSources: number;
}

/** ours: `node dist/src/cli.js scan --json`, stdout to a file, checked. */
async function runOurs(queueSize: number, workDir: string): Promise<OursResult> {
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

interface AResult {
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
async function runA(tools: Tools, allIds: string[], sample: number, workDir: string): Promise<AResult> {
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

// ---------------------------------------------------------------------------------------------
// --cpu-prof: where does ours spend its time?

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

interface ProfileRow {
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

/** One unmeasured run of ours under `node --cpu-prof`; prints the top self-time functions and files. */
async function profileOurs(workDir: string): Promise<{ file: string; totalMs: number; functions: ProfileRow[]; files: ProfileRow[] }> {
  const dir = path.join(workDir, 'prof');
  await fs.mkdir(dir, { recursive: true });
  const m = await measure(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, CLI, 'scan', '--json'], '/dev/null', path.join(workDir, 'prof.err'), workDir);
  if (m.code !== 0 && m.code !== 1) throw new BrokenBenchmark(`profiled scan exited ${m.code}`);
  const name = (await fs.readdir(dir)).find((f) => f.endsWith('.cpuprofile'));
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

// ---------------------------------------------------------------------------------------------
// lab: bring up, fill

async function queueSize(tools: Tools): Promise<number> {
  const r = await capture(tools.postqueue, ['-j']);
  if (r.code !== 0) throw new BrokenBenchmark(`postqueue -j exited ${r.code}: ${r.stderr.trim()}`);
  return parseIds(r.stdout).length;
}

interface FillInfo {
  mode: 'filled' | 'reused' | 'topped-up';
  flushed: number;
  fills: FillResult[];
  fillSeconds: number;
  queueSize: number;
}

async function prepareQueue(opts: BenchOptions, tools: Tools): Promise<FillInfo> {
  const mix = DEFAULT_FILL_MIX;
  const log = (l: string) => note(`  ${l}`);
  let flushed = 0;
  let have = await queueSize(tools);
  let mode: FillInfo['mode'] = 'filled';
  if (opts.reuse && have >= opts.messages) {
    note(`--reuse: the queue already holds ${have} messages (>= ${opts.messages}); not filling`);
    await waitForQueueSettled(120000, 500);
    return { mode: 'reused', flushed, fills: [], fillSeconds: 0, queueSize: await queueSize(tools) };
  }
  if (opts.reuse) {
    mode = 'topped-up';
    note(`--reuse: the queue holds ${have} messages; topping it up to >= ${opts.messages}`);
  } else if (have > 0) {
    flushed = await flushQueue();
    note(`flushed ${flushed} messages left in the lab queue`);
    have = 0;
  }
  const fills: FillResult[] = [];
  const t0 = Date.now();
  // one top-up round if some submissions failed
  for (let round = 0; round < 2 && have < opts.messages; round++) {
    const total = opts.messages - have;
    note(`fill: ${total} messages, mix ${Object.entries(mix).map(([k, v]) => `${k}=${v}`).join(',')} (sasl/relay/local-smtp/php: spam sources; newsletter: benign)`);
    const r = await fillQueueFast({ total, mix, log });
    fills.push(r);
    if (r.failed) note(`fill: ${r.failed} submissions failed: ${Object.values(r.perKind).flatMap((k) => k.errors).slice(0, 2).join(' | ')}`);
    have = await queueSize(tools);
    note(`fill: ${r.submitted} submitted in ${(r.submitMs / 1000).toFixed(1)} s, settled after ${((r.settleMs) / 1000).toFixed(1)} s more; queue now ${have} messages (deferred ${r.queue.deferred})`);
  }
  if (have < opts.messages) throw new BrokenBenchmark(`could not fill the queue to ${opts.messages} messages (it holds ${have})`);
  return { mode, flushed, fills, fillSeconds: (Date.now() - t0) / 1000, queueSize: have };
}

// ---------------------------------------------------------------------------------------------
// report

function verdict(pass: boolean): string {
  return pass ? 'PASS' : 'FAIL  <-- target MISSED';
}

// ---------------------------------------------------------------------------------------------
// main

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
    if (currentChild?.pid) {
      try {
        process.kill(-currentChild.pid, 'SIGTERM'); // the group of the GNU time process we started
      } catch {
        // already gone
      }
    }
    releaseLockSync();
    rmSync(workDir, { recursive: true, force: true });
    process.stderr.write(`\nscan-bench: ${sig}: stopped; lab lock released. The lab is still up: "npm run lab -- down" (or rerun with --reuse).\n`);
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const startedAt = new Date().toISOString();
  let lockHeld = false;
  let code = 0;
  try {
    const holder = await fs.readFile(LAB_LOCK, 'utf8').catch(() => '');
    if (holder.trim()) note(`waiting for the lab lock ${LAB_LOCK} (held by pid ${holder.trim()})`);
    await acquireLabLock(30 * 60 * 1000);
    lockHeld = true;
    note(`lab lock taken (${LAB_LOCK})`);

    const up = await labUp({ log: (l) => note(`  ${l}`) });
    note(`lab up in ${(up.elapsedMs / 1000).toFixed(1)} s (postfix pid ${up.postfixPid}, fake MX pid ${up.fakeMxPid})`);

    const fill = await prepareQueue(o, tools);
    out(`queue: ${fill.queueSize.toLocaleString('en-US')} messages (${fill.mode}${fill.mode !== 'reused' ? `; fill took ${fmt(fill.fillSeconds, 1)} s` : ''})`);

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
    const n = listedIds.length;
    const runsNote = `median of ${o.runs}`;

    out('');
    out(`spamtrace scan benchmark: ${n.toLocaleString('en-US')} queued messages, Postfix ${tools.postfixVersion}, ${os.cpus().length} CPUs, Node ${process.version}`);
    out('');
    const rows: Array<[string, string, string, string]> = [
      ['command', 'wall s', 'peak RSS MB', 'how'],
      ['ours  spamtrace scan --json', fmt(oursWall), fmt(mb(oursRss), 1), runsNote],
      [`(b)   postqueue -j + postcat -e -h -q x${DEFAULT_BATCH_SIZE}`, fmt(bWall), fmt(mb(bRss), 1), `${runsNote}; ID parsing not timed`],
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
    out(`(a) / ours = ${fmt(aOverOurs, 1)}x   target >= ${TARGET_A_OVER_OURS}x   ${verdict(passA)}${a.sampled ? '   ((a) extrapolated from a sample)' : ''}`);
    out(`ours: ${Math.round(rate).toLocaleString('en-US')} messages/s (${examined.toLocaleString('en-US')} examined in ${fmt(oursWall)} s)`);
    const loadEnd = os.loadavg();
    out(`load average (1/5/15 min) before the runs ${loadStart.map((x) => x.toFixed(2)).join(' ')}, after ${loadEnd.map((x) => x.toFixed(2)).join(' ')} (${os.cpus().length} CPUs)`);
    out(`peak RSS: GNU time %M, the largest single process in the measured tree (for ours: node or a postcat child), not a sum`);
    if (a.failed) out(`note: ${a.failed} of the (a) postcat processes failed (message left the queue)`);
    if (!passA || !passB) out('\nMISSED: at least one target was missed (the benchmark itself is valid).');

    const profile = o.cpuProf ? await profileOurs(workDir) : undefined;

    const totalS = (Date.now() - t0Bench) / 1000;
    const result = {
      version: 1,
      startedAt,
      finishedAt: new Date().toISOString(),
      totalSeconds: totalS,
      loadAverage: { beforeRuns: loadStart, afterRuns: loadEnd },
      machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? null, memoryMB: Math.round(os.totalmem() / 2 ** 20), kernel: os.release(), node: process.version, postfix: tools.postfixVersion },
      options: o,
      queue: { messages: n, before: sizeBefore, after: sizeAfter, fill: { mode: fill.mode, flushed: fill.flushed, seconds: fill.fillSeconds, mix: DEFAULT_FILL_MIX, rounds: fill.fills.map((f) => ({ total: f.total, submitted: f.submitted, failed: f.failed, submitMs: f.submitMs, settleMs: f.settleMs })) } },
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
  } catch (e) {
    code = 1;
    if (e instanceof BrokenBenchmark) process.stderr.write(`\nscan-bench: BROKEN BENCHMARK: ${e.message}\n`);
    else process.stderr.write(`\nscan-bench: ${(e as Error)?.stack ?? String(e)}\n`);
  } finally {
    try {
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
