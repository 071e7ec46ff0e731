/**
 * The re-start under a heap limit (src/cli/heap-limit.ts) with real processes, for the
 * three ways it went wrong: a fleet scan got the single-host limit; a scan that ran out of
 * heap ended without a word on the limit; and the re-start copied all of node's options,
 * under `node -e`/`-p` the code itself, so each re-started process ran that code again
 * (a fork storm was seen).
 *
 * Every node process of a run is seen through a preload file this test writes
 * (`--require=FILE`, passed on to the re-started scan like any long option): it appends
 * the process's options and heap limit to a record file. Runs that could start processes
 * in a loop if this breaks again go through `runGuarded`: their own process group, killed
 * whole as soon as more node processes than expected appear, or after a timeout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../../src/package-root';
import { openStore } from '../../../src/store/open-store';
import { passedNodeOptions, QUEUE_SCAN_HEAP_MB, RESTARTED_MARK, rerunWithHeapLimit, scanHeapLimitMb, semiSpaceFlag } from '../../../src/cli/heap-limit';

const CLI = join(packageRoot(__dirname), 'dist', 'src', 'cli.js');
const SEED = join(packageRoot(__dirname), 'examples', 'seed');

/** the preload: one JSON line per node process that loads it (read by this test only) */
const PRELOAD = `'use strict';
const { appendFileSync } = require('node:fs');
const { getHeapStatistics } = require('node:v8');
appendFileSync(process.env.HEAP_TEST_RECORD, JSON.stringify({
  pid: process.pid,
  execArgv: process.execArgv,
  script: process.argv[1] ?? null,
  heapMb: Math.round(getHeapStatistics().heap_size_limit / 1048576),
}) + '\\n');
`;

interface NodeRecord {
  pid: number;
  execArgv: string[];
  script: string | null;
  heapMb: number;
}

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  nodes: NodeRecord[];
}

function workDir(): { dir: string; preload: string; record: string } {
  const dir = mkdtempSync(join(tmpdir(), 'heap-safety-'));
  const preload = join(dir, 'record-node.js');
  writeFileSync(preload, PRELOAD);
  return { dir, preload, record: join(dir, 'nodes.jsonl') };
}

function records(file: string): NodeRecord[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as NodeRecord);
}

/** pids in process group `pgid` (Linux /proc; field 5 of stat) */
function groupMembers(pgid: number): number[] {
  const pids: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') pids.push(Number(p));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // the group is empty
  }
}

/**
 * Runs node ARGS in a process group of its own, in `cwd` (a core file, if the machine
 * writes them, lands there). The whole group is killed, and the test fails, when more
 * than `maxNodes` node processes have started or more than `maxNodes + 4` processes are
 * in the group at once (ssh and the like count), or when it runs longer than `timeoutMs`.
 */
function startGuarded(args: string[], env: NodeJS.ProcessEnv, o: GuardOptions): { pgid: number; done: Promise<Run> } {
  let pgid = 0;
  const done = new Promise<Run>((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: o.cwd,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SPAMTRACE_CONFIG: '', SPAMTRACE_HEAP_MB: '', ...env, HEAP_TEST_RECORD: o.record },
    });
    pgid = child.pid!;
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    let failure: Error | null = null;
    const stop = (why: string): void => {
      failure ??= new Error(`${why}; stderr: ${stderr.slice(-2000)}`);
      killGroup(pgid);
    };
    const guard = setInterval(() => {
      const nodes = records(o.record).length;
      const members = groupMembers(pgid).length;
      if (nodes > o.maxNodes || members > o.maxNodes + 4) stop(`runaway: ${nodes} node processes started, ${members} in the group (at most ${o.maxNodes} expected)`);
    }, 25);
    const timer = setTimeout(() => stop(`still running after ${o.timeoutMs} ms`), o.timeoutMs);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearInterval(guard);
      clearTimeout(timer);
      // nothing of the run may outlive it (while members are left, the group id cannot be reused)
      if (groupMembers(pgid).length > 0) killGroup(pgid);
      if (failure) reject(failure);
      else resolve({ code, signal, stdout, stderr, nodes: records(o.record) });
    });
  });
  return { pgid, done };
}

interface GuardOptions {
  cwd: string;
  record: string;
  maxNodes: number;
  timeoutMs: number;
}

function runGuarded(args: string[], env: NodeJS.ProcessEnv, o: GuardOptions): Promise<Run> {
  return startGuarded(args, env, o).done;
}

const heapFlag = (r: NodeRecord): string | undefined => r.execArgv.find((a) => a.startsWith('--max-old-space-size'));

function demoReport(stdout: string): unknown {
  const report = JSON.parse(stdout) as Record<string, unknown>;
  delete report.generatedAt;
  return report;
}

test('node options: long options and their values are passed on; eval code, short options, test/watch/debug modes never', () => {
  assert.deepEqual(passedNodeOptions(['-e', 'require("x")', '--expose-gc']), ['--expose-gc']);
  assert.deepEqual(passedNodeOptions(['--eval=require("x")', '--stack-trace-limit=50']), ['--stack-trace-limit=50']);
  assert.deepEqual(passedNodeOptions(['--expose-gc', '-pe', 'process.exit()', '--trace-warnings']), ['--expose-gc', '--trace-warnings']);
  assert.deepEqual(passedNodeOptions(['--print', '--looks-like-an-option']), [], 'the code after --print is code, whatever it looks like');
  assert.deepEqual(passedNodeOptions(['-e', '--cpu-prof']), []);
  assert.deepEqual(passedNodeOptions(['--input-type=module', '--input-type', 'module']), []);
  assert.deepEqual(
    passedNodeOptions(['--cpu-prof', '--cpu-prof-dir', '/tmp/prof', '--require', '/opt/apm.js', '--import=/opt/x.mjs']),
    ['--cpu-prof', '--cpu-prof-dir', '/tmp/prof', '--require', '/opt/apm.js', '--import=/opt/x.mjs'],
  );
  assert.deepEqual(passedNodeOptions(['-r', '/opt/apm.js', '-C', 'dev', '-i']), [], 'short options are left out with their values');
  assert.deepEqual(
    passedNodeOptions(['--test', '--test-reporter=tap', '--watch', '--watch-path=/x', '--inspect-brk=0', '--env-file=.env', '--check', '--interactive', '--max-old-space-size=100']),
    [],
  );
});

test('a fleet scan (--hosts) gets no default heap limit; SPAMTRACE_HEAP_MB still sets one', () => {
  assert.equal(scanHeapLimitMb(['--hosts', 'all', '--json'], {}, [], 4096), null);
  assert.equal(scanHeapLimitMb(['--json', '--hosts=web1,mx1', '--since', '1d'], {}, [], 4096), null);
  assert.equal(scanHeapLimitMb(['--hosts', 'all'], { SPAMTRACE_HEAP_MB: '2048' }, [], 4096), 2048);
  assert.equal(scanHeapLimitMb(['--demo'], {}, [], 4096), QUEUE_SCAN_HEAP_MB, 'offline and demo scans keep the limit');
});

test('a fleet scan runs in the first process, without a heap limit; with SPAMTRACE_HEAP_MB it is re-started under that limit', async () => {
  const w = workDir();
  try {
    // a fleet of one host that refuses the connection at once: a real fleet scan, over in a moment
    const sshConfig = join(w.dir, 'ssh_config');
    writeFileSync(sshConfig, 'Host h1\n  HostName 127.0.0.1\n  Port 1\n  User root\n  ConnectTimeout 10\n');
    const fleet = join(w.dir, 'fleet.json');
    writeFileSync(fleet, JSON.stringify({ version: 1, hosts: [{ alias: 'h1', roles: ['mail'] }] }));
    const args = [`--require=${w.preload}`, CLI, 'scan', '--hosts', 'h1', '--fleet', fleet, '--ssh-config', sshConfig, '--json', '--no-progress'];

    const plain = await runGuarded(args, {}, { cwd: w.dir, record: w.record, maxNodes: 2, timeoutMs: 120_000 });
    assert.equal(plain.code, 2, plain.stderr);
    assert.equal((JSON.parse(plain.stdout) as { kind: string }).kind, 'fleet');
    assert.equal(plain.nodes.length, 1, 'one node process: the command scanned the fleet itself');
    assert.equal(heapFlag(plain.nodes[0]!), undefined);

    rmSync(w.record);
    const asked = await runGuarded(args, { SPAMTRACE_HEAP_MB: '300' }, { cwd: w.dir, record: w.record, maxNodes: 2, timeoutMs: 120_000 });
    assert.equal(asked.code, 2, asked.stderr);
    assert.equal(asked.nodes.length, 2);
    assert.equal(heapFlag(asked.nodes[1]!), '--max-old-space-size=300');
  } finally {
    rmSync(w.dir, { recursive: true, force: true });
  }
});

/** postcat output of N messages, each from its own SASL login and client: N sources, and the state of each */
function manySources(file: string, n: number): void {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = `B${(0x10000000 + i).toString(16).toUpperCase()}`;
    const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    parts.push(
      `*** ENVELOPE RECORDS active/${id} ***\n` +
        'message_size:             934            1432               8               0             917\n' +
        'message_arrival_time: Sun Jan 19 15:50:31 2014\n' +
        'create_time: Sun Jan 19 15:50:31 2014\n' +
        'named_attribute: rewrite_context=remote\n' +
        'named_attribute: sasl_method=LOGIN\n' +
        `named_attribute: sasl_username=user${i}@example${i}.de\n` +
        `sender: user${i}@example${i}.de\n` +
        `named_attribute: log_client_name=host${i}.example.net\n` +
        `named_attribute: log_client_address=${ip}\n` +
        `recipient: r${i}@aol.com\n` +
        `*** MESSAGE CONTENTS active/${id} ***\n` +
        `Subject: hello ${i}\nFrom: user${i}@example${i}.de\nTo: r${i}@aol.com\n\nbody\n` +
        `*** HEADER EXTRACTED active/${id} ***\n` +
        `*** MESSAGE FILE END active/${id} ***\n`,
    );
  }
  writeFileSync(file, parts.join(''));
}

test('a scan that runs out of heap ends with one line naming the limit and how to raise it, exit 2', { skip: process.platform !== 'linux' }, async () => {
  const w = workDir();
  try {
    // 20,000 sources need well over 128 MB of heap (measured: aborted at 128, fine at 256)
    const postcat = join(w.dir, 'postcat.txt');
    manySources(postcat, 20_000);
    const run = await runGuarded(
      [`--require=${w.preload}`, CLI, 'scan', '--postcat-file', postcat, '--passwd-file', join(SEED, 'passwd'), '--no-weblogs', '--json', '--no-progress'],
      { SPAMTRACE_HEAP_MB: '64' },
      { cwd: w.dir, record: w.record, maxNodes: 2, timeoutMs: 600_000 },
    );
    assert.equal(run.nodes.length, 2);
    assert.equal(heapFlag(run.nodes[1]!), '--max-old-space-size=64');
    assert.match(run.stderr, /JavaScript heap out of memory/, 'V8 really ran out of heap');
    assert.equal(run.signal, null);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    const ours = run.stderr.split('\n').filter((l) => l.startsWith('spamtrace:'));
    assert.equal(ours.length, 1, run.stderr.slice(-2000));
    assert.match(ours[0]!, /^spamtrace: E_HEAP_LIMIT: .*heap limit of 64 MB.*SPAMTRACE_HEAP_MB=1024 spamtrace scan .*SPAMTRACE_HEAP_MB=0/);
    assert.doesNotMatch(run.stderr, /running it again/, 'a limit the user chose is kept: no second run');
  } finally {
    rmSync(w.dir, { recursive: true, force: true });
  }
});

test('60,000 distinct senders out of the default heap: the scan is run again once without the limit, the report is whole and printed once, its first store row failed', { skip: process.platform !== 'linux' }, async () => {
  const w = workDir();
  try {
    // measured: 60,000 sources abort under 256 MB (40,000 did before the per-source counters
    // were made compact, and now pass) and finish without a limit (~830 MB resident)
    const postcat = join(w.dir, 'postcat.txt');
    manySources(postcat, 60_000);
    const scan = [CLI, 'scan', '--postcat-file', postcat, '--passwd-file', join(SEED, 'passwd'), '--no-weblogs', '--json', '--no-progress'];
    const db = join(w.dir, 'st.db');
    const run = await runGuarded([`--require=${w.preload}`, ...scan, '--db', db], {}, { cwd: w.dir, record: w.record, maxNodes: 2, timeoutMs: 900_000 });
    assert.equal(run.nodes.length, 2, 'the command and one re-started scan; the second run is the command itself');
    assert.equal(heapFlag(run.nodes[1]!), `--max-old-space-size=${QUEUE_SCAN_HEAP_MB}`);
    assert.equal(heapFlag(run.nodes[0]!), undefined);
    assert.match(run.stderr, /JavaScript heap out of memory/, 'the first run really ran out of heap');
    const ours = run.stderr.split('\n').filter((l) => l.startsWith('spamtrace:'));
    assert.deepEqual(ours, [
      `spamtrace: the scan needed more than ${QUEUE_SCAN_HEAP_MB} MB of heap (a queue from many distinct senders?); running it again without the heap limit (set SPAMTRACE_HEAP_MB to choose one); its scan #1 in the store is marked failed`,
    ]);
    assert.equal(run.signal, null);

    // the same scan in one process without a limit, as before the limit existed
    const w0 = workDir();
    const inPlace = await runGuarded(scan, { SPAMTRACE_HEAP_MB: '0' }, { cwd: w0.dir, record: w0.record, maxNodes: 1, timeoutMs: 900_000 });
    rmSync(w0.dir, { recursive: true, force: true });
    assert.equal(run.code, inPlace.code);
    assert.deepEqual(demoReport(run.stdout), demoReport(inPlace.stdout), 'one whole report (JSON.parse fails on two), the same as in one process');
    assert.equal((demoReport(run.stdout) as { sources: unknown[] }).sources.length, 60_000);

    const store = openStore(db);
    try {
      const rows = store.db.prepare('SELECT id, state, error, (SELECT COUNT(*) FROM scan_findings f WHERE f.scan_id = s.id) AS findings FROM scans s ORDER BY id').all() as { id: number; state: string; error: string | null; findings: number }[];
      assert.equal(rows.length, 2);
      assert.equal(rows[0]!.state, 'failed', 'the aborted run\'s row does not stay "running"');
      assert.match(rows[0]!.error ?? '', /heap limit of 256 MB; it was run again without the limit/);
      assert.equal(rows[0]!.findings, 0);
      assert.deepEqual({ state: rows[1]!.state, findings: rows[1]!.findings }, { state: 'done', findings: 60_000 });
    } finally {
      store.close();
    }
  } finally {
    rmSync(w.dir, { recursive: true, force: true });
  }
});

test('SIGABRT sent to the command is a real signal: passed on, and the command ends by it, without the heap line', { skip: process.platform !== 'linux' }, async () => {
  const w = workDir();
  try {
    // a listing that never comes: the scan blocks opening the FIFO until it is signalled
    const fifo = join(w.dir, 'listing');
    execFileSync('mkfifo', [fifo]);
    const running = startGuarded([`--require=${w.preload}`, CLI, 'scan', '--queue-file', fifo, '--no-progress', '--json'], {}, { cwd: w.dir, record: w.record, maxNodes: 2, timeoutMs: 120_000 });
    let ended = false;
    try {
      // both processes are up (the scan's record is written before it opens the FIFO)
      const end = Date.now() + 60_000;
      while (records(w.record).length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
      const [command] = records(w.record);
      assert.ok(command && records(w.record).length === 2, 'the command and its re-started scan');
      assert.equal(command.pid, running.pgid);
      process.kill(command.pid, 'SIGABRT');
      const run = await running.done.finally(() => (ended = true));
      assert.equal(run.signal, 'SIGABRT');
      assert.doesNotMatch(run.stderr, /E_HEAP_LIMIT/);
    } finally {
      // whatever failed, no scan is left blocked on the FIFO (the group is ours until the run has ended)
      if (!ended) killGroup(running.pgid);
      await running.done.catch(() => undefined);
    }
  } finally {
    rmSync(w.dir, { recursive: true, force: true });
  }
});

test('under node -e/-p the code is not run again by the re-started scan, which runs the CLI file once', { skip: process.platform !== 'linux' }, async () => {
  const w0 = workDir();
  const inPlace = await runGuarded([CLI, 'scan', '--demo', '--json', '--no-progress'], { SPAMTRACE_HEAP_MB: '0' }, { cwd: w0.dir, record: w0.record, maxNodes: 1, timeoutMs: 120_000 });
  rmSync(w0.dir, { recursive: true, force: true });
  for (const form of ['-e', '--eval', '--eval=', '-p']) {
    const w = workDir();
    try {
      const ran = join(w.dir, 'eval-ran');
      // the code counts its own runs, then starts the CLI; argv[1] is the first word after it
      const code = `require('node:fs').appendFileSync(${JSON.stringify(ran)}, 'x'); require(${JSON.stringify(CLI)});`;
      const evalArgs = form.endsWith('=') ? [form + code] : [form, code];
      const run = await runGuarded([`--require=${w.preload}`, ...evalArgs, 'first-word', 'scan', '--demo', '--json', '--no-progress'], {}, { cwd: w.dir, record: w.record, maxNodes: 2, timeoutMs: 120_000 });
      assert.equal(readFileSync(ran, 'utf8'), 'x', `${form}: the code ran once`);
      assert.equal(run.code, 1, `${form}: ${run.stderr}`);
      assert.equal(run.nodes.length, 2, form);
      const scan = run.nodes[1]!;
      assert.deepEqual(scan.execArgv, [`--require=${w.preload}`, `--max-old-space-size=${QUEUE_SCAN_HEAP_MB}`, semiSpaceFlag(QUEUE_SCAN_HEAP_MB)], form);
      assert.equal(scan.script, CLI);
      // -p prints the value of the code, "{}", before the report
      assert.deepEqual(demoReport(form === '-p' ? run.stdout.replace(/^\{\}\n/, '') : run.stdout), demoReport(inPlace.stdout), form);
    } finally {
      rmSync(w.dir, { recursive: true, force: true });
    }
  }
});

test('under a wrapper script the re-started scan runs the CLI file itself, with the wrapper\'s node options', { skip: process.platform !== 'linux' }, async () => {
  const w = workDir();
  try {
    // a wrapper that puts the command word in: run again itself, it would put in a second one
    const wrapper = join(w.dir, 'spamtrace-wrapper.js');
    writeFileSync(wrapper, `process.argv.splice(2, 0, 'scan');\nrequire(${JSON.stringify(CLI)});\n`);
    const run = await runGuarded([`--require=${w.preload}`, '--expose-gc', wrapper, '--demo', '--json', '--no-progress'], {}, { cwd: w.dir, record: w.record, maxNodes: 2, timeoutMs: 120_000 });
    assert.equal(run.code, 1, run.stderr);
    assert.equal(run.nodes.length, 2);
    assert.equal(run.nodes[0]!.script, wrapper);
    assert.equal(run.nodes[1]!.script, CLI);
    assert.deepEqual(run.nodes[1]!.execArgv, [`--require=${w.preload}`, '--expose-gc', `--max-old-space-size=${QUEUE_SCAN_HEAP_MB}`, semiSpaceFlag(QUEUE_SCAN_HEAP_MB)]);
    assert.equal((JSON.parse(run.stdout) as { queue: { total: number } }).queue.total > 0, true);
  } finally {
    rmSync(w.dir, { recursive: true, force: true });
  }
});

test('a re-started scan never starts another: the mark in its environment stops it, whatever else is asked', async () => {
  const w = workDir();
  try {
    const run = await runGuarded([`--require=${w.preload}`, CLI, 'scan', '--demo', '--json', '--no-progress'], { [RESTARTED_MARK]: '256', SPAMTRACE_HEAP_MB: '300' }, { cwd: w.dir, record: w.record, maxNodes: 1, timeoutMs: 120_000 });
    assert.equal(run.code, 1, run.stderr);
    assert.equal(run.nodes.length, 1);
    // and the spawning function itself refuses, whoever calls it
    const before = process.env[RESTARTED_MARK];
    process.env[RESTARTED_MARK] = '256';
    try {
      assert.deepEqual(await rerunWithHeapLimit(300, CLI, ['scan', '--demo']), { kind: 'not-started' });
    } finally {
      if (before === undefined) delete process.env[RESTARTED_MARK];
      else process.env[RESTARTED_MARK] = before;
    }
  } finally {
    rmSync(w.dir, { recursive: true, force: true });
  }
});
