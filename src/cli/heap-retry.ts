/**
 * A scan that runs out of heap under the DEFAULT limit is run once more without one.
 *
 * Why: the heap a scan needs grows with the number of distinct sources (~2.3 KB each in
 * the tracer, plus the report), not with messages. A spam wave through an open relay or a
 * botnet of stolen logins is one source per client: 60,000 of them need more than the
 * default 256 MB. Before the limit existed such a scan finished; the limit must not make
 * it fail. When
 * the user chose a limit (SPAMTRACE_HEAP_MB=N), it is kept: E_HEAP_LIMIT, exit 2, as before.
 *
 * A second run must never repeat or mix output. What a scan does that lasts:
 * - stdout: one write of the whole report, at the very end (scan-command.ts). Progress and
 *   logs go to stderr (a second run's progress on stderr repeats nothing of the report).
 * - --store: a scan row from the start (state "running"), the findings when it ends.
 * - nothing else: collectors only read (files, postqueue/postcat, panel, DNS); notices
 *   and actions are other commands.
 * The re-started scan writes a mark to a file of ours right BEFORE each of these
 * (markSideEffect, synchronous: a scan aborted after the call has its mark on disk):
 * "row" when its store row exists, "final" before the report is written to stdout or
 * the findings to the store. After an abort:
 * - "final" marked: no second run (part of the report may be out, or stored): E_HEAP_LIMIT.
 * - only "row": the row is marked failed (it would stay "running" for ever), then the scan
 *   runs again and stores a row of its own, like a failed UI scan followed by a new one.
 * A mark file instead of watching stdout through a pipe: the scan keeps the user's own
 * stdout (a terminal stays a terminal, `| head` ends the scan as it always did), and the
 * store, which a pipe would not see, is covered the same way.
 *
 * Input: a scan reads stdin only when a file option names it (--postcat-file /dev/stdin)
 * or a FIFO (`<(postcat ...)`); the programs it runs get their own stdin. Such input was
 * consumed by the first run: a second run is made only when every file the scan was told
 * to read is a regular file (read again from its start).
 *
 * The second run happens in this process, with Node's default heap: exactly the scan as it
 * ran before the limit existed (signals, exit status and stdin/stdout its own).
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpamtraceError } from '../errors';
import { heapLimitMessage, rerunWithHeapLimit } from './heap-limit';

/** the re-started scan's environment: where it writes its marks */
export const MARKS_ENV = 'SPAMTRACE_HEAP_MARKS';

export type SideEffectMark =
  /** the store row of this scan exists (state "running") */
  | { kind: 'row'; db: string; id: number }
  /** the report is about to reach stdout, or the findings the store */
  | { kind: 'final'; what: 'stdout' | 'store' };

/**
 * Called by the scan right before something that lasts (see above). Outside a re-started
 * scan (no MARKS_ENV) it does nothing. A mark that cannot be written fails the scan: going
 * on unmarked could let the command run it a second time after output.
 */
export function markSideEffect(mark: SideEffectMark, env: NodeJS.ProcessEnv = process.env): void {
  const file = env[MARKS_ENV];
  if (!file) return;
  appendFileSync(file, JSON.stringify(mark) + '\n');
}

export function readMarks(file: string): SideEffectMark[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const marks: SideEffectMark[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    try {
      marks.push(JSON.parse(line) as SideEffectMark);
    } catch {
      // a line cut by the abort: the scan was writing a mark, so something was about to last
      marks.push({ kind: 'final', what: 'stdout' });
    }
  }
  return marks;
}

/** The user chose the limit (SPAMTRACE_HEAP_MB=N): it is kept, no second run. */
export function limitChosenByUser(env: NodeJS.ProcessEnv): boolean {
  const asked = env.SPAMTRACE_HEAP_MB;
  return asked !== undefined && asked.trim() !== '';
}

/** Files the scan reads (named on its command line or by SPAMTRACE_CONFIG). */
export interface ScanInputFiles {
  queueFile: string | null;
  postcatFile: string | null;
  passwdFile: string | null;
  mailLogs: readonly string[] | null;
  staticMap: string | null;
  smtpOwners?: string | null;
  configPath: string | null;
}

/**
 * The first named file that a second run could not read again as the first one did
 * (a pipe, FIFO, socket or terminal: /dev/stdin in a pipe, `<(...)`), or null. A file
 * that does not exist (an optional default) reads the same twice.
 */
export function unrepeatableInput(files: ScanInputFiles, env: NodeJS.ProcessEnv): string | null {
  const paths = [
    files.queueFile,
    files.postcatFile,
    files.passwdFile,
    ...(files.mailLogs ?? []),
    files.staticMap,
    files.smtpOwners ?? null,
    files.configPath ?? (env.SPAMTRACE_CONFIG || null),
  ];
  for (const path of paths) {
    if (path === null) continue;
    let st;
    try {
      st = statSync(path);
    } catch {
      continue;
    }
    if (!st.isFile() && !st.isDirectory()) return path;
  }
  return null;
}

/** What to do after the re-started scan was aborted out of heap. */
export type AfterAbort =
  | { retry: true; failRow: { db: string; id: number } | null }
  | { retry: false; why: string | null };

/** `unrepeatable`: why the input cannot be read a second time, or null */
export function afterAbort(marks: readonly SideEffectMark[], chosenByUser: boolean, unrepeatable: string | null, roomToGrow: boolean): AfterAbort {
  if (chosenByUser) return { retry: false, why: null };
  const final = marks.find((m) => m.kind === 'final');
  if (final) {
    return { retry: false, why: final.what === 'store' ? 'it had begun to store its result' : 'it had begun to write its report' };
  }
  if (unrepeatable !== null) return { retry: false, why: unrepeatable };
  if (!roomToGrow) return { retry: false, why: "Node's own heap limit on this machine is no larger" };
  const row = marks.find((m): m is Extract<SideEffectMark, { kind: 'row' }> => m.kind === 'row');
  return { retry: true, failRow: row ? { db: row.db, id: row.id } : null };
}

export function retryLine(mb: number, failedRow: number | null): string {
  return (
    `spamtrace: the scan needed more than ${mb} MB of heap (a queue from many distinct senders?); ` +
    `running it again without the heap limit (set SPAMTRACE_HEAP_MB to choose one)` +
    (failedRow === null ? '' : `; its scan #${failedRow} in the store is marked failed`) +
    '\n'
  );
}

/**
 * `spamtrace scan` under a heap limit of `mb` MB: the exit status of the re-started scan,
 * or null when the scan is to run in this process (not started, or to be run again
 * without the limit after the stderr line). Throws E_HEAP_LIMIT when it ran out of heap
 * and may not be run again.
 */
export async function scanUnderHeapLimit(
  mb: number,
  cliScript: string,
  argv: readonly string[],
  o: { env: NodeJS.ProcessEnv; defaultLimitMb: number; inputs: () => Promise<ScanInputFiles | null> },
): Promise<number | null> {
  const dir = mkdtempSync(join(tmpdir(), 'spamtrace-heap-'));
  const marksFile = join(dir, 'marks');
  let marks: SideEffectMark[] = [];
  // read and removed as soon as the scan has ended: a scan ended by a signal ends this
  // process right after, by the same signal
  const collect = (): void => {
    marks = readMarks(marksFile);
    rmSync(dir, { recursive: true, force: true });
  };
  let run;
  try {
    run = await rerunWithHeapLimit(mb, cliScript, argv, { [MARKS_ENV]: marksFile }, collect);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (run.kind === 'exited') return run.status;
  if (run.kind === 'not-started') return null;
  const chosen = limitChosenByUser(o.env);
  const files = chosen ? null : await o.inputs();
  const path = files === null ? null : unrepeatableInput(files, o.env);
  // options that do not parse here cannot be checked: no second run
  const unrepeatable = chosen
    ? null
    : files === null
      ? 'its input files could not be checked'
      : path === null
        ? null
        : `${path} is not a regular file and cannot be read a second time`;
  const next = afterAbort(marks, chosen, unrepeatable, Math.floor(o.defaultLimitMb) > mb);
  if (!next.retry) {
    throw new SpamtraceError('E_HEAP_LIMIT', heapLimitMessage(mb) + (next.why ? ` (not run again without the limit: ${next.why})` : ''));
  }
  if (next.failRow) await failAbortedRow(next.failRow, mb);
  process.stderr.write(retryLine(mb, next.failRow?.id ?? null));
  return null;
}

/** The aborted scan's store row, left "running": failed, with why. */
async function failAbortedRow(row: { db: string; id: number }, mb: number): Promise<void> {
  const { openStore, failScan } = await import('../store');
  const store = openStore(row.db);
  try {
    failScan(store, row.id, `the scan ran out of memory under its heap limit of ${mb} MB; it was run again without the limit`);
  } finally {
    store.close();
  }
}
