/**
 * Splits a byte stream into lines without ever holding more than one (capped) line.
 * readline has no length limit: a 2 GB header line would sit in memory. Here a line
 * beyond `maxLineBytes` is cut and flagged, and the rest of it is skipped.
 */
import type { Line } from './host';

export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;

export async function* splitLines(
  chunks: AsyncIterable<Buffer | string>,
  maxLineBytes = DEFAULT_MAX_LINE_BYTES,
): AsyncGenerator<Line> {
  let parts: Buffer[] = [];
  let held = 0;
  let cut = false;
  const flush = (): Line => {
    const buf = parts.length === 1 ? parts[0]! : Buffer.concat(parts, held);
    let end = buf.length;
    if (end > 0 && buf[end - 1] === 0x0d) end -= 1; // tolerate CRLF
    const line = { text: buf.toString('utf8', 0, end), cut };
    parts = [];
    held = 0;
    cut = false;
    return line;
  };
  for await (const raw of chunks) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(0x0a, start);
      const stop = nl === -1 ? chunk.length : nl;
      const room = maxLineBytes - held;
      if (room > 0) {
        const take = Math.min(room, stop - start);
        if (take > 0) {
          parts.push(chunk.subarray(start, start + take));
          held += take;
        }
        if (stop - start > take) cut = true;
      } else if (stop > start) {
        cut = true;
      }
      if (nl === -1) break;
      yield flush();
      start = nl + 1;
    }
  }
  if (held > 0 || cut) yield flush();
}

/** Lines of a buffered output, cut like the streaming splitter cuts them. */
export function* splitText(text: string, maxLineBytes: number): Generator<Line> {
  let start = 0;
  while (start < text.length) {
    let nl = text.indexOf('\n', start);
    if (nl === -1) nl = text.length;
    let end = nl;
    if (end > start && text.charCodeAt(end - 1) === 13) end -= 1;
    const raw = text.slice(start, end);
    // Byte length only matters for very long lines; chars <= bytes, so check cheaply first.
    if (raw.length * 3 > maxLineBytes && Buffer.byteLength(raw) > maxLineBytes) {
      yield { text: Buffer.from(raw).subarray(0, maxLineBytes).toString('utf8'), cut: true };
    } else {
      yield { text: raw, cut: false };
    }
    start = nl + 1;
  }
}
