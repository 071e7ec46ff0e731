/**
 * A set of strings held as the string itself while it has one value. A tracer keeps such
 * sets per source or per sender domain (who used a domain, which recipient domains a
 * source's listing showed); in a spam wave of one-message sources nearly all of them
 * have one value, and a Set of one is ~180 bytes against a string already kept elsewhere.
 */
export type OneOrSet = string | Set<string>;

/** `set` with `value` added: the same Set, or a new holder when it grows past one */
export function withValue(set: OneOrSet | undefined, value: string): OneOrSet {
  if (set === undefined) return value;
  if (typeof set !== 'string') return set.add(value);
  return set === value ? set : new Set([set, value]);
}

export function sizeOf(set: OneOrSet): number {
  return typeof set === 'string' ? 1 : set.size;
}

/** the values, in the order they were added */
export function valuesOf(set: OneOrSet): Iterable<string> {
  return typeof set === 'string' ? [set] : set;
}
