/**
 * Collectors list a directory and then stat every entry: over SSH that is one round trip
 * (~0.1 s) per file. The listing already carries each entry's lstat facts (find -printf),
 * so a stat of a just-listed path is answered from here. Entries expire after a few
 * seconds: a log being written keeps growing, and an old answer must not live on.
 */
import type { FileInfo } from '../host';

const TTL_MS = 5_000;
const MAX_ENTRIES = 50_000;

export class StatCache {
  private readonly entries = new Map<string, { info: FileInfo; at: number }>();

  constructor(
    private readonly ttlMs = TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  set(path: string, info: FileInfo): void {
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(path, { info, at: this.now() });
  }

  get(path: string): FileInfo | null {
    const e = this.entries.get(path);
    if (!e) return null;
    if (this.now() - e.at > this.ttlMs) {
      this.entries.delete(path);
      return null;
    }
    return { ...e.info, path };
  }
}
