/**
 * Reads a Postfix queue file the way `postcat -e -h` does, without postcat: on the
 * scanned machine itself (root, LocalHost) a 100,000-message queue then costs no
 * process starts, no printed text to write, read back and split into lines, and the
 * scanner's second core stays free for showq's listing (issue 16).
 *
 * The format, from Postfix's source (global/record.c rec_get_raw(), rec_goto();
 * global/rec_type.h; postcat/postcat.c postcat()): a sequence of records, each a type
 * byte, a length as base-128 digits (low seven bits first, the high bit says another
 * digit follows, at most four digits), then that many data bytes. Reading follows
 * postcat with its default flags (REC_FLAG_DEFAULT):
 *
 * - 'p' pointer records are followed (a dummy pointer, offset 0, is not), at most
 *   10,000 backward jumps (rec_goto's loop guard); 'w' padding is skipped;
 * - 'M' starts the content, 'N'/'L' are text records ('L' = the line goes on in the
 *   next record), and the first text record that is neither a header nor a folded
 *   continuation starts the body: postcat -h stops printing there and seeks to the
 *   'X' record at data_offset + data_size (both from the 'C' record);
 * - 'X' starts the extracted records, 'E' ends the file.
 *
 * The records go into the same PostcatParser as postcat's printed lines (same limits,
 * same damage counting), so both ways in give equal QueuedMessages; `postcat-batch.ts`
 * stays the way for remote hosts and for IDs this reader could not open. Two places
 * where this reader is stricter than the printed text: a record's value never splits
 * into two "lines" (an address holding a newline cannot smuggle a second record in),
 * and the arrival time is the record's own seconds, not asctime() read back.
 *
 * Memory: one window of WINDOW bytes per reader, reused for every file; a record's
 * data is taken up to MAX_VALUE_BYTES (the rest skipped, the value marked cut), and
 * the body is never read when the size record says where it ends.
 */
import * as fs from 'node:fs';
import type { QueueId, QueuedMessage } from '../../domain/queue';
import { DEFAULT_MAX_LINE_BYTES } from '../../host/line-splitter';
import type { SkipTally } from '../skip-tally';
import type { PostcatParser } from './postcat-parser';
import { ByteNames, MAX_NAME_BYTES, type ReadSelection } from './read-selection';

/** bytes read at once; a typical queue file (envelope, headers, a small body) fits */
const WINDOW = 64 * 1024;
/** a record's value (or a header line) kept up to this, like postcat's lines are cut */
const MAX_VALUE_BYTES = DEFAULT_MAX_LINE_BYTES;
/** rec_goto(): REVERSE_JUMP_LIMIT */
const REVERSE_JUMP_LIMIT = 10_000;
/** more pointer jumps than this in one file is a loop, whatever their direction */
const JUMP_LIMIT = 1_000_000;

/** rec_type.h: REC_TYPE_ENVELOPE, the bytes a queue file may start with */
const ENVELOPE_TYPES = new Set([...'MCTcFILSDRO/WVA>K<ion'].map((c) => c.charCodeAt(0)));

const T = (c: string): number => c.charCodeAt(0);
const REC_SIZE = T('C');
const REC_TIME = T('T');
const REC_FROM = T('S');
const REC_DONE = T('D');
const REC_RCPT = T('R');
const REC_ORCP = T('O');
const REC_ATTR = T('A');
const REC_MESG = T('M');
const REC_CONT = T('L');
const REC_NORM = T('N');
const REC_DTXT = T('w');
const REC_XTRA = T('X');
const REC_PTR = T('p');
const REC_END = T('E');

/** The records PostcatParser reads, by the name postcat prints (rec_type.c). */
const NAMED: ReadonlyMap<number, string> = new Map([
  [REC_SIZE, 'message_size'],
  [REC_FROM, 'sender'],
  [REC_DONE, 'done_recipient'],
  [REC_RCPT, 'recipient'],
  [REC_ORCP, 'original_recipient'],
]);

export type QueueFileOutcome =
  /** read to its end record (the message may still be damaged) */
  | 'read'
  /** the name is gone: delivered, deleted, or moved to another queue since the listing */
  | 'vanished'
  /** root could not open it: the caller falls back to postcat, which says why */
  | 'denied'
  /** not a queue file (first byte), or not a regular file: nothing yielded */
  | 'not-queue-file'
  /** cut off or a broken record: the message so far was yielded, damaged */
  | 'damaged';

export interface QueueFileResult {
  outcome: QueueFileOutcome;
  message: QueuedMessage | null;
}

/** what decode() saw: 0 printable ASCII (tab allowed), 1 ASCII with control bytes, 2 not ASCII */
let decoded = 0;

/** Postfix's is_header(): printable ASCII but ':' for the name, optional blanks, then ':'. */
function startsHeader(b: Buffer, start: number, end: number): boolean {
  let i = start;
  while (i < end) {
    const c = b[i]!;
    if (c === 0x3a) return i > start; // ':' right after the name
    if (c === 0x20 || c === 0x09) {
      if (i === start) return false;
      while (i < end && (b[i] === 0x20 || b[i] === 0x09)) i++;
      return i < end && b[i] === 0x3a;
    }
    if (c < 0x21 || c > 0x7e) return false;
    i++;
  }
  return false;
}

/** O_NOFOLLOW: Postfix never puts a symlink into its queue directories; O_NONBLOCK: nor a FIFO. */
const OPEN_FLAGS = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK;

/** A queue file's first bytes (up to WINDOW) and its size, or why it could not be read. */
interface QueueFileHead {
  /** null, or an errno code ("ENOENT", ...) or "not a regular file" */
  error: string | null;
  bytes: Buffer;
  size: number;
}

/**
 * Opens, reads up to `scratch.length` bytes into it, closes. fstat only for a file that
 * fills it: most queue files are a few kB, and each system call counts at
 * 100,000 files. The bytes are `scratch`'s: copy them to keep them.
 */
function readQueueFileHead(absPath: string, scratch: Buffer): QueueFileHead {
  let fd: number;
  try {
    fd = fs.openSync(absPath, OPEN_FLAGS);
  } catch (e) {
    return { error: (e as NodeJS.ErrnoException).code ?? 'error', bytes: EMPTY, size: 0 };
  }
  try {
    const got = fs.readSync(fd, scratch, 0, scratch.length, 0);
    let size = got;
    if (got === scratch.length) {
      const st = fs.fstatSync(fd);
      if (!st.isFile()) return { error: 'not a regular file', bytes: EMPTY, size: 0 };
      size = st.size;
    }
    return { error: null, bytes: scratch.subarray(0, got), size };
  } catch (e) {
    return { error: (e as NodeJS.ErrnoException).code ?? 'error', bytes: EMPTY, size: 0 };
  } finally {
    fs.closeSync(fd);
  }
}

const EMPTY = Buffer.alloc(0);

/**
 * One reader per scan (not thread-safe, not reentrant): its window is reused for every
 * file. `read()` is synchronous on purpose: a queue file is a few kB, and a batch of
 * them is parsed as the scan iterates it, like a held postcat batch.
 */
export class QueueFileReader {
  private readonly window = Buffer.allocUnsafe(WINDOW);
  /** the file being read, opened again only when bytes past the first read are needed */
  private path = '';
  /** file offsets the window holds: [winStart, winEnd) */
  private winStart = 0;
  private winEnd = 0;
  private fd = -1;
  private size = 0;
  /** a header line being joined from 'L' pieces */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private pendingCut = false;
  /** with a selection (read-selection.ts): names judged from their bytes, the rest never decoded */
  private readonly attributeNames: ByteNames | null;
  private readonly headerNames: ByteNames | null;
  /** inside a header outside the selection: its folded lines and 'L' pieces are skipped too */
  private unreadHeader = false;

  /** `reads`: the parser's selection, if it has one (the same, or the two would disagree) */
  constructor(
    private readonly skipped: SkipTally,
    reads?: ReadSelection,
  ) {
    this.attributeNames = reads ? new ByteNames(reads.attributes, false) : null;
    this.headerNames = reads ? new ByteNames(reads.headerValues, true) : null;
  }

  /**
   * Reads `absPath` (relPath as postcat -q prints it: "deferred/A/ID") into `parser`.
   * Never throws for what the file holds or for a file that vanished.
   */
  read(absPath: string, relPath: string, parser: PostcatParser, queueId?: QueueId): QueueFileResult {
    // the file's first WINDOW bytes land in the window; the rest is read only when a
    // pointer or the extracted records lie beyond them
    const head = readQueueFileHead(absPath, this.window);
    if (head.error !== null) {
      const code = head.error;
      if (code === 'ENOENT') return { outcome: 'vanished', message: null };
      if (code === 'EACCES' || code === 'EPERM') return { outcome: 'denied', message: null };
      this.skipped.add('queued message', code === 'not a regular file' ? 'queue entry is not a regular file' : `queue file could not be read (${code})`);
      return { outcome: 'not-queue-file', message: null };
    }
    this.winStart = 0;
    this.winEnd = head.bytes.length;
    this.size = head.size;
    this.path = absPath;
    try {
      return this.records(relPath, parser, queueId);
    } finally {
      if (this.fd >= 0) fs.closeSync(this.fd);
      this.fd = -1;
      this.pending = [];
      this.pendingBytes = 0;
    }
  }

  /** Makes [pos, pos + n) readable in the window (n <= WINDOW); false past the end of the file. */
  private ensure(pos: number, n: number): boolean {
    if (pos + n > this.size) return false;
    if (pos >= this.winStart && pos + n <= this.winEnd) return true;
    try {
      if (this.fd < 0) this.fd = fs.openSync(this.path, OPEN_FLAGS);
      const got = fs.readSync(this.fd, this.window, 0, Math.min(WINDOW, this.size - pos), pos);
      this.winStart = pos;
      this.winEnd = pos + got;
    } catch {
      return false; // gone since its head was read: the message ends there, cut off
    }
    return pos + n <= this.winEnd;
  }

  private byteAt(pos: number): number {
    return this.ensure(pos, 1) ? this.window[pos - this.winStart]! : -1;
  }

  /** set by text(): the record was longer than what it returned */
  private lastCut = false;

  /** The record's data as text, at most MAX_VALUE_BYTES of it (lastCut says if cut). */
  private text(pos: number, len: number): string {
    const take = Math.min(len, MAX_VALUE_BYTES);
    this.lastCut = len > take;
    if (!this.ensure(pos, take)) {
      this.lastCut = true;
      return '';
    }
    const start = pos - this.winStart;
    return decode(this.window, start, start + take);
  }

  private records(relPath: string, parser: PostcatParser, queueId?: QueueId): QueueFileResult {
    const first = this.byteAt(0);
    if (first < 0 || !ENVELOPE_TYPES.has(first)) {
      // postcat: "input is not a valid queue file", and nothing printed
      this.skipped.add('queued message', 'not a valid queue file (first record)');
      return { outcome: 'not-queue-file', message: null };
    }
    parser.beginFile(relPath, queueId);
    this.unreadHeader = false;
    let state: 'envelope' | 'headers' | 'body' = 'envelope';
    let prevType = 0;
    let dataSize = -1;
    let dataOffset = -1;
    let lastTarget = 0;
    let reverseJumps = 0;
    let jumps = 0;
    const broken = (why: string): QueueFileResult => {
      this.skipped.add('queue file', why);
      return { outcome: 'damaged', message: parser.fileCutOff() };
    };
    let pos = 0;
    for (;;) {
      const type = this.byteAt(pos);
      if (type < 0) return broken('ended before its end record (still being written, or cut off)');
      // the length: base-128 digits, low first (rec_get_raw: at most 4 of them)
      let len = 0;
      let p = pos + 1;
      for (let shift = 0; ; shift += 7) {
        if (shift + 7 >= 32) return broken('record length with too many bits');
        const b = this.byteAt(p++);
        if (b < 0) return broken('ended inside a record length');
        len |= (b & 0x7f) << shift;
        if ((b & 0x80) === 0) break;
      }
      if (p + len > this.size) return broken('ended inside a record');
      const next = p + len;

      if (type === REC_PTR) {
        const target = Number(this.text(p, Math.min(len, 32)).trim());
        if (!Number.isSafeInteger(target) || target < 0 || target >= this.size) return broken('bad pointer record');
        if (target === 0) {
          pos = next; // a dummy pointer: room left for later edits
          continue;
        }
        if ((target <= lastTarget && ++reverseJumps > REVERSE_JUMP_LIMIT) || ++jumps > JUMP_LIMIT) return broken('pointer records loop');
        lastTarget = target;
        pos = target;
        continue;
      }
      if (type === REC_DTXT) {
        pos = next;
        continue;
      }
      if (type === REC_NORM || type === REC_CONT) {
        if (state === 'headers') {
          const lineStart = prevType !== REC_CONT;
          if (lineStart && this.ensure(p, Math.min(len, 256))) {
            const s = p - this.winStart;
            const e = s + Math.min(len, 256);
            const c = this.window[s];
            const folded = c === 0x20 || c === 0x09;
            const header = folded || startsHeader(this.window, s, e);
            if (!header && !(len > 256 && this.headerBeyond(p, len))) {
              // the body: postcat -h prints no more text; skip to the extracted records
              state = 'body';
              prevType = type;
              if (dataOffset > 0 && dataSize >= 0 && dataOffset + dataSize < this.size) {
                pos = dataOffset + dataSize;
                continue;
              }
              pos = next;
              continue;
            }
            if (!folded && this.headerNames) {
              this.unreadHeader = this.isUnreadHeader(s, e);
              if (this.unreadHeader && !parser.fileUnreadHeader()) state = 'body';
            }
          }
          if (this.unreadHeader) {
            // the unread header's own line, its 'L' pieces and its folded lines: not decoded
            prevType = type;
            pos = next;
            continue;
          }
          if (type === REC_NORM && this.pendingBytes === 0 && !this.pendingCut) {
            // a whole line in one record, the usual case: no copy
            const text = this.text(p, len);
            if (!parser.fileTextLine(stripCr(text), this.lastCut, decoded === 0)) state = 'body';
          } else {
            this.appendLine(p, len);
            if (type === REC_NORM && !this.emitLine(parser)) state = 'body';
          }
        } else if (state === 'envelope' && type === REC_CONT) {
          // 'L' in the envelope is REC_TYPE_FILT (content_filter): not read
        } else if (state === 'envelope') {
          this.skipped.add('queue file', 'text record in the envelope ignored');
        }
        prevType = type;
        pos = next;
        continue;
      }
      if (type === REC_MESG) {
        state = 'headers';
        this.unreadHeader = false;
        parser.fileMarker('MESSAGE CONTENTS');
      } else if (type === REC_XTRA) {
        this.unreadHeader = false;
        if (state === 'headers' && this.pendingBytes > 0) this.emitLine(parser); // postcat ends the line
        this.pending = [];
        this.pendingBytes = 0;
        state = 'envelope';
        parser.fileMarker('HEADER EXTRACTED');
      } else if (type === REC_END) {
        const done = parser.fileMarker('MESSAGE FILE END');
        if (done) return { outcome: 'read', message: done };
        return { outcome: 'damaged', message: parser.fileCutOff() };
      } else if (state === 'envelope') {
        this.envelopeRecord(type, p, len, parser);
        if (type === REC_SIZE && dataSize < 0 && dataOffset < 0) {
          const m = /^\s*(\d{1,15})\s+(\d{1,15})/.exec(this.text(p, Math.min(len, 64)));
          if (m) {
            dataSize = Number(m[1]);
            dataOffset = Number(m[2]);
          }
        }
      }
      prevType = type;
      pos = next;
    }
  }

  /**
   * A header line (window[s, e), not folded) whose name is outside the selection. Only a
   * name of at most MAX_NAME_BYTES is judged here; a longer one goes the full way (the
   * parser decides on the decoded name), so both ways agree.
   */
  private isUnreadHeader(s: number, e: number): boolean {
    const w = this.window;
    const limit = Math.min(e, s + MAX_NAME_BYTES + 1);
    for (let i = s; i < limit; i++) {
      const c = w[i]!;
      if (c === 0x3a || c === 0x20 || c === 0x09) return i > s && !this.headerNames!.has(w, s, i);
    }
    return false;
  }

  /**
   * A named_attribute outside the selection, judged from the name's bytes: only a plain
   * name (a-z, 0-9, '_') right before '='; anything else (blanks to trim, odd bytes) goes
   * the full way and the parser decides on the cleaned name.
   */
  private isUnreadAttribute(p: number, len: number): boolean {
    const n = Math.min(len, MAX_NAME_BYTES + 1);
    if (!this.ensure(p, n)) return false;
    const w = this.window;
    const s = p - this.winStart;
    for (let i = s; i < s + n; i++) {
      const c = w[i]!;
      if (c === 0x3d) return i > s && !this.attributeNames!.has(w, s, i);
      if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x5f)) return false;
    }
    return false;
  }

  /** is_header() on a long first record: the name may be up to its first ':' (rare; reads more). */
  private headerBeyond(p: number, len: number): boolean {
    const n = Math.min(len, WINDOW);
    if (!this.ensure(p, n)) return false;
    const s = p - this.winStart;
    return startsHeader(this.window, s, s + n);
  }

  private envelopeRecord(type: number, p: number, len: number, parser: PostcatParser): void {
    if (type === REC_TIME) {
      // REC_TYPE_TIME_SCAN: atol() of "seconds microseconds"
      const m = /^\s*([+-]?\d{1,15})/.exec(this.text(p, Math.min(len, 64)));
      parser.fileArrival(new Date((m ? Number(m[1]) : 0) * 1000));
      return;
    }
    if (type === REC_ATTR) {
      if (this.attributeNames && this.isUnreadAttribute(p, len)) return;
      const text = untilNul(this.text(p, len));
      const cut = this.lastCut;
      const nv = plainNameValue(text) ?? splitNameValue(text);
      if (nv === null) {
        this.skipped.add('postcat warning', 'malformed attribute');
        return;
      }
      if (nv.startsWith('create_time=')) return; // postcat prints it as a date; not read
      parser.fileRecord('named_attribute', nv, cut, decoded === 0);
      return;
    }
    const name = NAMED.get(type);
    if (!name) return; // full name, warn time, DSN, flags, ...: not read
    const text = this.text(p, len);
    parser.fileRecord(name, stripCr(untilNul(text)), this.lastCut, decoded === 0);
  }

  private appendLine(p: number, len: number): void {
    const room = MAX_VALUE_BYTES - this.pendingBytes;
    const take = Math.min(room, len);
    if (len > take) this.pendingCut = true;
    if (take <= 0 || !this.ensure(p, take)) return;
    const s = p - this.winStart;
    // copied: the window moves on before a long line is complete
    this.pending.push(Buffer.from(this.window.subarray(s, s + take)));
    this.pendingBytes += take;
  }

  /** Hands the joined line to the parser; false once the parser says the body began. */
  private emitLine(parser: PostcatParser): boolean {
    const buf = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    const cut = this.pendingCut;
    this.pending = [];
    this.pendingBytes = 0;
    this.pendingCut = false;
    const text = decode(buf, 0, buf.length);
    return parser.fileTextLine(stripCr(text), cut, decoded === 0);
  }
}

/** Bytes as the printed text's reader decodes them (UTF-8; ASCII the fast way), noting `decoded`. */
function decode(b: Buffer, start: number, end: number): string {
  let kind = 0;
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (c > 0x7e) {
      if (c > 0x7f) {
        decoded = 2;
        return b.toString('utf8', start, end);
      }
      kind = 1;
    } else if (c < 0x20 && c !== 0x09) kind = 1;
  }
  decoded = kind;
  return b.toString('latin1', start, end);
}

/** postcat prints records with "%s": a NUL byte ends the value. */
function untilNul(s: string): string {
  const i = s.indexOf('\0');
  return i < 0 ? s : s.slice(0, i);
}

/** The printed text's reader drops one CR before each newline; so do we. */
function stripCr(s: string): string {
  return s.length > 0 && s.charCodeAt(s.length - 1) === 13 ? s.slice(0, -1) : s;
}

/**
 * util/split_nameval.c: blanks around the name and the value go, the name ends at '='
 * or a blank; "name=value", or null when there is no name or no '='.
 */
export function splitNameValue(text: string): string | null {
  const m = /^[ \t\n\r\f\v]*([^= \t\n\r\f\v]+)[ \t\n\r\f\v]*=[ \t\n\r\f\v]*([\s\S]*?)[ \t\n\r\f\v]*$/.exec(text);
  return m ? `${m[1]!}=${m[2]!}` : null;
}

const isBlank = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);

/** The usual "name=value" with nothing to trim: as it is (no regex, no copy). */
function plainNameValue(text: string): string | null {
  const eq = text.indexOf('=');
  if (eq <= 0 || isBlank(text.charCodeAt(0)) || isBlank(text.charCodeAt(eq - 1))) return null;
  if (text.length > eq + 1 && (isBlank(text.charCodeAt(eq + 1)) || isBlank(text.charCodeAt(text.length - 1)))) return null;
  for (let i = 1; i < eq - 1; i++) if (isBlank(text.charCodeAt(i))) return null;
  return text;
}
