/**
 * Per-source counters whose memory does not grow with the queue. A spam wave brings a new
 * recipient, HELO or envelope sender with nearly every message: exact maps of them were
 * most of a 100,000-message scan's memory.
 *
 * Kept keys are detached (detach.ts): a key cut from a postcat batch must not keep the batch.
 *
 * Both classes are exact up to their cap (every queue the tests and most servers see), so
 * nothing changes there. Past it:
 * - the first `cap` distinct values stay, with exact counts, in first-seen order (the
 *   verdict rules quote the first few bogus HELOs and dynamic client names);
 * - later values are counted distinct by a HyperLogLog sketch (error ~1.6 %), and the most
 *   frequent of them by a small Space-Saving table (Metwally et al. 2005: any value seen
 *   more than total/LATE_SLOTS times is in it), reported with their guaranteed lower
 *   bound, so a heavy hitter that shows up late still reaches the top lists.
 */
import { detach } from './detach';
import { DistinctSketch } from './distinct-sketch';

/**
 * Exact entries shared by every counter of one scan. The per-counter caps bound one source;
 * with hundreds of sources (a big mail log: every login, uid and client is one) the exact
 * entries of all of them are the memory. Once the budget is spent, every counter treats a
 * new value as past its cap (sketch + Space-Saving), so the estimate flags stay true.
 */
export class ExactBudget {
  constructor(private left: number) {}

  /** one more exact entry, if any is left */
  take(): boolean {
    if (this.left <= 0) return false;
    this.left--;
    return true;
  }
}

/** no shared limit (a counter on its own, the tests) */
export const UNLIMITED = new ExactBudget(Infinity);

/** later values tracked for the top lists */
const LATE_SLOTS = 64;
/** shared by every counter until its late table first fills (an array each was 32 bytes x 7 a source) */
const NO_KEYS: readonly string[] = Object.freeze([]);

/**
 * The exact entries of a counter, in first-seen order: the first one in two fields, a Map
 * from the second value on. A source seen once (a botnet or open relay: one source per
 * client, 40,000 of them) has one value in most of its counters and none in some; a Map
 * per counter was most of its memory (an empty or one-entry Map is ~180 bytes, and a
 * source has eight counters). Behaves as the Map did: same order, the first key kept.
 */
abstract class FirstSeenExact {
  private k0: string | null = null;
  private c0 = 0;
  private map: Map<string, number> | null = null;

  protected exactGet(key: string): number | undefined {
    if (this.map) return this.map.get(key);
    return key === this.k0 ? this.c0 : undefined;
  }

  /** `key` is stored only when new (a Map keeps the key it was first given, too) */
  protected exactSet(key: string, n: number): void {
    if (this.map) {
      this.map.set(key, n);
    } else if (this.k0 === null) {
      this.k0 = key;
      this.c0 = n;
    } else if (key === this.k0) {
      this.c0 = n;
    } else {
      this.map = new Map([
        [this.k0, this.c0],
        [key, n],
      ]);
      this.k0 = null;
    }
  }

  protected get exactSize(): number {
    if (this.map) return this.map.size;
    return this.k0 === null ? 0 : 1;
  }

  protected *exactEntries(): IterableIterator<[string, number]> {
    if (this.map) yield* this.map.entries();
    else if (this.k0 !== null) yield [this.k0, this.c0];
  }
}

export class CappedCounts extends FirstSeenExact {
  private late: Map<string, { count: number; over: number }> | null = null;
  private sketch: DistinctSketch | null = null;

  constructor(
    private readonly cap: number,
    private readonly budget: ExactBudget = UNLIMITED,
  ) {
    super();
  }

  add(key: string, by = 1): void {
    const n = this.exactGet(key);
    if (n !== undefined) {
      this.exactSet(key, n + by);
      return;
    }
    if (this.exactSize < this.cap && this.budget.take()) {
      this.exactSet(detach(key), by);
      return;
    }
    this.addLate(key, by);
  }

  private addLate(key: string, by: number): void {
    (this.sketch ??= new DistinctSketch()).add(key);
    const late = (this.late ??= new Map());
    const slot = late.get(key);
    if (slot !== undefined) {
      slot.count += by;
      return;
    }
    if (late.size < LATE_SLOTS) {
      late.set(detach(key), { count: by, over: 0 });
      return;
    }
    // Space-Saving: the newcomer takes the place of the least frequent (the first such in
    // the table's order) and inherits its count as a possible overcount
    const minKey = this.leastFrequent(late);
    const min = late.get(minKey)!.count;
    late.delete(minKey);
    late.set(detach(key), { count: min + by, over: min });
  }

  /** keys that had the least count when last looked for, in table order (see leastFrequent) */
  private lowest: readonly string[] = NO_KEYS;
  private lowestAt = 0;
  private lowestCount = 0;

  /**
   * The first key, in table order, with the least count: without a scan of all slots per
   * call. Counts only grow and a newcomer always counts more than the least, so the keys
   * that had the least count at the last scan, still at it, are exactly the least now,
   * in the same order; a scan is needed only once they are used up (in a stream of
   * all-different values: once per LATE_SLOTS newcomers).
   */
  private leastFrequent(late: Map<string, { count: number }>): string {
    while (this.lowestAt < this.lowest.length) {
      const k = this.lowest[this.lowestAt++]!;
      if (late.get(k)?.count === this.lowestCount) return k;
    }
    let min = Infinity;
    for (const c of late.values()) if (c.count < min) min = c.count;
    const lowest: string[] = [];
    for (const [k, c] of late) if (c.count === min) lowest.push(k);
    this.lowest = lowest;
    this.lowestCount = min;
    this.lowestAt = 1;
    return lowest[0]!;
  }

  /** distinct values: exact while `estimated` is false */
  get size(): number {
    return this.exactSize + (this.sketch ? this.sketch.estimate() : 0);
  }

  /** true once values past the cap were seen: size and the late counts are estimates */
  get estimated(): boolean {
    return this.sketch !== null;
  }

  /** the first `cap` distinct values (fewer once the shared budget ran out), in first-seen order */
  *keys(): IterableIterator<string> {
    for (const [k] of this.exactEntries()) yield k;
  }

  /**
   * [value, count] of the first `cap` values (exact), then of the late heavy hitters with
   * the count they surely have (Space-Saving's guaranteed lower bound; a value whose lower
   * bound is 0 is left out: in a stream of all-different values none is a hitter)
   */
  *entries(): IterableIterator<[string, number]> {
    yield* this.exactEntries();
    if (!this.late) return;
    for (const [k, c] of this.late) if (c.count - c.over > 0) yield [k, c.count - c.over];
  }
}

/** Distinct strings: an exact set up to `cap`, a sketch for the values after it. */
export class CappedDistinct extends FirstSeenExact {
  private sketch: DistinctSketch | null = null;

  constructor(
    private readonly cap: number,
    private readonly budget: ExactBudget = UNLIMITED,
  ) {
    super();
  }

  /** (the exact values are kept with a count of 0: only whether they were seen matters) */
  add(value: string): void {
    if (this.exactGet(value) !== undefined) return;
    if (this.exactSize < this.cap && this.budget.take()) this.exactSet(detach(value), 0);
    else (this.sketch ??= new DistinctSketch()).add(value);
  }

  get size(): number {
    return this.exactSize + (this.sketch ? this.sketch.estimate() : 0);
  }

  get estimated(): boolean {
    return this.sketch !== null;
  }
}
