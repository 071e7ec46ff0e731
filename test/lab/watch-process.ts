/**
 * `spamtrace watch` as the lab tests run it: a child process following the real mail log,
 * as an admin starts it, with its state in a directory of its own. The tests read what it
 * wrote (trips.jsonl, status.json), never its memory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../helpers/run-cli';
import { tripsOf, type TripView } from '../../src/watch/trip-store';
import type { SourceStatus, WatchStatus } from '../../src/watch/watch-service';
import { waitFor } from './wait-for';

export const MAILLOG = '/var/log/mail.log';

export interface Watcher {
  child: ChildProcess;
  stderr: () => string;
  stateDir: string;
}

export function startWatch(mode: '--dry-run' | '--live', env: Record<string, string>, policyFile: string, stateDir = mkdtempSync(join(tmpdir(), 'watch-state-'))): Watcher {
  const child = spawn(
    process.execPath,
    [join(packageRoot(), 'dist', 'src', 'cli.js'), 'watch', mode, '--policy', policyFile, '--maillog', MAILLOG, '--state-dir', stateDir, '--poll-ms', '200'],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  return { child, stderr: () => err, stateDir };
}

export async function stopWatch(w: Watcher): Promise<void> {
  if (w.child.exitCode !== null) return;
  const done = new Promise((r) => w.child.once('close', r));
  w.child.kill('SIGTERM');
  await done;
}

export function tripsIn(w: Watcher): TripView[] {
  const p = join(w.stateDir, 'trips.jsonl');
  return existsSync(p) ? tripsOf(readFileSync(p, 'utf8')) : [];
}

/** The watcher has read the log up to now (it saved its first position); generous for a loaded machine. */
export async function watcherReady(w: Watcher): Promise<void> {
  await waitFor(async () => existsSync(join(w.stateDir, 'position.json')) || w.child.exitCode !== null, 120_000, 'the watcher to start');
  if (w.child.exitCode !== null) throw new Error(`watch ended early: ${w.stderr()}`);
}

export interface StatusSampler {
  /** the last status entry per source id */
  last: Map<string, SourceStatus>;
  /** the highest per-minute message count the watcher showed per source (the rate the breaker judged) */
  peak: Map<string, number>;
  stop: () => void;
}

/** Reads the watcher's status file every 250 ms while a run goes on. */
export function watchStatusSampler(w: Watcher): StatusSampler {
  const last = new Map<string, SourceStatus>();
  const peak = new Map<string, number>();
  const read = (): void => {
    try {
      const st = JSON.parse(readFileSync(join(w.stateDir, 'status.json'), 'utf8')) as WatchStatus;
      for (const s of st.sources) {
        last.set(s.id, s);
        peak.set(s.id, Math.max(peak.get(s.id) ?? 0, s.perMinute.messages));
      }
    } catch {
      // not written yet (it is replaced by rename, so never half written)
    }
  };
  // unref: a failed test does not hang on it
  const timer = setInterval(read, 250).unref();
  return { last, peak, stop: () => clearInterval(timer) };
}
