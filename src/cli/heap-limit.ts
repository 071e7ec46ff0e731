/**
 * A scan runs with a V8 heap limit of its own. Without one, V8 grows the old generation
 * lazily to several times the live data (measured: 388 MB resident at 100,000 queued
 * messages, 534 MB at 200,000; with the limit below ~200 MB for both, same report). The
 * limit can only be set when a Node process starts (v8.setFlagsFromString does not change
 * the heap's size once it exists: checked on Node 20), so `spamtrace scan` starts itself
 * again with --max-old-space-size, before any of the scan's code is loaded.
 *
 * The re-started process inherits stdin, stdout and stderr (nothing passes through this
 * one), gets the same arguments, environment and Node options; its exit status is ours,
 * a signal that ends it ends us with the same signal, and SIGINT, SIGTERM, SIGHUP and
 * SIGQUIT sent to us are passed on to it.
 *
 * Not re-started: when the heap limit was already chosen (--max-old-space-size in the
 * Node options or NODE_OPTIONS), when SPAMTRACE_HEAP_MB=0, under a debugger (--inspect),
 * and when the start fails (then the scan runs here, as before). SPAMTRACE_HEAP_MB=N sets
 * the limit in MB. Never above V8's own default for this machine, so a small machine is
 * not given more than it would have had.
 */
import { spawn } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { getHeapStatistics } from 'node:v8';

/** Queue scans: the live data of a 200,000-message queue is well under 100 MB. */
export const QUEUE_SCAN_HEAP_MB = 256;
/**
 * Scans that read a mail log: up to 2,000,000 exact counter entries (~200 MB, shared by all
 * sources, capped-counts.ts) can be live at once, with room to collect.
 */
export const LOG_SCAN_HEAP_MB = 512;
/** set in the re-started process: it must not start itself again */
const MARK = 'SPAMTRACE_HEAP_LIMITED';
const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];

const HEAP_FLAG = /^--max[-_]old[-_]space[-_]size(=|$)/;

/** The limit (MB) `spamtrace scan ARGS` should run with, or null: run as we are. */
export function scanHeapLimitMb(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  execArgv: readonly string[],
  defaultLimitMb: number,
): number | null {
  if (env[MARK] !== undefined) return null;
  if (execArgv.some((a) => HEAP_FLAG.test(a) || a.startsWith('--inspect'))) return null;
  if ((env.NODE_OPTIONS ?? '').split(/\s+/).some((a) => HEAP_FLAG.test(a))) return null;
  const asked = env.SPAMTRACE_HEAP_MB;
  let mb: number;
  if (asked !== undefined && asked.trim() !== '') {
    if (!/^\d{1,7}$/.test(asked.trim())) return null; // not a number: the scan says nothing, runs as is
    mb = Number(asked.trim());
    if (mb === 0) return null;
    return Math.max(64, mb);
  }
  const readsLog = args.some((a) => a === '--since' || a === '--maillog' || a.startsWith('--since=') || a.startsWith('--maillog='));
  mb = readsLog ? LOG_SCAN_HEAP_MB : QUEUE_SCAN_HEAP_MB;
  return Math.min(mb, Math.floor(defaultLimitMb));
}

/** V8's default old-generation limit here, in MB (heap_size_limit includes the young generation: an upper bound). */
export function defaultHeapLimitMb(): number {
  return getHeapStatistics().heap_size_limit / (1024 * 1024);
}

/**
 * Runs this same command again under `--max-old-space-size=MB`. Resolves with the exit
 * status to use, or null when the process could not be started (run here instead).
 * When the child is ended by a signal, this process ends itself with that signal.
 */
export function rerunWithHeapLimit(mb: number, script: string, args: readonly string[]): Promise<number | null> {
  return new Promise((resolve) => {
    // Listening before the spawn: a signal in between must not end us by default and leave
    // the scan running without us.
    let child: ReturnType<typeof spawn> | null = null;
    const pending: NodeJS.Signals[] = [];
    const forward = (signal: NodeJS.Signals): void => {
      if (child?.pid !== undefined) child.kill(signal);
      else pending.push(signal);
    };
    for (const s of FORWARDED) process.on(s, forward);
    const stopForwarding = (): void => {
      for (const s of FORWARDED) process.off(s, forward);
    };
    child = spawn(process.execPath, [...process.execArgv, `--max-old-space-size=${mb}`, script, ...args], {
      stdio: 'inherit',
      env: { ...process.env, [MARK]: String(mb) },
    });
    const started = child.pid !== undefined;
    for (const s of pending.splice(0)) forward(s);
    child.once('error', () => {
      if (started) return;
      stopForwarding();
      resolve(null);
    });
    child.once('exit', (code, signal) => {
      stopForwarding();
      if (signal !== null) {
        // end as the child ended; if the signal does not end us (ignored here), exit 128 + n
        process.kill(process.pid, signal);
        setTimeout(() => resolve(128 + signalNumber(signal)), 100);
        return;
      }
      resolve(code ?? 1);
    });
  });
}

function signalNumber(signal: NodeJS.Signals): number {
  const n = osConstants.signals[signal];
  return typeof n === 'number' ? n : 0;
}
