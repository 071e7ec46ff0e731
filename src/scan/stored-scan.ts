/**
 * Run a scan and store it: the one way a scan reaches the store, used by `serve` (button
 * and timer) and `spamtrace scan --store`. The scan row exists from the start with its
 * progress, so any page (and any process) can show a scan another process runs; the
 * report, its findings and hosts land in one transaction when it ends; a scan that throws
 * is marked failed with its message and the error goes on to the caller.
 */
import type { Progress } from './scan-options';
import { createScanRow, failScan, finishScan, updateProgress, type StoredScanResult, type Store } from '../store';

export interface StoredScanOptions<T> {
  store: Store;
  /** who asked: "button", "schedule", "cli" ... */
  trigger: string;
  actor: string | null;
  /** runs the scan; reports progress to the sink it is given */
  scan: (progress: Progress) => Promise<T>;
  /** what of the result the store keeps (a fleet report is merged: src/fleet/fleet-merge.ts) */
  keep: (result: T) => StoredScanResult;
  /** progress rows are written at most this often (ms) */
  progressEveryMs?: number;
  /** the caller's own progress (the CLI's stderr line), fed beside the store's */
  progress?: Progress;
}

/** Creates the scan row now; `done` resolves with the result once it is stored. */
export function startStoredScan<T>(o: StoredScanOptions<T>): { id: number; done: Promise<T> } {
  const id = createScanRow(o.store, o.trigger, o.actor);
  return { id, done: runInto(id, o) };
}

async function runInto<T>(id: number, o: StoredScanOptions<T>): Promise<T> {
  const every = o.progressEveryMs ?? 500;
  let last = 0;
  const progress: Progress = {
    update: (done, total, what) => {
      o.progress?.update(done, total, what);
      const t = Date.now();
      if (t - last < every && done < total) return;
      last = t;
      updateProgress(o.store, id, done, total, what);
    },
    end: () => o.progress?.end(),
  };
  // let the caller (a request that started us) answer first
  await new Promise((r) => setImmediate(r));
  try {
    const result = await o.scan(progress);
    finishScan(o.store, id, o.keep(result));
    return result;
  } catch (e) {
    failScan(o.store, id, e instanceof Error ? e.message : String(e));
    throw e;
  }
}
