/**
 * Reads the mail log (every rotation, oldest first) into messages and SASL failures.
 *
 * Streaming: `streamMailLog` hands out each message soon after Postfix removed it and the
 * rest at the end, so a consumer that converts and counts as it goes holds only the
 * messages still open; `collectMailLog` gathers everything into arrays for smaller logs.
 * Only the Host interface is used (list, stat, readLines), so it runs on any Host.
 *
 * Window: a file last written before `since` is not read at all; inside the files read,
 * a message counts when it arrived within [since, until] (its first line; a message whose
 * start is not in the log is placed by its deliveries' `delay=`). Nothing stops early:
 * lines after `until` still complete the messages that arrived before it.
 *
 * Nothing here throws for a line or a file: junk lines and unreadable files are counted in
 * the skip tally and listed in `files` with the reason.
 */
import type { MailLogMessage, SaslFailure } from '../../domain/maillog';
import type { Host } from '../../host/host';
import type { SkipTally } from '../skip-tally';
import { DEFAULT_MAILLOG_PATHS, discoverLogFiles, type LogFile } from './log-files';
import { MessageTracker } from './message-tracker';
import { parseMailLogLine } from './log-line';
import type { PostfixLogSettings } from './postfix-log-settings';
import { YearClock } from './timestamp';

export interface MailLogOptions {
  /** base paths; rotations beside each are found by pattern. Default: DEFAULT_MAILLOG_PATHS, whichever exist */
  paths?: string[];
  since?: Date;
  until?: Date;
  /** the year reference when a file's mtime cannot be used (a symlink) */
  now: Date;
  /** longer lines are cut (and counted); default 32 KiB, far above Postfix's own lines */
  maxLineBytes?: number;
  /**
   * What `postconf` said (postfix-log-settings.ts): without `paths`, its maillog_file is
   * read first, then the syslog defaults; its syslog_name marks this Postfix's lines.
   */
  postfix?: PostfixLogSettings;
  /** where syslog writes the mail log when no `paths` are given (default DEFAULT_MAILLOG_PATHS) */
  defaultPaths?: string[];
  /**
   * The zone the log was written in (minutes east of UTC; Host.utcOffsetMinutes of the
   * scanned host): year-less syslog times are read in it. Default: this machine's zone.
   */
  utcOffsetMinutes?: number;
}

/**
 * The base paths to read: the ones given, else Postfix's own maillog_file followed by the
 * syslog places (the configuration's `mailLogs`, or DEFAULT_MAILLOG_PATHS).
 */
export function mailLogPaths(options: Pick<MailLogOptions, 'paths' | 'postfix' | 'defaultPaths'>): string[] {
  if (options.paths !== undefined) return [...new Set(options.paths)];
  const own = options.postfix?.maillogFile;
  return [...new Set([...(own ? [own] : []), ...(options.defaultPaths ?? DEFAULT_MAILLOG_PATHS)])];
}

export interface MailLogFile {
  path: string;
  /** size on disk (compressed size for .gz) */
  bytes: number;
  read: boolean;
  /** lines read from it */
  lines: number;
  /** why it was not read, or not to the end */
  why?: string;
}

export type MailLogEvent =
  | { kind: 'message'; message: MailLogMessage }
  | { kind: 'sasl-failure'; failure: SaslFailure }
  /** after a file is done (or passed over) */
  | { kind: 'file'; file: MailLogFile };

export interface MailLogResult {
  messages: MailLogMessage[];
  saslFailures: SaslFailure[];
  files: MailLogFile[];
}

const WHAT = 'mail log line';
const DEFAULT_MAX_LINE_BYTES = 32 * 1024;
/** a first line this long is unique enough to tell the same log read under two names */
const MIN_FINGERPRINT = 16;

export async function collectMailLog(host: Host, options: MailLogOptions, skipped: SkipTally): Promise<MailLogResult> {
  const result: MailLogResult = { messages: [], saslFailures: [], files: [] };
  for await (const e of streamMailLog(host, options, skipped)) {
    if (e.kind === 'message') result.messages.push(e.message);
    else if (e.kind === 'sasl-failure') result.saslFailures.push(e.failure);
    else result.files.push(e.file);
  }
  return result;
}

export async function* streamMailLog(host: Host, options: MailLogOptions, skipped: SkipTally): AsyncGenerator<MailLogEvent> {
  const pending: MailLogEvent[] = [];
  const tracker = new MessageTracker({
    since: options.since,
    until: options.until,
    skipped,
    emit: (message) => pending.push({ kind: 'message', message }),
  });
  const explicit = options.paths !== undefined;
  const firstLines = new Map<string, string>();
  for (const base of mailLogPaths(options)) {
    const files = await discoverLogFiles(host, base);
    if (files.length === 0 && explicit) {
      skipped.add('mail log file', 'not found (or not a file)');
      yield { kind: 'file', file: { path: base, bytes: 0, read: false, lines: 0, why: 'not found (or not a file)' } };
    }
    for (const f of files) {
      const reader = new FileReader(host, f, options, skipped, tracker, firstLines, pending);
      yield* reader.read();
    }
  }
  tracker.end();
  yield* pending.splice(0);
}

class FileReader {
  private readonly clock: YearClock;
  private readonly out: MailLogFile;

  constructor(
    private readonly host: Host,
    private readonly f: LogFile,
    private readonly options: MailLogOptions,
    private readonly skipped: SkipTally,
    private readonly tracker: MessageTracker,
    private readonly firstLines: Map<string, string>,
    private readonly pending: MailLogEvent[],
  ) {
    this.out = { path: f.path, bytes: f.info.size, read: false, lines: 0 };
    this.clock = new YearClock(options.utcOffsetMinutes);
  }

  async *read(): AsyncGenerator<MailLogEvent> {
    const passOver = this.reasonToPassOver();
    if (passOver) {
      this.out.why = passOver;
      if (!passOver.startsWith('last written before')) this.skipped.add('mail log file', passOver);
      yield { kind: 'file', file: this.out };
      return;
    }
    // a symlink's own mtime says nothing about the log it points to
    this.clock.startFile(this.f.info.isSymbolicLink ? this.options.now : this.f.info.mtime);
    const maxLineBytes = this.options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.out.read = true;
    try {
      for await (const line of this.host.readLines(this.f.path, { maxLineBytes })) {
        this.out.lines += 1;
        if (this.out.lines === 1 && this.isSecondName(line.text)) return yield { kind: 'file', file: this.out };
        if (line.cut) this.skipped.add(WHAT, `longer than ${maxLineBytes} bytes: read cut`);
        this.handle(line.text);
        if (this.pending.length > 0) yield* this.pending.splice(0);
      }
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      this.out.read = this.out.lines > 0;
      this.out.why = this.out.lines > 0 ? `read error after ${this.out.lines} lines: ${code}` : `unreadable: ${code}`;
      this.skipped.add('mail log file', this.out.lines > 0 ? 'could not be read to the end' : `unreadable (${code})`);
    }
    yield* this.pending.splice(0);
    yield { kind: 'file', file: this.out };
  }

  private reasonToPassOver(): string | null {
    const { info } = this.f;
    if (this.f.unsupportedCompression) return `compressed with ${this.f.unsupportedCompression}: not read`;
    if (this.options.since && !info.isSymbolicLink && info.mtime.getTime() < this.options.since.getTime()) {
      return 'last written before the window starts';
    }
    return null;
  }

  /** The same log under a second name (Plesk links its maillog to /var/log/maillog): read once. */
  private isSecondName(first: string): boolean {
    if (first.length < MIN_FINGERPRINT) return false;
    const earlier = this.firstLines.get(first);
    if (earlier === undefined) {
      this.firstLines.set(first, this.f.path);
      return false;
    }
    this.out.read = false;
    this.out.why = `the same log as ${earlier}`;
    this.skipped.add('mail log file', 'the same log under a second name (symlink or copy): read once');
    return true;
  }

  private handle(text: string): void {
    const p = parseMailLogLine(text, this.clock, this.options.postfix?.syslogName ?? null);
    if (p.kind === 'ignore') return;
    if (p.kind === 'skip') {
      this.skipped.add(WHAT, p.reason);
      return;
    }
    const { event: e, time: date, service } = p;
    if (e.kind === 'sasl-failure') {
      if (this.inWindow(date)) {
        this.pending.push({
          kind: 'sasl-failure',
          failure: { time: date, clientAddress: e.clientAddress, clientName: e.clientName || null, method: e.method, username: e.username, file: this.f.path, line: this.out.lines },
        });
      }
      return;
    }
    this.tracker.add(e, date, this.f.path, this.out.lines, service);
  }

  private inWindow(d: Date): boolean {
    const t = d.getTime();
    const { since, until } = this.options;
    return !(since && t < since.getTime()) && !(until && t > until.getTime());
  }
}
