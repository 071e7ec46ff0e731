/**
 * A scan runs with a V8 heap limit of its own. Without one, V8 grows the old generation
 * lazily to several times the live data (measured: 388 MB resident at 100,000 queued
 * messages, 534 MB at 200,000; with the limit below ~200 MB for both, same report). The
 * limit can only be set when a Node process starts (v8.setFlagsFromString does not change
 * the heap's size once it exists: checked on Node 20), so `spamtrace scan` starts itself
 * again with --max-old-space-size, before any of the scan's code is loaded.
 *
 * The re-started process runs the CLI's own file (not process.argv[1]: under a wrapper
 * script or `node -e` that is not the CLI), inherits stdin, stdout and stderr (nothing
 * passes through this one), gets the same arguments and environment, and only the Node
 * options that are safe to repeat (passedNodeOptions: never code given on the command
 * line). Its exit status is ours, a signal that ends it ends us with the same signal, and
 * SIGINT, SIGTERM, SIGHUP, SIGQUIT and SIGABRT sent to us are passed on to it. When V8 aborts
 * it for want of heap (SIGABRT that we did not pass on), the caller runs it again without
 * the limit when the limit was only the default and nothing lasting was done yet
 * (heap-retry.ts), or says so in one line with the limit and how to raise it
 * (E_HEAP_LIMIT, exit 2).
 *
 * Not re-started: when the heap limit was already chosen (--max-old-space-size in the
 * Node options or NODE_OPTIONS), when SPAMTRACE_HEAP_MB=0, under a debugger (--inspect),
 * a fleet scan (--hosts) unless SPAMTRACE_HEAP_MB is set, a process that is itself a
 * re-started scan (SPAMTRACE_HEAP_LIMITED in its environment, checked again right before
 * any spawn: a re-started scan never starts another, whatever its arguments), and when the
 * start fails (then the scan runs here, as before). SPAMTRACE_HEAP_MB=N sets the limit in
 * MB. The default is never above V8's own default for this machine, so a small machine is
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
/**
 * The young generation goes with the limit: under --max-old-space-size=256 alone, V8 keeps
 * semi-spaces small and a queue scan spent ~2 of its ~7 CPU seconds collecting at 100,000
 * messages (profiled, three runs 1.5-2.2 s); with 32 MB semi-spaces 0.3-0.5 s, for ~35 MB
 * more resident (160 -> 197 MB at 100,000 messages, 232 MB at 200,000). An eighth of the
 * limit, at most 32 MB: a small limit set by hand keeps a small young generation.
 */
export function semiSpaceFlag(heapMb: number): string {
  return `--max-semi-space-size=${Math.max(1, Math.min(32, Math.floor(heapMb / 8)))}`;
}

/** set in the re-started process: it must not start itself again */
export const RESTARTED_MARK = 'SPAMTRACE_HEAP_LIMITED';
/** SIGABRT too: sent to the command by a user, it is a real signal and keeps its meaning */
const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGABRT'];

const HEAP_FLAG = /^--max[-_]old[-_]space[-_]size(=|$)/;

/** The limit (MB) `spamtrace scan ARGS` should run with, or null: run as we are. */
export function scanHeapLimitMb(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  execArgv: readonly string[],
  defaultLimitMb: number,
): number | null {
  if (env[RESTARTED_MARK] !== undefined) return null;
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
  // A fleet scan holds every host's report in one process (as many as the fleet has hosts)
  // and runs on the admin's machine, not on the mail server the limit is there to spare:
  // no fixed default fits it. Any "--hosts" word makes it one (or a usage error): the same
  // test as extractFleetArgs.
  if (args.some((a) => a === '--hosts' || a.startsWith('--hosts='))) return null;
  const readsLog = args.some((a) => a === '--since' || a === '--maillog' || a.startsWith('--since=') || a.startsWith('--maillog='));
  mb = readsLog ? LOG_SCAN_HEAP_MB : QUEUE_SCAN_HEAP_MB;
  return Math.min(mb, Math.floor(defaultLimitMb));
}

/** V8's default old-generation limit here, in MB (heap_size_limit includes the young generation: an upper bound). */
export function defaultHeapLimitMb(): number {
  return getHeapStatistics().heap_size_limit / (1024 * 1024);
}

/**
 * Node options never given to the re-started scan: code from the command line (-e, -p:
 * passing it on ran the code again in the scan, and each run could start another), and
 * options that make node do something else than run the script once (test runner, watch
 * mode, REPL, syntax check, help), a debugger, the heap limit (ours replaces it) and
 * --env-file (the environment is inherited whole already).
 */
const REFUSED = /^--(eval|print|input-type|interactive|check|test|experimental-test|watch|run|inspect|debug|help|version|v8-options|completion-bash|env-file|max[-_]old[-_]space[-_]size)([-=_]|$)/;
/** code follows these when it is not joined with "=": -e CODE, -p CODE, -pe CODE, --eval CODE */
const TAKES_CODE = /^(-[a-zA-Z]*[ep][a-zA-Z]*|--eval|--print)$/;

/**
 * The Node options of this process (execArgv) that the re-started scan gets: only long
 * options ("--name" or "--name=value") that REFUSED does not name, each with its value
 * when that is the next word ("--cpu-prof-dir DIR", "--require FILE"). Short options
 * (-r, -C, -e...) are left out with their values; the code of -e/-p/--eval/--print is
 * never passed, whatever it looks like.
 */
export function passedNodeOptions(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  let valueMayFollow = false;
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i]!;
    if (!a.startsWith('-')) {
      // not an option: the value of the one before it (execArgv holds no script or arguments)
      if (valueMayFollow) out.push(a);
      valueMayFollow = false;
      continue;
    }
    const keep = a.startsWith('--') && a !== '--' && !REFUSED.test(a);
    if (keep) out.push(a);
    valueMayFollow = keep && !a.includes('=');
    if (!keep && TAKES_CODE.test(a)) i++; // the code itself, even "-e --foo"
  }
  return out;
}

/** How the re-started scan ended, when it is not a plain exit status. */
export type Rerun =
  | { kind: 'exited'; status: number }
  /** V8 aborted it (out of heap, nearly always): SIGABRT we did not send, or exit 134 */
  | { kind: 'aborted' }
  /** it could not be started: run the scan here */
  | { kind: 'not-started' };

/**
 * Runs the CLI (`cliScript`, the CLI's own file) again with ARGS under
 * `--max-old-space-size=MB`. When the child is ended by a signal other than an abort we did
 * not pass on, this process ends itself with that signal.
 */
export function rerunWithHeapLimit(
  mb: number,
  cliScript: string,
  args: readonly string[],
  extraEnv: NodeJS.ProcessEnv = {},
  /** called once the child has ended, before this process may end itself by its signal */
  onExit: () => void = () => undefined,
): Promise<Rerun> {
  // Never from a re-started scan, whoever calls this: one level of re-start, not a chain.
  if (process.env[RESTARTED_MARK] !== undefined) return Promise.resolve({ kind: 'not-started' });
  return new Promise((resolve) => {
    // Listening before the spawn: a signal in between must not end us by default and leave
    // the scan running without us.
    let child: ReturnType<typeof spawn> | null = null;
    const pending: NodeJS.Signals[] = [];
    const passedOn = new Set<NodeJS.Signals>();
    const forward = (signal: NodeJS.Signals): void => {
      passedOn.add(signal);
      if (child?.pid !== undefined) child.kill(signal);
      else pending.push(signal);
    };
    for (const s of FORWARDED) process.on(s, forward);
    const stopForwarding = (): void => {
      for (const s of FORWARDED) process.off(s, forward);
    };
    child = spawn(process.execPath, [...passedNodeOptions(process.execArgv), `--max-old-space-size=${mb}`, semiSpaceFlag(mb), cliScript, ...args], {
      stdio: 'inherit',
      env: { ...process.env, ...extraEnv, [RESTARTED_MARK]: String(mb) },
    });
    const started = child.pid !== undefined;
    for (const s of pending.splice(0)) forward(s);
    child.once('error', () => {
      if (started) return;
      stopForwarding();
      resolve({ kind: 'not-started' });
    });
    child.once('exit', (code, signal) => {
      stopForwarding();
      onExit();
      // V8 ends a process out of heap with abort(): "FATAL ERROR: ... JavaScript heap out of
      // memory" on the inherited stderr, then SIGABRT (134 as a shell shows it).
      if ((signal === 'SIGABRT' && !passedOn.has('SIGABRT')) || code === 128 + signalNumber('SIGABRT')) {
        resolve({ kind: 'aborted' });
        return;
      }
      if (signal !== null) {
        // end as the child ended; if the signal does not end us (ignored here), exit 128 + n
        process.kill(process.pid, signal);
        setTimeout(() => resolve({ kind: 'exited', status: 128 + signalNumber(signal) }), 100);
        return;
      }
      resolve({ kind: 'exited', status: code ?? 1 });
    });
  });
}

/** The one line for an aborted re-started scan: the limit in force and how to raise or lift it. */
export function heapLimitMessage(mb: number): string {
  const more = Math.max(1024, 2 ** Math.ceil(Math.log2(mb * 2)));
  return (
    `the scan ran out of memory under its heap limit of ${mb} MB (V8 aborted it); ` +
    `run it again with a larger limit, SPAMTRACE_HEAP_MB=${more} spamtrace scan ..., or with none, SPAMTRACE_HEAP_MB=0 spamtrace scan ...`
  );
}

function signalNumber(signal: NodeJS.Signals): number {
  const n = osConstants.signals[signal];
  return typeof n === 'number' ? n : 0;
}
