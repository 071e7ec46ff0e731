/**
 * What a caller reads of a queued message. The scan and containment pin a message on its
 * source from a handful of attributes and headers (trace/queued-origin.ts: ORIGIN_READS);
 * a queue file holds some 20 attributes and a dozen headers, and decoding all of them was
 * most of the parsing at 100,000 messages (issue 16). With a selection, the parser stores
 * only the attributes named, and keeps only the named headers' values: every other header
 * keeps its place as UNREAD_HEADER, so "the topmost Received", "the header right below it"
 * and the Delivered-To chain still mean the same headers. The queue-file reader decides
 * from the name's bytes, before anything is decoded (ByteNames).
 *
 * What is not read is not checked either: an unread header's over-long value or an unread
 * attribute's conflicting second value is not counted as damage (it could not change a
 * finding). Without a selection everything is read, as before.
 */
import type { HeaderField } from '../../domain/queue';

export interface ReadSelection {
  /** named_attribute names whose values are kept; other attributes are not stored */
  readonly attributes: ReadonlySet<string>;
  /** header names, lower case, whose values are kept; any other header is UNREAD_HEADER */
  readonly headerValues: ReadonlySet<string>;
}

/** A header whose value was not read: no real header has an empty name, so no lookup by name finds it. */
export const UNREAD_HEADER: HeaderField = Object.freeze({ name: '', value: '' });

/** the longest name ByteNames judges; a longer one is left to the full path (decoded, then looked up) */
export const MAX_NAME_BYTES = 64;

/**
 * Membership of a name given as bytes, without making a string of it (at 100,000 messages
 * a string per record was the cost to avoid). `foldCase`: ASCII letters match either case.
 */
export class ByteNames {
  private readonly byLength: Buffer[][] = [];

  constructor(
    names: Iterable<string>,
    private readonly foldCase: boolean,
  ) {
    for (const n of names) {
      const b = Buffer.from(foldCase ? n.toLowerCase() : n, 'latin1');
      if (b.length === 0 || b.length > MAX_NAME_BYTES) continue;
      (this.byLength[b.length] ??= []).push(b);
    }
  }

  /** Is bytes[start, end) one of the names? */
  has(bytes: Buffer, start: number, end: number): boolean {
    const candidates = this.byLength[end - start];
    if (candidates === undefined) return false;
    for (const c of candidates) {
      let i = 0;
      for (; i < c.length; i++) {
        let b = bytes[start + i]!;
        if (this.foldCase && b >= 0x41 && b <= 0x5a) b |= 0x20;
        if (b !== c[i]) break;
      }
      if (i === c.length) return true;
    }
    return false;
  }
}
