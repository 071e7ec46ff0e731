/**
 * The byte needles a line must contain before it is parsed. `methods: ['POST']` becomes
 * `"POST ` (the quote that opens the request field, so a "POST" in a path or agent does
 * not count); `lineContains` adds plain needles such as `.php`. Both given: a line must
 * hold a method needle and one of the others. The needles only narrow the search: the
 * parsed request is checked again (an escaped `\"POST ` inside an agent matches the bytes
 * but not the method).
 */

export interface Prefilter {
  /** the scanner searches these */
  primary: Buffer[];
  /** and then the line must also contain one of these (empty: no second test) */
  secondary: Buffer[];
}

const MAX_NEEDLE = 256;

function needle(text: string): Buffer {
  const b = Buffer.from(text, 'utf8');
  if (b.length === 0 || b.length > MAX_NEEDLE || b.includes(0x0a)) throw new RangeError(`access-log needle must be 1..${MAX_NEEDLE} bytes without a newline: ${JSON.stringify(text)}`);
  return b;
}

export function buildPrefilter(methods: readonly string[] | undefined, lineContains: readonly string[] | undefined): Prefilter {
  const m = (methods ?? []).map((x) => needle(`"${x} `));
  const c = (lineContains ?? []).map(needle);
  if (m.length > 0) return { primary: m, secondary: c };
  return { primary: c, secondary: [] };
}
