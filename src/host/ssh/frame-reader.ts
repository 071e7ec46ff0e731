/**
 * Cuts the agent's output stream into answers (see agent-script.ts): stdout bytes up to
 * `NONCE:`, the status up to the newline, stderr up to `NONCE;\n`. Bytes are handed on
 * as they arrive, except the last few that could be the start of the marker, so a
 * multi-gigabyte log streams through in constant memory. Pure: fed chunks, no I/O.
 */

export interface FrameSink {
  stdout(chunk: Buffer): void;
  /** the answer is complete */
  end(status: number, stderr: Buffer): void;
}

type State = 'stdout' | 'status' | 'stderr';

const MAX_STATUS_BYTES = 16;
const MAX_STDERR_BYTES = 70 * 1024;

export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);
  private state: State = 'stdout';
  private sink: FrameSink | null = null;
  private outMark = Buffer.alloc(0);
  private errMark = Buffer.alloc(0);
  private status = 0;

  /** Expect the answer for `nonce`; bytes before a call to expect() are a protocol error. */
  expect(nonce: string, sink: FrameSink): void {
    if (this.sink) throw new Error('FrameReader: an answer is still being read');
    this.sink = sink;
    this.state = 'stdout';
    this.outMark = Buffer.from(`${nonce}:`);
    this.errMark = Buffer.from(`${nonce};\n`);
    if (this.pending.length > 0) this.feed(Buffer.alloc(0));
  }

  get busy(): boolean {
    return this.sink !== null;
  }

  /** Returns an error message when the stream cannot be an answer (the session is then unusable). */
  feed(chunk: Buffer): string | null {
    let buf = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = Buffer.alloc(0);
    while (buf.length > 0) {
      const sink = this.sink;
      if (!sink) {
        this.pending = buf;
        return 'the remote shell wrote outside an answer';
      }
      if (this.state === 'stdout') {
        const at = buf.indexOf(this.outMark);
        if (at === -1) {
          // hold back what could be the first bytes of the marker
          const keep = Math.min(buf.length, this.outMark.length - 1);
          if (buf.length > keep) sink.stdout(buf.subarray(0, buf.length - keep));
          this.pending = Buffer.from(buf.subarray(buf.length - keep));
          return null;
        }
        if (at > 0) sink.stdout(buf.subarray(0, at));
        buf = buf.subarray(at + this.outMark.length);
        this.state = 'status';
        continue;
      }
      if (this.state === 'status') {
        const nl = buf.indexOf(0x0a);
        if (nl === -1) {
          if (buf.length > MAX_STATUS_BYTES) return 'the remote shell sent a malformed status';
          this.pending = Buffer.from(buf);
          return null;
        }
        const text = buf.subarray(0, nl).toString('latin1');
        if (!/^\d{1,3}$/.test(text)) return `the remote shell sent a malformed status: ${JSON.stringify(text.slice(0, 16))}`;
        this.status = Number(text);
        buf = buf.subarray(nl + 1);
        this.state = 'stderr';
        continue;
      }
      const at = buf.indexOf(this.errMark);
      if (at === -1) {
        if (buf.length > MAX_STDERR_BYTES) return 'the remote shell sent more error output than it may';
        this.pending = Buffer.from(buf);
        return null;
      }
      const stderr = Buffer.from(buf.subarray(0, at));
      buf = buf.subarray(at + this.errMark.length);
      this.sink = null;
      this.state = 'stdout';
      sink.end(this.status, stderr);
    }
    return null;
  }
}
