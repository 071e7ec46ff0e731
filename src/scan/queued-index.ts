/**
 * The queue's messages by queue ID, for the merge with the listing and the mail log: the
 * one per-message structure a scan keeps. Compact on purpose (a queue in a spam wave holds
 * hundreds of thousands): one map entry per ID pointing into typed arrays, the source keys
 * (a few per queue) stored once. About half the memory of a map of small objects.
 */
import type { QueuedIndex, QueuedRef } from './queue-log-merge';

export class QueuedMessages implements QueuedIndex {
  private readonly slotOf = new Map<string, number>();
  private readonly keys: string[] = [];
  private readonly keyIndex = new Map<string, number>();
  private keyOf = new Int32Array(1024);
  /** epoch ms; NaN: no arrival time */
  private arrivals = new Float64Array(1024);
  /** -1: not known */
  private recipientCounts = new Int32Array(1024);

  get size(): number {
    return this.slotOf.size;
  }

  has(queueId: string): boolean {
    return this.slotOf.has(queueId);
  }

  /** `queueId` must not be a slice of a large string (detach it first): it is kept. */
  set(queueId: string, ref: QueuedRef): void {
    let slot = this.slotOf.get(queueId);
    if (slot === undefined) {
      slot = this.slotOf.size;
      if (slot === this.keyOf.length) this.grow();
      this.slotOf.set(queueId, slot);
    }
    let k = this.keyIndex.get(ref.key);
    if (k === undefined) {
      k = this.keys.length;
      this.keys.push(ref.key);
      this.keyIndex.set(ref.key, k);
    }
    this.keyOf[slot] = k;
    this.arrivals[slot] = ref.arrival ?? Number.NaN;
    this.recipientCounts[slot] = ref.recipients ?? -1;
  }

  get(queueId: string): QueuedRef | undefined {
    const slot = this.slotOf.get(queueId);
    if (slot === undefined) return undefined;
    const arrival = this.arrivals[slot]!;
    const recipients = this.recipientCounts[slot]!;
    return {
      key: this.keys[this.keyOf[slot]!]!,
      arrival: Number.isNaN(arrival) ? null : arrival,
      ...(recipients >= 0 ? { recipients } : {}),
    };
  }

  private grow(): void {
    const n = this.keyOf.length * 2;
    const keyOf = new Int32Array(n);
    keyOf.set(this.keyOf);
    this.keyOf = keyOf;
    const arrivals = new Float64Array(n);
    arrivals.set(this.arrivals);
    this.arrivals = arrivals;
    const counts = new Int32Array(n);
    counts.set(this.recipientCounts);
    this.recipientCounts = counts;
  }
}
