/**
 * The inventory as the watcher needs it: loaded once at start in the background, then again
 * when older than `maxAgeMs` (a new subscription appears without a restart). A trip never
 * waits for a reload: it gets the last list while the next one loads.
 */
import type { Subscription } from '../domain/subscription';

export class InventoryCache {
  private list: readonly Subscription[] | null = null;
  private loadedAt = 0;
  private loading: Promise<readonly Subscription[]> | null = null;

  constructor(
    private readonly load: () => Promise<readonly Subscription[]>,
    private readonly maxAgeMs = 10 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Starts the first load without waiting for it. */
  warm(): void {
    void this.get().catch(() => undefined);
  }

  async get(): Promise<readonly Subscription[]> {
    const stale = this.now() - this.loadedAt > this.maxAgeMs;
    if (stale && !this.loading) {
      this.loading = this.load()
        .then((l) => {
          this.list = l;
          this.loadedAt = this.now();
          return l;
        })
        .finally(() => (this.loading = null));
    }
    if (this.list) return this.list;
    return this.loading ?? [];
  }
}
