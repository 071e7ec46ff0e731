/**
 * Finds lines in a stream of byte chunks, and with needles only the lines that contain
 * one: `Buffer.indexOf` runs over the whole chunk and only the lines around a hit are
 * cut out and decoded, so a POST-only scan costs little more than the decompression.
 * Line numbers are kept exact (newlines are counted between hits). A line longer than
 * `maxLineBytes` is never held whole: the carried part stops growing and the line is
 * reported as cut instead of being parsed.
 */

/** A found line: `buf[start, end)` without its newline (and without a trailing CR). */
export type LineSink = (buf: Buffer, start: number, end: number, lineNo: number) => void;

const NL = 0x0a;
const CR = 0x0d;

function countNewlines(buf: Buffer, from: number, to: number): number {
  let n = 0;
  for (let p = buf.indexOf(NL, from); p !== -1 && p < to; p = buf.indexOf(NL, p + 1)) n += 1;
  return n;
}

export class LineScanner {
  private carry: Buffer[] = [];
  private carryBytes = 0;
  private carryCut = false;
  /** newlines consumed so far: the next line's number is this + 1 */
  private lines = 0;

  /**
   * @param needles a line is passed on when it contains any of them; empty: every line
   * @param onCut called with the line number of a line longer than maxLineBytes
   */
  constructor(
    private readonly needles: readonly Buffer[],
    private readonly maxLineBytes: number,
    private readonly onCut: (lineNo: number) => void,
  ) {
    for (const n of needles) if (n.length === 0 || n.includes(NL)) throw new Error('a needle must be non-empty and hold no newline');
  }

  /** Lines read so far (complete lines, including those passed over). */
  get lineCount(): number {
    return this.lines;
  }

  /**
   * Takes the next chunk. With `scan` false the chunk's lines are only counted (the
   * caller knows they all lie outside what it wants).
   */
  feed(chunk: Buffer, sink: LineSink, scan = true): void {
    const firstNl = chunk.indexOf(NL);
    if (firstNl === -1) {
      this.hold(chunk, 0, chunk.length);
      return;
    }
    this.finishCarried(chunk.subarray(0, firstNl), sink, scan);
    const lastNl = chunk.lastIndexOf(NL);
    if (scan) this.scanRegion(chunk, firstNl + 1, lastNl, sink);
    else this.lines += countNewlines(chunk, firstNl + 1, lastNl + 1);
    this.hold(chunk, lastNl + 1, chunk.length);
  }

  /** End of the stream: a last line without a newline is still a line. */
  end(sink: LineSink, scan = true): void {
    if (this.carryBytes > 0 || this.carryCut) this.finishCarried(Buffer.alloc(0), sink, scan);
  }

  private hold(chunk: Buffer, from: number, to: number): void {
    const room = this.maxLineBytes - this.carryBytes;
    const take = Math.min(room, to - from);
    if (take > 0) {
      // a copy: holding a subarray would keep the whole 1 MiB chunk alive
      this.carry.push(Buffer.from(chunk.subarray(from, from + take)));
      this.carryBytes += take;
    }
    if (to - from > take) this.carryCut = true;
  }

  /** The line that began in earlier chunks and ends with `head`. */
  private finishCarried(head: Buffer, sink: LineSink, scan: boolean): void {
    this.lines += 1;
    const cut = this.carryCut || this.carryBytes + head.length > this.maxLineBytes;
    const parts = this.carry;
    const bytes = this.carryBytes;
    this.carry = [];
    this.carryBytes = 0;
    this.carryCut = false;
    if (!scan) return;
    if (cut) {
      this.onCut(this.lines);
      return;
    }
    const line = bytes === 0 ? head : Buffer.concat([...parts, head], bytes + head.length);
    if (line.length === 0) return;
    if (this.needles.length === 0 || this.needles.some((n) => line.includes(n))) this.emit(line, 0, line.length, this.lines, sink);
  }

  /** Lines in `buf` from `from` (a line start) to the newline at `lastNl`. */
  private scanRegion(buf: Buffer, from: number, lastNl: number, sink: LineSink): void {
    if (this.needles.length === 0) {
      for (let start = from; start <= lastNl; ) {
        const nl = buf.indexOf(NL, start);
        this.lines += 1;
        this.emit(buf, start, nl, this.lines, sink);
        start = nl + 1;
      }
      return;
    }
    const next = this.needles.map((n) => buf.indexOf(n, from));
    let cursor = from;
    for (;;) {
      let hit = -1;
      for (const p of next) if (p !== -1 && p < lastNl && (hit === -1 || p < hit)) hit = p;
      if (hit === -1) break;
      const start = buf.lastIndexOf(NL, hit) + 1;
      const nl = buf.indexOf(NL, hit);
      this.lines += countNewlines(buf, cursor, start) + 1;
      this.emit(buf, start, nl, this.lines, sink);
      cursor = nl + 1;
      for (let i = 0; i < next.length; i++) if (next[i] !== -1 && next[i]! < cursor) next[i] = buf.indexOf(this.needles[i]!, cursor);
    }
    this.lines += countNewlines(buf, cursor, lastNl + 1);
  }

  private emit(buf: Buffer, start: number, end: number, lineNo: number, sink: LineSink): void {
    if (end > start && buf[end - 1] === CR) end -= 1;
    if (end === start) return; // a blank line carries nothing
    if (end - start > this.maxLineBytes) {
      this.onCut(lineNo);
      return;
    }
    sink(buf, start, end, lineNo);
  }
}

/** The first complete line of a chunk (at most `max` bytes of it), or null. */
export function firstLine(chunk: Buffer, max = 512): string | null {
  const nl = chunk.indexOf(NL);
  if (nl === -1) return null;
  return chunk.toString('latin1', 0, Math.min(nl, max));
}

/** The last complete line of a chunk (at most `max` bytes of it), or null when it has fewer than two newlines. */
export function lastLine(chunk: Buffer, max = 512): string | null {
  const nl = chunk.lastIndexOf(NL);
  if (nl <= 0) return null;
  const prev = chunk.lastIndexOf(NL, nl - 1);
  if (prev === -1) return null;
  return chunk.toString('latin1', prev + 1, Math.min(nl, prev + 1 + max));
}
