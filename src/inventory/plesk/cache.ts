/**
 * One cached value with a time to live, on an injectable clock. Concurrent callers
 * during a refresh share the same load instead of starting their own.
 */
export type Clock = () => number;

export class TtlCache<T> {
  private value: { at: number; data: T } | null = null;
  private loading: Promise<T> | null = null;

  constructor(
    private readonly ttlMs: number,
    private readonly clock: Clock = Date.now,
  ) {}

  async get(load: () => Promise<T>): Promise<T> {
    const now = this.clock();
    if (this.value && this.ttlMs > 0 && now - this.value.at < this.ttlMs && now >= this.value.at) return this.value.data;
    if (this.loading) return this.loading;
    this.loading = load()
      .then((data) => {
        this.value = { at: this.clock(), data };
        return data;
      })
      .finally(() => {
        this.loading = null;
      });
    return this.loading;
  }

  clear(): void {
    this.value = null;
  }
}
