/**
 * One access-log file, read only as far as the time window needs: the caller has already
 * passed over files last written before the window (mtime); here the first line decides
 * whether the file begins after the window, each chunk's last line whether the chunk can
 * be passed over (all before the window) or is the last one needed (past it). Lines may be
 * a little out of order (Apache logs a request when it ends, stamped when it began), so
 * both decisions allow `slackMs`. Lines are still checked one by one against the window.
 */
import type { AccessLogFile, WebRequest } from '../../domain/weblog';
import type { Host } from '../../host/host';
import type { SkipTally } from '../skip-tally';
import { FILE_WHAT } from './discover';
import { findLineTime } from './log-time';
import { firstLine, lastLine, LineScanner } from './line-scanner';
import { parseAccessLine } from './parse-line';
import type { Prefilter } from './raw-prefilter';
import type { AccessLogReadStats } from './read-stats';

export const LINE_WHAT = 'access-log line';
export const LINE_TOO_LONG = 'line longer than the limit, not parsed';
const SLICE_BYTES = 64 * 1024;

export interface ReadPlan {
  sinceMs: number;
  untilMs: number;
  slackMs: number;
  prefilter: Prefilter;
  methods: ReadonlySet<string> | null;
  filter: ((r: WebRequest) => boolean) | null;
  maxLineBytes: number;
}

function timeOf(line: string | null): number {
  if (line === null) return NaN;
  return findLineTime(line)?.ms ?? NaN;
}

/** On a view of one line: indexOf on the whole chunk would search far past the line. */
function containsAny(line: Buffer, needles: readonly Buffer[]): boolean {
  for (const n of needles) if (line.includes(n)) return true;
  return false;
}

export function errorWords(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err.code ?? err.message?.slice(0, 80) ?? 'error';
}

/** One line that passed the byte filters: parsed, then kept if inside the window and the filters. */
export function acceptLine(text: string, path: string, lineNo: number, plan: ReadPlan, skipped: SkipTally, stats: AccessLogReadStats): WebRequest | null {
  stats.linesParsed += 1;
  const parsed = parseAccessLine(text, path, lineNo);
  if (!parsed.ok) {
    skipped.add(LINE_WHAT, parsed.reason);
    return null;
  }
  const request = parsed.request;
  const t = request.time.getTime();
  if (t < plan.sinceMs || t > plan.untilMs) return null;
  if (plan.methods && !plan.methods.has(request.method)) return null;
  if (plan.filter && !plan.filter(request)) return null;
  return request;
}

export async function* readAccessLogFile(
  host: Host,
  file: AccessLogFile & { readPath?: string },
  plan: ReadPlan,
  skipped: SkipTally,
  stats: AccessLogReadStats,
): AsyncGenerator<WebRequest> {
  let out: WebRequest[] = [];
  const sink = (buf: Buffer, start: number, end: number, lineNo: number): void => {
    if (plan.prefilter.secondary.length > 0 && !containsAny(buf.subarray(start, end), plan.prefilter.secondary)) return;
    const request = acceptLine(buf.toString('utf8', start, end), file.path, lineNo, plan, skipped, stats);
    if (request) out.push(request);
  };
  const scanner = new LineScanner(plan.prefilter.primary, plan.maxLineBytes, () => skipped.add(LINE_WHAT, LINE_TOO_LONG));
  stats.filesRead += 1;
  stats.bytesOnDisk += file.size;
  let first = true;
  try {
    for await (const chunk of host.readChunks(file.readPath ?? file.path)) {
      stats.bytesRead += chunk.length;
      if (first) {
        first = false;
        if (timeOf(firstLine(chunk)) > plan.untilMs + plan.slackMs) {
          stats.filesRead -= 1;
          stats.bytesOnDisk -= file.size;
          stats.filesSkippedByFirstLine += 1;
          return;
        }
      }
      const last = timeOf(lastLine(chunk));
      const scan = !(last < plan.sinceMs - plan.slackMs);
      // in slices, yielding after each: the requests of a whole 1 MiB chunk held at once
      // outlive the young generation and make the garbage collector the bottleneck
      for (let at = 0; at < chunk.length; at += SLICE_BYTES) {
        scanner.feed(chunk.subarray(at, Math.min(chunk.length, at + SLICE_BYTES)), sink, scan);
        for (const r of out) {
          stats.requests += 1;
          yield r;
        }
        out = [];
      }
      if (last > plan.untilMs + plan.slackMs) {
        stats.filesStoppedEarly += 1;
        return;
      }
    }
    scanner.end(sink);
    for (const r of out) {
      stats.requests += 1;
      yield r;
    }
  } catch (e) {
    stats.filesFailed += 1;
    skipped.add(FILE_WHAT, `could not be read (${errorWords(e)})`);
  }
}
