/**
 * Scans in the background: one at a time, started by a button or a timer, with progress
 * written to the store so any page (and any process) can show it. A request never waits
 * for a scan; the scan's I/O is asynchronous, so pages are served while it runs.
 */
import type { Report } from '../domain/report';
import type { FleetReport } from '../fleet/fleet-report';
import type { Progress } from '../scan/scan-options';
import { runningScan, type Store } from '../store';
import { storedScanResult } from '../fleet/fleet-merge';
import { startStoredScan } from '../scan/stored-scan';

/** Runs one scan (this server's, or the fleet's with --hosts); the service passes the progress sink. */
export type Scanner = (progress: Progress) => Promise<Report | FleetReport>;

export interface ScanServiceOptions {
  store: Store;
  scanner: Scanner;
  /** progress rows are written at most this often (ms) */
  progressEveryMs?: number;
  onError?: (e: unknown) => void;
}

export class ScanService {
  private current: { id: number; done: Promise<void> } | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly o: ScanServiceOptions) {}

  /** Starts a scan unless one runs; returns the running or new scan's id. */
  start(trigger: string, actor: string | null): { id: number; started: boolean } {
    if (this.current) return { id: this.current.id, started: false };
    const other = runningScan(this.o.store);
    if (other) return { id: other.id, started: false };
    const { id, done: scanned } = startStoredScan({
      store: this.o.store,
      trigger,
      actor,
      scan: this.o.scanner,
      keep: storedScanResult,
      ...(this.o.progressEveryMs !== undefined ? { progressEveryMs: this.o.progressEveryMs } : {}),
    });
    const done = scanned.then(
      () => undefined,
      (e: unknown) => this.o.onError?.(e),
    ).finally(() => {
      this.current = null;
    });
    this.current = { id, done };
    return { id, started: true };
  }

  /** Resolves when the scan in progress (if any) has finished or failed. */
  async idle(): Promise<void> {
    await this.current?.done;
  }

  /** Scans every `intervalMs`; a tick while a scan runs is skipped. */
  schedule(intervalMs: number): void {
    this.stopSchedule();
    this.timer = setInterval(() => this.start('schedule', null), intervalMs);
    this.timer.unref();
  }

  stopSchedule(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
