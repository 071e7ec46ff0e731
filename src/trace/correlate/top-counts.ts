/**
 * Counting attacker-chosen values (user agents, referers, client addresses) with a cap:
 * a bot that sends a new user agent with every request must not grow memory without
 * bound. Values beyond the cap are counted together under OTHER_VALUES.
 */
import type { Count } from '../../domain/findings';

export const OTHER_VALUES = '(other values)';
const MAX_VALUE = 300;

export class TopCounter {
  private readonly counts = new Map<string, number>();
  private other = 0;

  constructor(private readonly maxDistinct = 1000) {}

  add(value: string, n = 1): void {
    const key = value.length > MAX_VALUE ? `${value.slice(0, MAX_VALUE)}…` : value;
    const had = this.counts.get(key);
    if (had !== undefined) this.counts.set(key, had + n);
    else if (this.counts.size < this.maxDistinct) this.counts.set(key, n);
    else this.other += n;
  }

  /** The n most frequent values, ties in text order so output is stable. */
  top(n: number): Count[] {
    const all: Count[] = [...this.counts].map(([value, count]) => ({ value, count }));
    if (this.other > 0) all.push({ value: OTHER_VALUES, count: this.other });
    all.sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
    return all.slice(0, n);
  }
}
