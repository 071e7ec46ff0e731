/**
 * Our JSON files (the config, the static inventory map) are a few levels deep. V8 parses
 * any depth, but walking a 20,000-deep value (validation, freezing, cloning, printing)
 * overflows the stack with a RangeError that would surface as E_INTERNAL; checking the
 * text first lets each file report its own error code instead.
 */
export const MAX_JSON_DEPTH = 64;

/** True when arrays and objects in `text` nest deeper than `limit` (strings skipped; one linear pass). */
export function jsonNestsDeeperThan(text: string, limit = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}
