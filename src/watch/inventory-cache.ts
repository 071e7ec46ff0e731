/**
 * The inventory as the watcher needs it: loaded once at start in the background, then again
 * when older than `maxAgeMs` (a new subscription appears without a restart). A trip never
 * waits for a reload: it gets the last list while the next one loads.
 */
import type { ReportSource } from '../domain/report';
import type { Subscription } from '../domain/subscription';
import { subscriptionOf } from '../scan/attach-subscription';
import { subscriptionIndex, type SubscriptionIndex } from '../inventory/subscription-index';

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

  /**
   * The last list loaded, without waiting ([] before the first load ends): the breaker
   * decides synchronously. Starts a reload when the list is stale.
   */
  current(): readonly Subscription[] {
    this.warm();
    return this.list ?? [];
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

/**
 * The reseller of a source's subscription, from the cache's current list (the index is
 * rebuilt only when a new list arrives). null: no subscription, no reseller, or not loaded yet,
 * so the server's thresholds apply.
 */
export function resellerFromInventory(cache: Pick<InventoryCache, 'current'>): (s: ReportSource) => string | null {
  let indexed: { list: readonly Subscription[]; index: SubscriptionIndex } | null = null;
  return (s) => {
    const list = cache.current();
    if (list.length === 0) return null;
    if (indexed?.list !== list) indexed = { list, index: subscriptionIndex(list) };
    return subscriptionOf(s, indexed.index)?.reseller?.login ?? null;
  };
}
