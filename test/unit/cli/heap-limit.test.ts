/**
 * `spamtrace scan` runs itself again under a V8 heap limit (src/cli/heap-limit.ts). The
 * rules for the limit, and the re-started scan as a real process: same output and exit
 * status as a scan run in place, the limit really on its command line, and a signal sent
 * to the command reaching the scan and ending the command the same way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../../src/package-root';
import { LOG_SCAN_HEAP_MB, QUEUE_SCAN_HEAP_MB, scanHeapLimitMb } from '../../../src/cli/heap-limit';

const CLI = join(packageRoot(__dirname), 'dist', 'src', 'cli.js');

test('the limit: 256 MB for a queue scan, 512 MB with a mail log, never above V8\'s own default', () => {
  assert.equal(scanHeapLimitMb(['--json'], {}, [], 4096), QUEUE_SCAN_HEAP_MB);
  assert.equal(scanHeapLimitMb(['--since', '2d'], {}, [], 4096), LOG_SCAN_HEAP_MB);
  assert.equal(scanHeapLimitMb(['--maillog=/var/log/mail.log', '--since=1d'], {}, [], 4096), LOG_SCAN_HEAP_MB);
  assert.equal(scanHeapLimitMb(['--json'], {}, [], 200.7), 200, 'a small machine keeps its smaller default');
});

test('no re-start when the limit was chosen already, asked off, or under a debugger', () => {
  assert.equal(scanHeapLimitMb([], { SPAMTRACE_HEAP_MB: '0' }, [], 4096), null);
  assert.equal(scanHeapLimitMb([], { SPAMTRACE_HEAP_MB: '300' }, [], 4096), 300);
  assert.equal(scanHeapLimitMb([], { SPAMTRACE_HEAP_MB: 'lots' }, [], 4096), null);
  assert.equal(scanHeapLimitMb([], {}, ['--max-old-space-size=100'], 4096), null);
  assert.equal(scanHeapLimitMb([], { NODE_OPTIONS: '--trace-warnings --max_old_space_size=900' }, [], 4096), null);
  assert.equal(scanHeapLimitMb([], {}, ['--inspect-brk'], 4096), null);
  assert.equal(scanHeapLimitMb([], { SPAMTRACE_HEAP_LIMITED: '256' }, [], 4096), null, 'the re-started scan does not start again');
});

function demo(env: NodeJS.ProcessEnv): { status: number | null; signal: NodeJS.Signals | null; report: Record<string, unknown>; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'scan', '--demo', '--no-progress', '--json'], { encoding: 'utf8', env: { ...process.env, SPAMTRACE_CONFIG: '', ...env } });
  const report = JSON.parse(r.stdout) as Record<string, unknown>;
  delete report.generatedAt;
  return { status: r.status, signal: r.signal, report, stderr: r.stderr };
}

test('the re-started scan prints the same report with the same exit status as one run in place', () => {
  const limited = demo({});
  const inPlace = demo({ SPAMTRACE_HEAP_MB: '0' });
  assert.equal(limited.status, 1, limited.stderr);
  assert.equal(inPlace.status, 1, inPlace.stderr);
  assert.equal(limited.signal, null);
  assert.deepEqual(limited.report, inPlace.report);
});

test('a usage error keeps its exit status 2 and its message through the re-start', () => {
  const r = spawnSync(process.execPath, [CLI, 'scan', '--no-such-option'], { encoding: 'utf8', env: { ...process.env, SPAMTRACE_CONFIG: '' } });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /E_USAGE/);
  assert.equal(r.stdout, '');
});

function childrenOf(pid: number): number[] {
  const f = `/proc/${pid}/task/${pid}/children`;
  if (!existsSync(f)) return [];
  return readFileSync(f, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}

async function until<T>(what: string, probe: () => T | null | undefined | false, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('the scan runs under --max-old-space-size, and SIGTERM to the command ends the scan and the command by SIGTERM', { skip: process.platform !== 'linux' }, async () => {
  // a listing that never comes: the scan blocks opening the FIFO until it is signalled
  const dir = mkdtempSync(join(tmpdir(), 'heap-limit-'));
  const fifo = join(dir, 'listing');
  execFileSync('mkfifo', [fifo]);
  const cmd = spawn(process.execPath, [CLI, 'scan', '--queue-file', fifo, '--no-progress', '--json'], {
    stdio: 'ignore',
    env: { ...process.env, SPAMTRACE_CONFIG: '', SPAMTRACE_HEAP_MB: '' },
  });
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => cmd.on('exit', (code, signal) => resolve({ code, signal })));
  const child = await until('the re-started scan', () => childrenOf(cmd.pid!)[0]);
  try {
    // read once it has exec'd (between fork and exec, or during exec, it is not the scan yet)
    const argv = await until('its command line', () => {
      const a = readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0');
      return a.includes('scan') && a.includes('--queue-file') ? a : null;
    });
    assert.ok(argv.includes(`--max-old-space-size=${QUEUE_SCAN_HEAP_MB}`), argv.join(' '));
    assert.ok(argv.includes('--queue-file') && argv.includes(fifo), 'the same arguments');
    cmd.kill('SIGTERM');
    const how = await ended;
    assert.deepEqual(how, { code: null, signal: 'SIGTERM' });
    await until('the scan to end', () => !existsSync(`/proc/${child}`) || /^State:\s+Z/m.test(readFileSync(`/proc/${child}/status`, 'utf8')));
  } finally {
    // never leave a scan blocked on the FIFO behind, whatever failed
    try {
      process.kill(child, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});
