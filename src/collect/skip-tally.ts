/** Counts what a parser or collector passed over, so the report can say so. */
import type { Skipped } from '../domain/report';

export class SkipTally {
  private readonly counts = new Map<string, Skipped>();

  add(what: string, reason: string, count = 1): void {
    const key = `${what}\u0000${reason}`;
    const hit = this.counts.get(key);
    if (hit) hit.count += count;
    else this.counts.set(key, { what, reason, count });
  }

  list(): Skipped[] {
    return [...this.counts.values()].map((s) => ({ ...s }));
  }

  total(): number {
    let n = 0;
    for (const s of this.counts.values()) n += s.count;
    return n;
  }
}
