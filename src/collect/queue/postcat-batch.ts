/**
 * Reads many queue files with few processes: `postcat -e -h -q -- ID1 ID2 ...`.
 * One process per message costs ~100x more. The catch (postcat/postcat.c main()):
 *
 *   if (fp == 0) msg_fatal("open queue file %s: %m", argv[optind]);
 *
 * A message that left the queue after postqueue listed it is fatal and ends the whole
 * run: "postcat: fatal: open queue file AB2C4561DA6: No such file or directory", exit
 * status 1. postcat flushes stdout after every record, so everything for the IDs
 * before it is complete (checked against the real postcat 3.7). So: drop the vanished
 * ID, count it, and start a new batch with the IDs after it. Nothing else is lost.
 *
 * -e -h: envelope and headers only; postcat skips the body itself, so the spam text
 * never crosses the pipe. `--` ends the options before the IDs, and each ID is
 * validated again here: nothing unvalidated reaches a command line.
 */
import type { QueueId, QueuedMessage } from '../../domain/queue';
import type { Host, Line, RunResult } from '../../host/host';
import { DEFAULT_MAX_LINE_BYTES, splitText } from '../../host/line-splitter';
import { SpamtraceError } from '../../errors';
import type { SkipTally } from '../skip-tally';
import { PostcatParser, type PostcatParserOptions } from './postcat-parser';
import { parseQueueId } from './queue-id';
import { printable } from './rfc2047';

export const DEFAULT_BATCH_SIZE = 2000;
/** batches read ahead of the consumer, at most: each holds its whole output (~4 MB at 2,000 messages) */
export const READ_AHEAD = 3;
/** postcat processes at once: the scan's own parsing leaves about a core idle */
export const PARALLEL = 2;
/** one batch's output held in memory at most; beyond it the batch is streamed instead */
const BUFFERED_OUTPUT_BYTES = 32 * 1024 * 1024;

export interface PostcatBatchOptions {
  skipped: SkipTally;
  /** IDs per postcat process (default 500) */
  batchSize?: number;
  /** called after each message and each dropped ID: (IDs done, IDs in total) */
  onProgress?: (done: number, total: number) => void;
  /** per postcat process (default 10 minutes) */
  timeoutMs?: number;
  /** the postcat program; the collector passes command_directory's (default "postcat") */
  program?: string;
  parser?: Omit<PostcatParserOptions, 'skipped' | 'expectedIds'>;
}

/** "[/usr/sbin/]postcat: fatal: open queue file ID: No such file or directory" -> ID */
const VANISHED = /^(?:\S*\/)?postcat: fatal: open queue file (\S+): No such file or directory$/;
const ACCESS = /^(?:\S*\/)?postcat: fatal: .*(?:Permission denied|Operation not permitted)$/;
/**
 * Fatal errors postcat raises while reading one file, after its section began
 * (record read error, seek error, bad pointer record): that file is unreadable, the
 * files after it are not.
 */
const READ_FATAL = /^(?:\S*\/)?postcat: fatal: (?:record read error|seek error|bad pointer record|.*: skip \d+ bytes failed)/;

/** The line to show for a failure: the fatal one if any, else the first. Cleaned, short. */
export function postcatErrorLine(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const line = lines.find((l) => / fatal: /.test(l)) ?? lines[0] ?? '';
  return printable(line).slice(0, 300);
}

/** The queue ID named by postcat's "No such file or directory" fatal line, if that is what ended it. */
export function vanishedIdOf(stderr: string): string | null {
  for (const l of stderr.split('\n')) {
    const m = VANISHED.exec(l.trim());
    if (m) return m[1]!;
  }
  return null;
}

function countWarnings(stderr: string, skipped: SkipTally): void {
  for (const raw of stderr.split('\n')) {
    const l = raw.trim();
    if (!/ warning: /.test(l)) continue;
    // One tally row per kind of warning, not per message: paths and IDs are replaced.
    const kind = printable(l.replace(/^\S*postcat: warning: /, ''))
      .replace(/[^\s:]*\/[^\s:]*/g, 'FILE')
      .replace(/\b[0-9A-Za-z]{6,30}\b(?=:)/g, 'ID')
      .slice(0, 120);
    skipped.add('postcat warning', kind);
  }
}

/**
 * Streams the messages for `ids` in order, batch by batch. IDs that vanish are counted
 * ('queued message' / 'left the queue between listing and postcat'), never thrown.
 * Throws SpamtraceError for failures that would repeat for every ID.
 */
export function readQueuedMessages(host: Host, ids: readonly QueueId[], options: PostcatBatchOptions): AsyncGenerator<QueuedMessage> {
  const reader = new PostcatReader(host, options);
  reader.add(ids);
  reader.close();
  return reader.messages();
}

/**
 * Runs postcat batches in the background, PARALLEL processes at a time, up to READ_AHEAD
 * batches ahead of the consumer. Started early (before postqueue has finished
 * listing), it overlaps reading with listing; later IDs can still be added.
 *
 * postcat flushes after every record: into a pipe that is ~900,000 small writes for
 * 20,000 messages. Each batch's output goes through a private file instead, and is read
 * whole while the next postcat runs. A batch whose output is too large to hold
 * (hostile, huge headers) is read again as a stream.
 */
export class PostcatReader {
  private readonly waiting: QueueId[][] = [];
  private readonly ahead: { batch: QueueId[]; ready: Promise<ReadBatch> }[] = [];
  private readonly unique = new Set<string>();
  private running = 0;
  /** no more IDs will be added (and why not, if it failed) */
  private closed: { error?: unknown } | null = null;
  private wake: (() => void) | null = null;
  private total = 0;
  private done = 0;
  private readonly batchSize: number;
  private readonly program: string;
  private readonly runOptions: { timeoutMs: number };

  constructor(
    private readonly host: Host,
    private readonly options: PostcatBatchOptions,
  ) {
    this.batchSize = Math.max(1, Math.min(5_000, Math.floor(options.batchSize ?? DEFAULT_BATCH_SIZE)));
    this.program = options.program ?? 'postcat';
    this.runOptions = { timeoutMs: options.timeoutMs ?? 10 * 60_000 };
  }

  /** Queues IDs for reading (validated, each once) and starts reading if idle. */
  add(ids: readonly QueueId[]): void {
    const fresh: QueueId[] = [];
    for (const id of ids) {
      // QueueId is a brand, and a cast can fake a brand: check again at the boundary.
      if (parseQueueId(id) !== id) {
        this.options.skipped.add('queue ID', 'not a valid Postfix queue ID: never passed to postcat');
        continue;
      }
      if (this.unique.has(id)) continue;
      this.unique.add(id);
      fresh.push(id);
    }
    this.total += fresh.length;
    for (let i = 0; i < fresh.length; i += this.batchSize) this.waiting.push(fresh.slice(i, i + this.batchSize));
    this.pump();
    this.wakeUp();
  }

  /** No more IDs come; with an error, the consumer gets it instead of the end. */
  close(error?: unknown): void {
    this.closed = error === undefined ? {} : { error };
    // no more IDs to tell apart: a 200,000-ID set need not live to the end of the scan
    this.unique.clear();
    this.wakeUp();
  }

  private wakeUp(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  /** Was this ID added? (Until close(): then every ID is forgotten.) */
  has(id: string): boolean {
    return this.unique.has(id);
  }

  private args(batch: readonly QueueId[]): string[] {
    return ['-e', '-h', '-q', '--', ...batch];
  }

  /** Starts postcat runs while fewer than PARALLEL run and not too many wait to be consumed. */
  private pump(): void {
    while (this.running < PARALLEL && this.ahead.length < READ_AHEAD && this.waiting.length > 0) this.launch();
  }

  private launch(): void {
    const batch = this.waiting.shift()!;
    this.running += 1;
    const ready = this.host
      .run(this.program, this.args(batch), { ...this.runOptions, maxOutputBytes: BUFFERED_OUTPUT_BYTES, outputViaFile: true })
      .then((result) => this.parse(result))
      .finally(() => {
        this.running -= 1;
        this.pump();
      });
    ready.catch(() => undefined); // the consumer sees the error when it reaches this batch
    this.ahead.push({ batch, ready });
  }

  /**
   * Keeps a finished batch's output as one string; the consumer parses it message by
   * message. Parsing 2,000 messages up front kept them alive across several young-generation
   * collections: promoted to the old generation, they were most of the scan's peak memory.
   */
  private parse(result: RunResult): ReadBatch {
    if (result.truncated) return { stream: true, result: null };
    return { stream: false, result };
  }

  /** Settles how postcat ended; a vanished ID puts the rest of its batch back in front. */
  private afterRun(batch: QueueId[], result: RunResult, reader: BatchReader): void {
    const stop = settle(result, batch, reader, this.options.skipped, this.program, this.options.timeoutMs, (n) => this.progress(n));
    if (stop !== null && stop + 1 < batch.length) this.waiting.unshift(batch.slice(stop + 1));
  }

  /** Messages read another way (queue files read directly) count in this progress too. */
  expectElsewhere(n: number): void {
    this.total += n;
  }

  countDoneElsewhere(n: number): void {
    this.progress(n);
  }

  private progress(n: number): void {
    this.done += n;
    this.options.onProgress?.(this.done, this.total);
  }

  /** Every message, one at a time (see batches(): the scan's faster way in). */
  async *messages(): AsyncGenerator<QueuedMessage> {
    for await (const batch of this.batches()) yield* batch;
  }

  /**
   * The messages batch by batch. A batch held in memory is parsed synchronously as the
   * consumer iterates it, message by message: no promise per line or per message (at
   * 100,000 messages those were ~4 million microtasks). The consumer iterates each batch
   * before asking for the next; whatever it leaves is read through here, so the batch's
   * ending (a vanished ID, the progress) is always settled.
   */
  async *batches(): AsyncGenerator<Iterable<QueuedMessage>> {
    for (;;) {
      this.pump();
      if (this.closed?.error !== undefined) throw this.closed.error;
      if (this.ahead.length === 0) {
        if (this.closed) return;
        await new Promise<void>((resolve) => (this.wake = resolve)); // more IDs, or the end
        continue;
      }
      const { batch, ready } = this.ahead.shift()!;
      this.pump();
      const read = await ready;
      const reader = new BatchReader(batch, this.options.skipped, this.options.parser);
      if (read.result) {
        const result = read.result;
        const parsed = this.parseHeld(reader, splitText(result.stdout, DEFAULT_MAX_LINE_BYTES));
        // no return(): a consumer that stops early does not close it, the rest is read below
        yield { [Symbol.iterator]: () => ({ next: () => parsed.next() }) };
        for (let r = parsed.next(); !r.done; r = parsed.next()); // what the consumer left
        this.afterRun(batch, result, reader);
        continue;
      }
      // Too large to hold: read this batch again, line by line.
      const run = this.host.runLines(this.program, this.args(batch), this.runOptions);
      for await (const m of this.drain(reader, run.lines)) yield [m];
      this.afterRun(batch, await run.done, reader);
    }
  }

  /** A held batch's messages, parsed as they are asked for. */
  private *parseHeld(reader: BatchReader, lines: Iterable<Line>): Generator<QueuedMessage> {
    let n = 0;
    for (const line of lines) {
      const m = reader.push(line);
      if (m) {
        yield m;
        // progress every 100 messages, not each: a callback per message showed in the profile
        if (++n === 100) {
          this.progress(n);
          n = 0;
        }
      }
    }
    const last = reader.end();
    if (last) {
      yield last;
      n++;
    }
    if (n > 0) this.progress(n);
  }

  /** One streamed batch's lines through its reader: each message yielded as soon as it is complete. */
  private async *drain(reader: BatchReader, lines: AsyncIterable<Line>): AsyncGenerator<QueuedMessage> {
    for await (const line of lines) {
      const m = reader.push(line);
      if (m) {
        yield m;
        this.progress(1);
      }
    }
    const last = reader.end();
    if (last) {
      yield last;
      this.progress(1);
    }
  }
}

interface ReadBatch {
  /** the output was too large to hold: the consumer streams the batch instead */
  stream: boolean;
  /** the finished run, its output held (null when streamed) */
  result: RunResult | null;
}

/** Parses one batch's output, keeping only messages asked for, each once. */
class BatchReader {
  private readonly parser: PostcatParser;
  private readonly expected: Set<string>;
  readonly seen = new Set<string>();
  inProgressAtEnd: QueueId | null = null;

  constructor(batch: readonly QueueId[], private readonly skipped: SkipTally, parser: PostcatBatchOptions['parser']) {
    this.expected = new Set<string>(batch);
    this.parser = new PostcatParser({ ...parser, skipped, expectedIds: this.expected });
  }

  push(line: Line): QueuedMessage | null {
    return this.accept(this.parser.push(line));
  }

  end(): QueuedMessage | null {
    this.inProgressAtEnd = this.parser.inProgress;
    return this.accept(this.parser.end());
  }

  private accept(m: QueuedMessage | null): QueuedMessage | null {
    if (!m) return null;
    if (!this.expected.has(m.queueId)) {
      this.skipped.add('postcat output', 'a message that was not asked for ignored');
      return null;
    }
    if (this.seen.has(m.queueId)) {
      this.skipped.add('postcat output', 'the same message printed twice ignored');
      return null;
    }
    this.seen.add(m.queueId);
    return m;
  }
}

/**
 * Reads how postcat ended. Returns null when the batch is done, or the index of the ID
 * that stopped it (vanished or unreadable): the IDs after it still need reading.
 * Throws for failures that would repeat for every ID.
 */
function settle(
  result: RunResult,
  batch: readonly QueueId[],
  reader: BatchReader,
  skipped: SkipTally,
  program: string,
  timeoutMs: number | undefined,
  progress: (n: number) => void,
): number | null {
  if (result.spawnError) {
    if (result.spawnError.code === 'ENOENT') throw new SpamtraceError('E_POSTFIX_MISSING', `${program} was not found`);
    throw new SpamtraceError('E_POSTCAT_FAILED', `${program} could not be started: ${result.spawnError.code}`);
  }
  if (result.timedOut) {
    throw new SpamtraceError('E_POSTCAT_FAILED', `postcat did not finish within ${Math.round((timeoutMs ?? 600_000) / 1000)} s`);
  }
  countWarnings(result.stderr, skipped);
  const notPrinted = (upTo: number): void => {
    const missing = batch.slice(0, upTo).filter((id) => !reader.seen.has(id)).length;
    if (missing > 0) {
      skipped.add('queued message', 'postcat printed nothing for it (not a valid queue file?)', missing);
      progress(missing);
    }
  };
  if (result.code === 0) {
    notPrinted(batch.length);
    return null;
  }
  const fatal = postcatErrorLine(result.stderr);
  const vanished = vanishedIdOf(result.stderr);
  const inProgress = reader.inProgressAtEnd;
  let stop = vanished !== null ? batch.indexOf(vanished as QueueId) : -1;
  if (stop >= 0) {
    skipped.add('queued message', 'left the queue between listing and postcat (vanished)');
  } else if (ACCESS.test(fatal)) {
    throw new SpamtraceError('E_NOT_ROOT', `postcat cannot open the queue: ${fatal}`, fatal);
  } else if (READ_FATAL.test(fatal) && inProgress !== null && (stop = batch.indexOf(inProgress)) >= 0) {
    skipped.add('queued message', 'postcat could not read its queue file (damaged)');
  } else {
    const why = fatal || `exit status ${String(result.code ?? result.signal)}`;
    throw new SpamtraceError('E_POSTCAT_FAILED', `postcat failed: ${why}`, why);
  }
  notPrinted(stop);
  // The stopped ID may have been yielded (damaged, cut off): count it as done once.
  if (!reader.seen.has(batch[stop]!)) progress(1);
  return stop;
}
