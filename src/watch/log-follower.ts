/**
 * Follows the mail log as Postfix (or syslog) writes it, like `tail -F`, and remembers
 * where it stopped so a restart neither reads a line twice nor misses one.
 *
 * - Rotation (logrotate's rename, `postfix logrotate`): the path names a new inode. The old
 *   file is read to its end first (Postfix may have written its last lines after the
 *   rename), then the new one from its start.
 * - Truncation (copytruncate, `> mail.log`): the file is shorter than our offset; reading
 *   restarts at 0.
 * - Resume: the position (device, inode, offset, a hash of the file's first bytes) is saved
 *   after the lines before it were handled. At start, the same inode with the same first
 *   bytes resumes at the offset; if the path is a new file, the rotated sibling holding the
 *   saved inode (`mail.log.1`, `mail.log-20240205`) is finished first. Compressed rotations
 *   are not read: a watcher stopped for longer than a rotation cycle says so.
 *
 * Polling, not inotify: one fstat per interval works on every filesystem (overlay, NFS,
 * containers) and costs nothing at a 250 ms pace. Only complete lines are handed out; a
 * line still being written waits for its newline. This runs on the mail server itself, so
 * it reads through `fs` rather than the Host interface (which has no "read from offset").
 */
import { createHash } from 'node:crypto';
import { promises as fs, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface FollowPosition {
  dev: number;
  ino: number;
  offset: number;
  /** sha256 of the file's first HEAD_BYTES bytes (or fewer, while it is that small) */
  head: string;
  headBytes: number;
}

export interface FollowedLine {
  text: string;
  /** the file it came from, for evidence */
  file: string;
}

export interface FollowerOptions {
  path: string;
  /** where the position is kept between runs; none = start at the end, keep nothing */
  statePath?: string;
  /** without a saved position: 'end' (default, the live edge) or 'start' */
  startAt?: 'end' | 'start';
  /** longer lines are cut (Postfix's own are far below) */
  maxLineBytes?: number;
  /** bytes read per call */
  chunkBytes?: number;
}

export interface FollowerNote {
  kind: 'rotated' | 'truncated' | 'resumed' | 'resume-lost' | 'missing' | 'cut';
  text: string;
}

const HEAD_BYTES = 256;
const DEFAULT_MAX_LINE = 32 * 1024;
const DEFAULT_CHUNK = 256 * 1024;

interface Open {
  fh: fs.FileHandle;
  path: string;
  dev: number;
  ino: number;
  offset: number;
  head: string;
  headBytes: number;
}

export class LogFollower {
  private cur: Open | null = null;
  /** bytes after the last newline: a line still being written */
  private partial: Buffer = Buffer.alloc(0);
  private started = false;
  readonly notes: FollowerNote[] = [];
  /** lines handed out, bytes read: for the bench and status */
  lines = 0;
  bytes = 0;

  constructor(private readonly o: FollowerOptions) {}

  /**
   * Reads what was appended since the last call (across a rotation or truncation) and
   * returns the complete lines. Call `save()` after handling them.
   */
  async poll(): Promise<FollowedLine[]> {
    const out: FollowedLine[] = [];
    if (!this.started) {
      this.started = true;
      await this.start(out);
    }
    const st = await statOrNull(this.o.path);
    if (this.cur && st && (st.ino !== this.cur.ino || st.dev !== this.cur.dev)) {
      // rotated: finish the old file, then the new one from its start
      await this.drain(out);
      this.note('rotated', `${this.o.path} was rotated: read the old file to its end, now following the new one`);
      await this.close();
      await this.openAt(this.o.path, st, 0);
    } else if (!this.cur && st) {
      await this.openAt(this.o.path, st, 0);
    }
    if (this.cur) {
      const size = (await this.cur.fh.stat()).size;
      if (size < this.cur.offset) {
        this.note('truncated', `${this.cur.path} was truncated (${size} < ${this.cur.offset} bytes): reading it from the start`);
        this.cur.offset = 0;
        this.partial = Buffer.alloc(0);
      }
      await this.drain(out);
    }
    return out;
  }

  /** The position after the last complete line handed out; null before a file was opened. */
  position(): FollowPosition | null {
    if (!this.cur) return null;
    return { dev: this.cur.dev, ino: this.cur.ino, offset: this.cur.offset - this.partial.length, head: this.cur.head, headBytes: this.cur.headBytes };
  }

  /** Writes the position (atomically) so a restart resumes after the lines already handled. */
  async save(): Promise<void> {
    const p = this.position();
    if (!this.o.statePath || !p) return;
    const tmp = `${this.o.statePath}.${process.pid}.tmp`;
    await fs.mkdir(dirname(this.o.statePath), { recursive: true, mode: 0o700 });
    await fs.writeFile(tmp, JSON.stringify({ path: this.o.path, ...p }) + '\n', { mode: 0o600 });
    await fs.rename(tmp, this.o.statePath);
  }

  async close(): Promise<void> {
    const c = this.cur;
    this.cur = null;
    this.partial = Buffer.alloc(0);
    if (c) await c.fh.close().catch(() => undefined);
  }

  private async start(out: FollowedLine[]): Promise<void> {
    const saved = await this.loadState();
    const st = await statOrNull(this.o.path);
    if (!st) this.note('missing', `${this.o.path} does not exist (yet): waiting for it`);
    if (saved) {
      if (st && st.ino === saved.ino && st.dev === saved.dev && st.size >= saved.offset && (await headOf(this.o.path, saved.headBytes)) === saved.head) {
        await this.openAt(this.o.path, st, saved.offset);
        this.note('resumed', `resumed ${this.o.path} at byte ${saved.offset}`);
        return;
      }
      const rotated = await this.findRotated(saved);
      if (rotated) {
        await this.openAt(rotated.path, rotated.st, saved.offset);
        await this.drain(out);
        this.note('resumed', `resumed in the rotated ${rotated.path} at byte ${saved.offset}, then ${this.o.path} from its start`);
        await this.close();
        if (st) await this.openAt(this.o.path, st, 0);
        return;
      }
      this.note('resume-lost', `the saved position (inode ${saved.ino}) is in neither ${this.o.path} nor an uncompressed rotation beside it: reading ${this.o.path} from its start`);
      if (st) await this.openAt(this.o.path, st, 0);
      return;
    }
    if (st) await this.openAt(this.o.path, st, this.o.startAt === 'start' ? 0 : st.size);
  }

  private async findRotated(saved: FollowPosition): Promise<{ path: string; st: Stats } | null> {
    const dir = dirname(this.o.path);
    const base = basename(this.o.path);
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch {
      return null;
    }
    for (const n of names) {
      if (n === base || !n.startsWith(base) || /\.(gz|bz2|xz|zst)$/.test(n)) continue;
      const p = join(dir, n);
      const st = await statOrNull(p);
      if (st && st.isFile() && st.ino === saved.ino && st.dev === saved.dev && st.size >= saved.offset && (await headOf(p, saved.headBytes)) === saved.head) {
        return { path: p, st };
      }
    }
    return null;
  }

  private async loadState(): Promise<FollowPosition | null> {
    if (!this.o.statePath) return null;
    try {
      const j = JSON.parse(await fs.readFile(this.o.statePath, 'utf8')) as Partial<FollowPosition> & { path?: string };
      if (j.path !== this.o.path || typeof j.ino !== 'number' || typeof j.dev !== 'number' || typeof j.offset !== 'number' || typeof j.head !== 'string' || typeof j.headBytes !== 'number') return null;
      return { dev: j.dev, ino: j.ino, offset: j.offset, head: j.head, headBytes: j.headBytes };
    } catch {
      return null;
    }
  }

  private async openAt(path: string, st: Stats, offset: number): Promise<void> {
    const fh = await fs.open(path, 'r');
    const headBytes = Math.min(HEAD_BYTES, st.size);
    this.cur = { fh, path, dev: st.dev, ino: st.ino, offset, head: await headOf(path, headBytes), headBytes };
    this.partial = Buffer.alloc(0);
  }

  /** Reads from the offset to the current end, splitting complete lines. */
  private async drain(out: FollowedLine[]): Promise<void> {
    const c = this.cur;
    if (!c) return;
    const chunk = Buffer.alloc(this.o.chunkBytes ?? DEFAULT_CHUNK);
    for (;;) {
      const { bytesRead } = await c.fh.read(chunk, 0, chunk.length, c.offset);
      if (bytesRead === 0) break;
      c.offset += bytesRead;
      this.bytes += bytesRead;
      if (c.headBytes < HEAD_BYTES && c.offset > c.headBytes) {
        // the file was smaller than the fingerprint when opened: widen it now
        const size = Math.min(HEAD_BYTES, c.offset);
        c.head = await headOf(c.path, size);
        c.headBytes = size;
      }
      this.split(chunk.subarray(0, bytesRead), c.path, out);
      if (bytesRead < chunk.length) break;
    }
  }

  private split(bytes: Buffer, file: string, out: FollowedLine[]): void {
    const max = this.o.maxLineBytes ?? DEFAULT_MAX_LINE;
    // split on bytes, decode whole lines: a multi-byte character never straddles two reads
    const data = this.partial.length ? Buffer.concat([this.partial, bytes]) : bytes;
    let from = 0;
    let nl: number;
    while ((nl = data.indexOf(0x0a, from)) !== -1) {
      let end = nl;
      if (end > from && data[end - 1] === 0x0d) end -= 1;
      let line = data.subarray(from, end);
      from = nl + 1;
      if (line.length > max) {
        this.note('cut', `a line longer than ${max} bytes in ${file} was cut`);
        line = line.subarray(0, max);
      }
      out.push({ text: line.toString('utf8'), file });
      this.lines += 1;
    }
    // copy: a view would keep the whole read buffer alive
    this.partial = Buffer.from(data.subarray(from));
  }

  private note(kind: FollowerNote['kind'], text: string): void {
    this.notes.push({ kind, text });
    if (this.notes.length > 100) this.notes.shift();
  }
}

async function statOrNull(path: string): Promise<Stats | null> {
  try {
    const st = await fs.stat(path);
    return st.isFile() ? st : null;
  } catch {
    return null;
  }
}

async function headOf(path: string, bytes: number): Promise<string> {
  const h = createHash('sha256');
  if (bytes > 0) {
    const fh = await fs.open(path, 'r');
    try {
      const buf = Buffer.alloc(bytes);
      const { bytesRead } = await fh.read(buf, 0, bytes, 0);
      h.update(buf.subarray(0, bytesRead));
    } finally {
      await fh.close();
    }
  }
  return h.digest('hex');
}
