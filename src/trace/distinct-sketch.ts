/**
 * HyperLogLog: how many distinct strings went by, in 4 KB whatever their number.
 * 2^12 registers give a relative standard error of 1.04 / sqrt(4096) = 1.6 %
 * (Flajolet et al. 2007), with the small-range correction (linear counting) that makes
 * small counts nearly exact. Used only past the exact caps of the per-source counters,
 * so a source's first thousands of distinct values are always counted exactly.
 */

const P = 12;
const M = 1 << P;
const ALPHA = 0.7213 / (1 + 1.079 / M);
/** relative standard error of an estimate */
export const DISTINCT_SKETCH_ERROR = 1.04 / Math.sqrt(M);

/** 32-bit FNV-1a over UTF-16 code units, then murmur3's finaliser for well-mixed bits. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class DistinctSketch {
  private readonly registers = new Uint8Array(M);

  add(value: string): void {
    const h = hash32(value);
    const index = h >>> (32 - P);
    // rank: position of the first 1 bit in the remaining 32 - P bits (1-based)
    const rest = (h << P) >>> 0;
    const rank = rest === 0 ? 32 - P + 1 : Math.clz32(rest) + 1;
    if (rank > this.registers[index]!) this.registers[index] = rank;
  }

  estimate(): number {
    let sum = 0;
    let zeros = 0;
    for (let i = 0; i < M; i++) {
      const r = this.registers[i]!;
      sum += 2 ** -r;
      if (r === 0) zeros++;
    }
    const raw = (ALPHA * M * M) / sum;
    if (raw <= 2.5 * M && zeros > 0) return Math.round(M * Math.log(M / zeros));
    return Math.round(raw);
  }
}
