/**
 * Copies of strings that hold no reference to the text they were cut from.
 *
 * V8 makes a substring of 13 characters or more (slice, regex capture, split) a "sliced
 * string": a pointer into its parent. A client address or queue ID cut from a postcat
 * batch's 4 MB of output keeps all 4 MB alive for as long as a tracer map holds it: a
 * 100,000-message scan kept every batch, ~190 MB, through a few retained values each.
 * What the tracer keeps beyond a message's life goes through detach() first.
 */

/** A flat copy of `s` (short strings are copies already in V8). */
export function detach(s: string): string {
  if (s.length < 13) return s;
  // JSON's round trip is exact for every string (lone surrogates too) and parses into a new
  // flat string. (`(s + ' ').slice(0, -1)` also cut the tie, but as a slice of its own
  // flattened copy: 32 more bytes for each of the ~8 strings a source keeps.)
  return JSON.parse(JSON.stringify(s)) as string;
}

/** Deep copy of plain data with every string detached (Dates, numbers and booleans kept). */
export function detachAll<T>(v: T): T {
  if (typeof v === 'string') return detach(v) as T;
  if (v === null || typeof v !== 'object' || v instanceof Date) return v;
  if (Array.isArray(v)) return v.map((x: unknown) => detachAll(x)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = detachAll(x);
  return out as T;
}
