/**
 * `spamtrace scan --store [--db FILE]`: the scan runs through the same startStoredScan as
 * the UI's scans (src/scan/stored-scan.ts), into the store `serve` opens by default
 * (store.path of the configuration), so the UI shows it as the newest scan. Without
 * --store the scan runs as it always did and nothing is written.
 */
import { userInfo } from 'node:os';
import type { Report } from '../domain/report';
import type { FleetReport } from '../fleet/fleet-report';
import { storedScanResult } from '../fleet/fleet-merge';
import { startStoredScan } from '../scan/stored-scan';
import { openStore } from '../store';
import { SpamtraceError } from '../errors';
import type { SpamtraceConfig } from '../config/config-types';
import type { Progress } from '../scan/scan-options';
import type { ScanOptions } from './scan-args';
import { markSideEffect } from './heap-retry';

const NO_PROGRESS: Progress = { update: () => undefined, end: () => undefined };

export async function scanMaybeStored<T extends Report | FleetReport>(
  options: Readonly<ScanOptions>,
  config: SpamtraceConfig | null,
  progress: Progress | null,
  scan: (progress: Progress) => Promise<T>,
): Promise<T> {
  if (!options.store) return scan(progress ?? NO_PROGRESS);
  const path = options.db ?? config?.store.path;
  if (!path) throw new SpamtraceError('E_INTERNAL', 'scan --store: no store path (the configuration was not loaded)');
  const store = openStore(path);
  try {
    // Marks for the command that re-started this scan under a heap limit (heap-retry.ts):
    // the row exists (to be marked failed if the scan is aborted and run again); the
    // findings are about to be stored (from then on it is not run again).
    const keep = (result: T): ReturnType<typeof storedScanResult> => {
      markSideEffect({ kind: 'final', what: 'store' });
      return storedScanResult(result);
    };
    const { id, done } = startStoredScan({ store, trigger: 'cli', actor: actor(), scan, keep, ...(progress ? { progress } : {}) });
    markSideEffect({ kind: 'row', db: path, id });
    return await done;
  } finally {
    store.close();
  }
}

/** The system user that ran the command, as the scans page shows who started a scan. */
function actor(): string | null {
  try {
    return userInfo().username;
  } catch {
    return null;
  }
}
