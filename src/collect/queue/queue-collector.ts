/**
 * The queue collector: what is in the Postfix queue, and every message's envelope and
 * headers. Live, it asks Postfix (postconf, postqueue -j or -p, batched postcat);
 * offline, it reads what an admin saved. Either way the listing is an array (one small
 * entry per message) and the messages are a stream: a 100,000-message queue is never
 * held as QueuedMessage objects at once.
 *
 * Postfix's own words we sort failures by (postqueue/postqueue.c, 3.7 binary):
 * - "postqueue: fatal: Queue report unavailable - mail system is down (Connect to the
 *   Postfix showq service: ...)" (non-root), or for root "postqueue: warning: Mail
 *   system is down -- accessing queue directly (...)" followed by a listing or a fatal
 *   error: E_POSTFIX_DOWN only when no listing came.
 * - "postqueue: fatal: User NAME(UID) is not allowed to view the mail queue"
 *   (authorized_mailq_users): E_NOT_ROOT.
 * - Postfix < 3.1 has no -j: glibc getopt says "postqueue: invalid option -- 'j'",
 *   then "postqueue: fatal: usage: postqueue -f | ..." (exit 64): we use -p.
 */
import type { QueueId, QueueListingEntry, QueuedMessage } from '../../domain/queue';
import type { Host, Line } from '../../host/host';
import { SpamtraceError, isSpamtraceError, type ErrorCode } from '../../errors';
import { SkipTally } from '../skip-tally';
import { PostconfValues } from '../postconf-values';
import { PostcatReader, DEFAULT_BATCH_SIZE } from './postcat-batch';
import { parseQueueId } from './queue-id';
import { parsePostcat } from './postcat-parser';
import { SpoolFiles, type SpoolDir } from './spool-files';
import { LocalHost } from '../../host/local-host';
import { PostqueueJsonParser } from './postqueue-json';
import { PostqueueTextParser } from './postqueue-text';
import { printable } from './rfc2047';
import type { ReadSelection } from './read-selection';

export type QueueSource =
  | { mode: 'live' }
  | {
      mode: 'offline';
      /** saved `postqueue -j` or `postqueue -p` output */
      queueFile: string | null;
      /** saved, concatenated `postcat -q ID` / `postcat -e -h -q ID...` output */
      postcatFile: string | null;
    };

export interface CollectOptions {
  batchSize?: number;
  /** live: the time of the listing, for placing year-less `postqueue -p` dates */
  now?: Date;
  /** offline: when the saved listing was taken (default: the file's modification time) */
  listingTime?: Date;
  /** the listing host's UTC offset in minutes for year-less dates (default: local time) */
  utcOffsetMinutes?: number;
  /** messages read so far, of the messages listed */
  onProgress?: (done: number, total: number) => void;
  /** per Postfix command (default 10 minutes) */
  timeoutMs?: number;
  /**
   * live: return as soon as messages can be read, before postqueue has listed the queue;
   * `listed` settles when the listing fields are filled. Lets the caller trace messages
   * while the listing runs.
   */
  early?: boolean;
  /**
   * live: each listing entry is handed here as it is parsed and not kept (`listing` stays
   * empty), so a 100,000-message listing never sits in memory as entries. Offline
   * listings are always kept in `listing`.
   */
  onListed?: (entry: QueueListingEntry) => void;
  /** live: the scan's shared main.cf values (asked together with the other stages'); default: asked here */
  postconf?: PostconfValues;
  /**
   * live, with onListed: the caller reads only delay reasons from the listing, so a message
   * read from its queue file whose `postqueue -j` line has none is not handed to onListed
   * (its line is not even parsed)
   */
  listingForDelayReasonsOnly?: boolean;
  /**
   * only these attributes and header values are read of each message (read-selection.ts),
   * live and offline alike; default: everything
   */
  reads?: ReadSelection;
}

export interface QueueCollection {
  /** `postconf -h mail_version`; null offline or when postconf did not say */
  postfixVersion: string | null;
  /**
   * uid of Postfix's mail_owner (the spool's owner): `postsuper -r` re-submits through
   * pickup as this user. Null offline or when the spool could not be read.
   */
  mailOwnerUid?: number | null;
  /** where the listing came from, for the report: "postqueue -j", "file /x (postqueue -p)" */
  queueSource: string;
  listing: QueueListingEntry[];
  /** the text trailer's "in M Requests" (may exceed the entries when a paste was cut) */
  reportedTotal: number | null;
  messages: AsyncIterable<QueuedMessage>;
  /**
   * The same messages in batches, each iterated synchronously (live: one postcat batch,
   * parsed as it is iterated). Read either this or `messages`, not both.
   */
  batches: AsyncIterable<Iterable<QueuedMessage>>;
  skipped: SkipTally;
  /** messages read from their queue files directly so far (the rest came through postcat) */
  readDirectly?: () => number;
  /** what Postfix warned about while answering (e.g. "Mail system is down -- accessing queue directly") */
  warnings: string[];
  /**
   * Settles when listing, reportedTotal, queueSource and warnings are final (rejects with
   * the listing's error). Already settled unless `early` was asked for.
   */
  listed: Promise<void>;
}

/** `postqueue -j` lines can be long (one line per message, all recipients). */
const JSON_LINE_BYTES = 1024 * 1024;
const TEXT_LINE_BYTES = 64 * 1024;
/** Lines looked at before a saved listing's format is decided. */
const SNIFF_LINES = 50;

export async function collectQueue(host: Host, source: QueueSource, options: CollectOptions = {}): Promise<QueueCollection> {
  return source.mode === 'live' ? collectLive(host, options) : collectOffline(host, source, options);
}

/** The PostcatParser settings every way of reading messages shares (files, postcat, a saved file). */
function parserSettings(options: CollectOptions): { utcOffsetMinutes?: number; reads?: ReadSelection } {
  return {
    ...(options.utcOffsetMinutes !== undefined ? { utcOffsetMinutes: options.utcOffsetMinutes } : {}),
    ...(options.reads ? { reads: options.reads } : {}),
  };
}

// ---- live ---------------------------------------------------------------------------

interface PostfixInfo {
  version: string | null;
  /** queue_directory, null when postconf did not say */
  queueDir: string | null;
  /** where postqueue and postcat live (command_directory), null: rely on PATH */
  commandDir: string | null;
}

/** The parameters the live collector reads (a scan announces them to its shared PostconfValues). */
export const QUEUE_PARAMETERS = ['mail_version', 'command_directory', 'queue_directory'] as const;

/**
 * Postfix's version and paths. Expanded where Postfix can (a `$name` in a path is no
 * path); Postfix < 2.10 gives them as written, which for these is what they are.
 */
async function postfixInfo(postconf: PostconfValues): Promise<PostfixInfo> {
  const r = await postconf.get(QUEUE_PARAMETERS, { expanded: false });
  if (r === 'missing') throw new SpamtraceError('E_POSTFIX_MISSING', 'postconf was not found: is Postfix installed?');
  if (r === 'failed') return { version: null, commandDir: null, queueDir: null };
  const [version, dir, queueDir] = r.values;
  const safeDir = (d: string | undefined): string | null => (d && /^\/[A-Za-z0-9._/-]{1,200}$/.test(d) && !d.includes('..') ? d : null);
  return {
    version: version && /^\d+\.\d+[0-9A-Za-z.-]*$/.test(version) ? version : null,
    commandDir: safeDir(dir),
    queueDir: safeDir(queueDir),
  };
}

/** -j exists from Postfix 3.1 on (and in every 3.1-* snapshot after it). */
export function supportsJson(version: string | null): boolean {
  if (version === null) return true; // try, and fall back on a usage error
  const m = /^(\d+)\.(\d+)/.exec(version);
  if (!m) return true;
  const major = Number(m[1]);
  return major > 3 || (major === 3 && Number(m[2]) >= 1);
}

type ListingFailure = { fallback: true } | { error: SpamtraceError };

/** Sorts a failed postqueue run into a user-facing error, or "try -p". */
export function classifyPostqueueFailure(stderr: string, json: boolean): ListingFailure {
  const lines = stderr.split('\n').map((l) => printable(l.trim())).filter((l) => l !== '');
  const fatal = lines.find((l) => / fatal: /.test(l)) ?? lines[0] ?? 'no error message';
  const say = (code: ErrorCode, text: string): ListingFailure => ({ error: new SpamtraceError(code, text, fatal.slice(0, 300)) });
  if (json && lines.some((l) => /invalid option -- '?j'?|illegal option -- j|fatal: usage: postqueue/.test(l))) return { fallback: true };
  const down = lines.find((l) => /mail system is down/i.test(l));
  if (down) {
    // As root, postqueue warns and runs showq itself; its error follows the warning.
    const text = down === fatal ? down : `${down}; ${fatal}`;
    return { error: new SpamtraceError('E_POSTFIX_DOWN', `the Postfix mail system is down: ${text.slice(0, 300)}`, text.slice(0, 300)) };
  }
  if (lines.some((l) => /is not allowed to view the mail queue|Permission denied/.test(l))) {
    return say('E_NOT_ROOT', `postqueue refused to list the queue: ${fatal.slice(0, 300)}`);
  }
  return say('E_QUEUE_UNREADABLE', `postqueue failed: ${fatal.slice(0, 300)}`);
}

interface Listing {
  entries: QueueListingEntry[];
  reportedTotal: number | null;
  warnings: string[];
}

async function runPostqueue(
  host: Host,
  program: string,
  json: boolean,
  skipped: SkipTally,
  options: CollectOptions,
  /** each entry as parsed, instead of the returned array */
  onEntry?: (entry: QueueListingEntry) => void,
  /** false: the entries went to onEntry only */
  keep = true,
  /** a `postqueue -j` line this says is not needed is not parsed at all */
  skipLine?: (text: string) => boolean,
  /** postqueue starts at once, but its lines are taken only after this settles */
  linesAfter: Promise<void> = Promise.resolve(),
): Promise<Listing | 'fallback'> {
  const args = [json ? '-j' : '-p'];
  const timeoutMs = options.timeoutMs ?? 10 * 60_000;
  const maxLineBytes = json ? JSON_LINE_BYTES : TEXT_LINE_BYTES;
  // showq writes a record at a time; through a file that costs a third less than a pipe.
  // The file is read back line by line: a 200,000-message listing (~50 MB) is never held.
  const streamed = host.runLines(program, args, { timeoutMs, maxLineBytes, outputViaFile: true });
  const lines = startedNow(streamed.lines, linesAfter);
  // Parse into a scratch tally: a failed -j run must not leave its junk counted.
  const scratch = new SkipTally();
  const entries: QueueListingEntry[] = [];
  const take = (e: QueueListingEntry): void => {
    onEntry?.(e);
    if (keep) entries.push(e);
  };
  let reportedTotal: number | null = null;
  if (json) {
    const p = new PostqueueJsonParser(scratch);
    for await (const line of lines) {
      if (skipLine && !line.cut && skipLine(line.text)) continue;
      const e = p.push(line);
      if (e) take(e);
    }
  } else {
    const p = new PostqueueTextParser({ skipped: scratch, now: options.now ?? new Date(), utcOffsetMinutes: options.utcOffsetMinutes });
    for await (const line of lines) {
      const e = p.push(line);
      if (e) take(e);
    }
    const e = p.end();
    if (e) take(e);
    reportedTotal = p.summary.trailerRequests;
  }
  const r = await streamed.done;
  if (r.spawnError?.code === 'ENOENT') throw new SpamtraceError('E_POSTFIX_MISSING', `${program} was not found`);
  if (r.spawnError) throw new SpamtraceError('E_QUEUE_UNREADABLE', `${program} could not be started: ${r.spawnError.code}`);
  if (r.timedOut) throw new SpamtraceError('E_QUEUE_UNREADABLE', `${program} did not finish in time`);
  if (r.code !== 0) {
    const f = classifyPostqueueFailure(r.stderr, json);
    if ('fallback' in f) return 'fallback';
    throw f.error;
  }
  for (const s of scratch.list()) skipped.add(s.what, s.reason, s.count);
  const warnings = r.stderr
    .split('\n')
    .map((l) => printable(l.trim()).slice(0, 300))
    .filter((l) => l !== '');
  return { entries, reportedTotal, warnings };
}

/**
 * Starts `lines` now (the program runs: the first line is asked for) but hands them on only
 * after `gate`. A consumer that stops early closes them.
 */
function startedNow(lines: AsyncIterable<Line>, gate: Promise<void>): AsyncIterable<Line> {
  const it = lines[Symbol.asyncIterator]();
  const first = it.next();
  first.catch(() => undefined); // seen below, after the gate
  return {
    async *[Symbol.asyncIterator]() {
      let done = false;
      try {
        await gate;
        for (let r = await first; !r.done; r = await it.next()) yield r.value;
        done = true;
      } finally {
        if (!done) await it.return?.();
      }
    },
  };
}

/** The queue ID where showq_json.c prints it, right after the queue name. */
const LISTED_ID = /^\{"queue_name": "[a-z]{1,16}", "queue_id": "([0-9A-Za-z]{6,30})"/;

/** Queues whose files postcat reads; deferred (and, if configured, the others) are hashed. */
const SPOOL_QUEUES = ['active', 'incoming', 'deferred', 'hold'];

/**
 * The queue files in the spool by directory, from its file names (root only; any failure: none). A
 * walk of the directories takes milliseconds, where postqueue takes a second per
 * 20,000 messages. Hash subdirectories are one character; names are validated IDs.
 */
async function spoolFiles(host: Host, queueDir: string): Promise<SpoolDir[]> {
  // read level by level (each level's directories announced together: over SSH one
  // round trip per level, not one per hash directory), then walked in depth-first order
  const listed = new Map<string, string[]>();
  const isHashDir = (name: string): boolean => name.length === 1 && /^[0-9A-Za-z]$/.test(name);
  let level = SPOOL_QUEUES.map((q) => `${queueDir}/${q}`);
  for (let depth = 0; level.length > 0; depth++) {
    await host.prefetch?.({ list: level });
    const next: string[] = [];
    for (const dir of level) {
      try {
        const names = await host.list(dir);
        listed.set(dir, names);
        if (depth < 3) for (const name of names) if (isHashDir(name)) next.push(`${dir}/${name}`);
      } catch {
        // a queue directory that cannot be read: postqueue still lists its messages
      }
    }
    level = next;
  }
  const dirs: SpoolDir[] = [];
  const walk = (dir: string, relDir: string): void => {
    const ids: QueueId[] = [];
    dirs.push({ relDir, ids });
    for (const name of listed.get(dir) ?? []) {
      const id = parseQueueId(name);
      if (id) ids.push(id);
      else if (listed.has(`${dir}/${name}`)) walk(`${dir}/${name}`, `${relDir}/${name}`);
    }
  };
  for (const q of SPOOL_QUEUES) walk(`${queueDir}/${q}`, q);
  return dirs;
}

/**
 * Read the queue files directly (queue-file-reader.ts) rather than through postcat? On
 * the scanned machine itself, unless SPAMTRACE_QUEUE_READER=postcat asks for the old way
 * (for comparing the two, or should a Postfix ever change its queue file format).
 */
function readsFilesDirectly(host: Host, queueDir: string | null): queueDir is string {
  return queueDir !== null && host instanceof LocalHost && process.env.SPAMTRACE_QUEUE_READER !== 'postcat';
}

async function collectLive(host: Host, options: CollectOptions): Promise<QueueCollection> {
  const skipped = new SkipTally();
  const timeoutMs = options.timeoutMs ?? 10 * 60_000;
  const info = await postfixInfo(options.postconf ?? new PostconfValues(host, Math.min(timeoutMs, 60_000)));
  const bin = (name: string): string => (info.commandDir ? `${info.commandDir}/${name}` : name);
  // the same parser settings for the queue files and for postcat's output
  const parser = { parser: parserSettings(options) };
  // Start reading the messages the spool holds now while postqueue lists them: the
  // listing takes as long again as reading them, and both cores can work at once.
  const reader = new PostcatReader(host, {
    skipped,
    batchSize: options.batchSize ?? DEFAULT_BATCH_SIZE,
    program: bin('postcat'),
    timeoutMs,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...parser,
  });
  // What the listing needs to know of the spool walk, filled in once the walk is done.
  let direct: SpoolFiles | null = null;
  // Messages that arrived after the spool walk (or all of them, if it was not possible).
  let arrivedLater: QueueId[] = [];
  const onEntry = (e: QueueListingEntry): void => {
    if (!reader.has(e.queueId) && !direct?.has(e.queueId)) arrivedLater.push(e.queueId);
    options.onListed?.(e);
  };
  const keep = options.onListed === undefined;
  // A caller that wants only delay reasons from the listing needs nothing from the line of a
  // message read from its file that carries none (held mail, nearly all of a spam wave on
  // hold): at 100,000 such lines JSON.parse was ~7 % of the scan's CPU.
  const skipLine =
    options.listingForDelayReasonsOnly && options.onListed && readsFilesDirectly(host, info.queueDir)
      ? (text: string): boolean => {
          if (text.includes('"delay_reason"')) return false;
          const id = LISTED_ID.exec(text)?.[1];
          return id !== undefined && direct?.has(id) === true;
        }
      : undefined;
  // The listing starts before the spool walk and runs beside it and beside the reading:
  // showq reads every queue file too, and on a busy disk it is the longer of the two. Its
  // lines are taken once the walk is known, to tell what arrived after it.
  let walkKnown!: () => void;
  const afterWalk = new Promise<void>((resolve) => (walkKnown = resolve));
  let collection: QueueCollection | null = null;
  const list = async (): Promise<void> => {
    let json = supportsJson(info.version);
    let listing = await runPostqueue(host, bin('postqueue'), json, skipped, options, onEntry, keep, skipLine, afterWalk);
    if (listing === 'fallback') {
      json = false;
      arrivedLater = [];
      listing = await runPostqueue(host, bin('postqueue'), false, skipped, options, onEntry, keep);
    }
    if (listing === 'fallback') throw new SpamtraceError('E_QUEUE_UNREADABLE', 'postqueue rejected both -j and -p');
    if (collection === null) return; // the walk failed: collectLive throws that
    collection.queueSource = json ? 'postqueue -j' : 'postqueue -p';
    collection.listing = listing.entries;
    collection.reportedTotal = listing.reportedTotal;
    collection.warnings = listing.warnings;
    reader.add(arrivedLater);
  };
  // Over SSH the walk is a few round trips on the host's one idle session: postqueue would
  // take that session first and make the walk wait for a second login, so it starts after.
  const listed = readsFilesDirectly(host, info.queueDir) ? list() : afterWalk.then(list);
  listed.catch(() => undefined); // awaited below, or by the caller (early)
  let filesDone: Promise<void> = Promise.resolve();
  let batches: () => AsyncIterator<Iterable<QueuedMessage>> = () => reader.batches();
  try {
    const walked = info.queueDir ? await spoolFiles(host, info.queueDir) : [];
    if (readsFilesDirectly(host, info.queueDir)) {
      const files = new SpoolFiles(info.queueDir, { skipped, ...parser, onProgress: (n) => reader.countDoneElsewhere(n) });
      files.add(walked);
      reader.expectElsewhere(files.size);
      direct = files;
      let finished!: () => void;
      filesDone = new Promise<void>((resolve) => (finished = resolve));
      // The files first, then through postcat what they handed back and what was listed later.
      batches = async function* () {
        yield* files.batches();
        reader.expectElsewhere(-files.handBack.length);
        reader.add(files.handBack);
        finished();
        yield* reader.batches();
      };
    } else {
      reader.add(walked.flatMap((d) => d.ids));
    }
    const spool = info.queueDir ? await host.stat(`${info.queueDir}/active`) : null;
    collection = {
      postfixVersion: info.version,
      mailOwnerUid: spool?.isDirectory ? spool.uid : null,
      queueSource: 'postqueue -j',
      listing: [],
      reportedTotal: null,
      messages: {
        async *[Symbol.asyncIterator]() {
          for await (const batch of { [Symbol.asyncIterator]: batches }) yield* batch;
        },
      },
      batches: { [Symbol.asyncIterator]: batches },
      skipped,
      readDirectly: () => direct?.read ?? 0,
      warnings: [],
      listed: Promise.resolve(),
    };
  } finally {
    walkKnown();
  }
  // postcat's reader takes IDs until the listing is done and the files have handed theirs
  // back (which needs the consumer to have read the files: never awaited before returning)
  listed.then(
    () =>
      filesDone.then(() => {
        direct?.forget();
        reader.close();
      }),
    (e: unknown) => reader.close(e),
  );
  if (options.early) {
    collection.listed = listed; // the reader rethrows its error too
    return collection;
  }
  await listed;
  return collection;
}

// ---- offline ------------------------------------------------------------------------

/** Each message as a batch of its own (a saved file is read line by line anyway). */
function oneByOne(messages: AsyncIterable<QueuedMessage>): AsyncIterable<Iterable<QueuedMessage>> {
  return {
    async *[Symbol.asyncIterator]() {
      for await (const m of messages) yield [m];
    },
  };
}

/** Wraps a file's lines so read errors become one clear SpamtraceError. */
async function* fileLines(host: Host, path: string, maxLineBytes: number, code: ErrorCode, what: string): AsyncGenerator<Line> {
  try {
    yield* host.readLines(path, { maxLineBytes });
  } catch (e) {
    if (isSpamtraceError(e)) throw e;
    const err = e as NodeJS.ErrnoException;
    throw new SpamtraceError(code, `${what} ${path} could not be read: ${err.code ?? err.message}`);
  }
}

async function checkFile(host: Host, path: string, code: ErrorCode, what: string): Promise<Date> {
  let st;
  try {
    st = await host.stat(path);
  } catch (e) {
    throw new SpamtraceError(code, `${what} ${path} could not be read: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  if (!st) throw new SpamtraceError(code, `${what} ${path} does not exist`);
  if (st.isDirectory) throw new SpamtraceError(code, `${what} ${path} is a directory`);
  return st.mtime;
}

const TEXT_START = /^(?:-+Queue ID-+ |Mail queue is empty$|-- \d+ Kbytes in \d+ Requests?\.$|[0-9A-Za-z]{6,30}[*!#]{0,2}\s+\d+\s+(?:Sun|Mon|Tue|Wed|Thu|Fri|Sat) )/;

async function readSavedListing(host: Host, path: string, skipped: SkipTally, options: CollectOptions): Promise<Listing & { format: 'json' | 'text' }> {
  const mtime = await checkFile(host, path, 'E_QUEUE_FILE', 'the queue listing');
  const it = fileLines(host, path, JSON_LINE_BYTES, 'E_QUEUE_FILE', 'the queue listing')[Symbol.asyncIterator]();
  const head: Line[] = [];
  let format: 'json' | 'text' | null = null;
  let nonBlank = 0;
  while (format === null && nonBlank < SNIFF_LINES) {
    const n = await it.next();
    if (n.done) break;
    head.push(n.value);
    const t = n.value.text.trim();
    if (t === '') continue;
    nonBlank += 1;
    if (t.startsWith('{"') || t.startsWith('{ "')) format = 'json';
    else if (TEXT_START.test(t)) format = 'text';
  }
  if (format === null) {
    await it.return?.(undefined);
    throw new SpamtraceError('E_QUEUE_FORMAT', `${path} is neither "postqueue -j" nor "postqueue -p" output`);
  }
  async function* all(): AsyncGenerator<Line> {
    yield* head;
    for (let n = await it.next(); !n.done; n = await it.next()) yield n.value;
  }
  const entries: QueueListingEntry[] = [];
  if (format === 'json') {
    const p = new PostqueueJsonParser(skipped);
    for await (const line of all()) {
      const e = p.push(line);
      if (e) entries.push(e);
    }
    if (entries.length === 0 && p.stats.invalid > 0) {
      throw new SpamtraceError('E_QUEUE_FORMAT', `${path} looks like "postqueue -j" output but no line could be read`);
    }
    return { entries, reportedTotal: null, warnings: [], format };
  }
  const p = new PostqueueTextParser({
    skipped,
    now: options.listingTime ?? mtime,
    ...(options.utcOffsetMinutes !== undefined ? { utcOffsetMinutes: options.utcOffsetMinutes } : {}),
  });
  for await (const line of all()) {
    const e = p.push(line);
    if (e) entries.push(e);
  }
  const last = p.end();
  if (last) entries.push(last);
  if (p.summary.trailerRequests !== null && p.summary.trailerRequests > entries.length) {
    skipped.add('queued message', 'in the listing\'s total but not in the (cut) listing', p.summary.trailerRequests - entries.length);
  }
  return { entries, reportedTotal: p.summary.trailerRequests, warnings: [], format };
}

async function collectOffline(
  host: Host,
  source: Extract<QueueSource, { mode: 'offline' }>,
  options: CollectOptions,
): Promise<QueueCollection> {
  const skipped = new SkipTally();
  if (source.queueFile === null && source.postcatFile === null) {
    throw new SpamtraceError('E_USAGE', 'offline mode needs a saved queue listing, postcat output, or both');
  }
  const listing = source.queueFile
    ? await readSavedListing(host, source.queueFile, skipped, options)
    : { entries: [], reportedTotal: null, warnings: [], format: null };
  const postcatFile = source.postcatFile;
  if (postcatFile) await checkFile(host, postcatFile, 'E_POSTCAT_FILE', 'the postcat output');
  const total = listing.entries.length;
  const messages: AsyncIterable<QueuedMessage> = {
    async *[Symbol.asyncIterator]() {
      if (!postcatFile) return;
      let done = 0;
      const lines = fileLines(host, postcatFile, TEXT_LINE_BYTES, 'E_POSTCAT_FILE', 'the postcat output');
      const parserOptions = { skipped, ...parserSettings(options) };
      for await (const m of parsePostcat(lines, parserOptions)) {
        done += 1;
        options.onProgress?.(done, Math.max(total, done));
        yield m;
      }
    },
  };
  const sources = [
    source.queueFile ? `file ${source.queueFile} (postqueue ${listing.format === 'json' ? '-j' : '-p'})` : null,
    postcatFile ? `postcat file ${postcatFile}` : null,
  ].filter((s): s is string => s !== null);
  return {
    postfixVersion: null,
    queueSource: sources.join(' + '),
    listing: listing.entries,
    reportedTotal: listing.reportedTotal,
    messages,
    batches: oneByOne(messages),
    skipped,
    warnings: [],
    listed: Promise.resolve(),
  };
}
