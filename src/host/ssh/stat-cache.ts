/**
 * Collectors list a directory and then stat every entry: over SSH that is one round trip
 * (~0.1 s) per file. The listing already carries each entry's lstat facts (find -printf),
 * so a stat of a just-listed path is answered from here; so are the stats and listings a
 * caller announced with Host.prefetch (one round trip for all of them). Entries expire
 * after a few seconds: a log being written keeps growing, and an old answer must not
 * live on.
 */
import type { FileInfo } from '../host';

const TTL_MS = 5_000;
const MAX_ENTRIES = 50_000;

/** Answers kept for a few seconds; `undefined` from get() means "not known, ask". */
export class TtlCache<T> {
  private readonly entries = new Map<string, { value: T; at: number }>();

  constructor(
    private readonly ttlMs = TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  set(key: string, value: T): void {
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(key, { value, at: this.now() });
  }

  get(key: string): T | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (this.now() - e.at > this.ttlMs) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }
}

/** lstat answers by path: FileInfo, or null for "does not exist" (ENOENT). */
export class StatCache {
  private readonly cache: TtlCache<FileInfo | null>;

  constructor(ttlMs = TTL_MS, now: () => number = Date.now) {
    this.cache = new TtlCache(ttlMs, now);
  }

  set(path: string, info: FileInfo | null): void {
    this.cache.set(path, info);
  }

  /** the answer (a copy naming `path`), null when known to be missing, undefined when not known */
  lookup(path: string): FileInfo | null | undefined {
    const info = this.cache.get(path);
    return info ? { ...info, path } : info;
  }

  /** a known FileInfo, else null (missing or not known) */
  get(path: string): FileInfo | null {
    return this.lookup(path) ?? null;
  }
}
