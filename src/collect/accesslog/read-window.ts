/**
 * `readAccessLogs`: the web requests of some log directories within a time window, as an
 * async iterable, oldest file first. Streaming with bounded memory (one chunk of a file
 * and the requests found in it); files that cannot overlap the window are not read
 * through (read-file.ts). Junk lines and unusable files are counted in `skipped`, never
 * fatal. `stats` (optional, filled while reading) says how many files were skipped or
 * read and how many bytes, for progress and the report.
 *
 *   for await (const r of readAccessLogs(host, ['/var/www/vhosts/system/example.de/logs'],
 *       { since, until, methods: ['POST'] }, skipped)) ...
 */
import type { AccessLogFile, WebRequest } from '../../domain/weblog';
import type { Host } from '../../host/host';
import { SkipTally } from '../skip-tally';
import { discoverAccessLogs } from './discover';
import { buildPrefilter } from './raw-prefilter';
import { readAccessLogFile, type ReadPlan } from './read-file';
import { readAccessLogFileFiltered } from './read-file-grep';
import { newReadStats, type AccessLogReadStats } from './read-stats';

export interface AccessLogReadOptions {
  /** first moment wanted (inclusive); none: from the oldest line */
  since?: Date;
  /** last moment wanted (inclusive); none: to the newest line */
  until?: Date;
  /** only these methods; also the fast path: only lines holding `"METHOD ` are parsed */
  methods?: readonly string[];
  /** only lines holding one of these byte strings are parsed (e.g. '.php') */
  lineContains?: readonly string[];
  /** a final test on each parsed request */
  filter?: (r: WebRequest) => boolean;
  /** how far lines may be out of time order (default 5 minutes) */
  slackMs?: number;
  /** longer lines are counted and not parsed (default 16 KiB; Apache's request line limit is 8 KiB) */
  maxLineBytes?: number;
  /** filled while reading */
  stats?: AccessLogReadStats;
  /** called after each directory's discovery, with its files in reading order (for progress) */
  onFiles?: (files: readonly AccessLogFile[]) => void;
}

export const DEFAULT_SLACK_MS = 5 * 60_000;
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024;

function planOf(options: AccessLogReadOptions): ReadPlan {
  const sinceMs = options.since?.getTime() ?? -Infinity;
  const untilMs = options.until?.getTime() ?? Infinity;
  if (Number.isNaN(sinceMs) || Number.isNaN(untilMs) || sinceMs > untilMs) throw new RangeError('access-log window: since must be a date before until');
  return {
    sinceMs,
    untilMs,
    slackMs: Math.max(0, options.slackMs ?? DEFAULT_SLACK_MS),
    prefilter: buildPrefilter(options.methods, options.lineContains),
    methods: options.methods && options.methods.length > 0 ? new Set(options.methods) : null,
    filter: options.filter ?? null,
    maxLineBytes: Math.max(256, options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES),
  };
}

export async function* readAccessLogs(
  host: Host,
  dirs: readonly string[],
  options: AccessLogReadOptions,
  skipped: SkipTally,
): AsyncGenerator<WebRequest> {
  const plan = planOf(options);
  const stats = options.stats ?? newReadStats();
  const seen = new Set<string>();
  for (const dir of dirs) {
    const files = (await discoverAccessLogs(host, dir, skipped)).filter((f) => !seen.has(f.readPath) && seen.add(f.readPath));
    stats.filesFound += files.length;
    options.onFiles?.(files);
    for (const file of files) {
      // mtime is the last write: a file last written before the window holds nothing in it
      if (file.mtime.getTime() < plan.sinceMs - plan.slackMs) {
        stats.filesSkippedByMtime += 1;
        continue;
      }
      // a host that can filter where the file lives sends only the matching lines
      if (host.grepLines && plan.prefilter.primary.length > 0) {
        yield* readAccessLogFileFiltered(host as Host & Required<Pick<Host, 'grepLines'>>, file, plan, skipped, stats);
      } else {
        yield* readAccessLogFile(host, file, plan, skipped, stats);
      }
    }
  }
}

/**
 * Tell the host (Host.prefetchGreps) every file readAccessLogs would filter for these
 * directories and this window, so a host where each read is a round trip (SSH) filters
 * them all in one run and the readAccessLogs calls that follow, for any of these
 * directories and a window inside this one, are answered from it. Changes no answer:
 * the reads discover, skip and count as always. Never fails.
 */
export async function prefetchAccessLogs(host: Host, dirs: readonly string[], options: AccessLogReadOptions): Promise<void> {
  if (!host.prefetchGreps || !host.grepLines || dirs.length === 0) return;
  try {
    const plan = planOf(options);
    if (plan.prefilter.primary.length === 0) return;
    await host.prefetch?.({ list: dirs });
    // the reads count what discovery skips: not here too
    const scratch = new SkipTally();
    const paths = new Set<string>();
    for (const dir of new Set(dirs)) {
      for (const f of await discoverAccessLogs(host, dir, scratch)) {
        if (f.mtime.getTime() >= plan.sinceMs - plan.slackMs) paths.add(f.readPath);
      }
    }
    if (paths.size === 0) return;
    await host.prefetchGreps([...paths], plan.prefilter.primary.map((b) => b.toString('utf8')), { maxLineBytes: plan.maxLineBytes });
  } catch {
    // a hint: each read asks again and reports what went wrong
  }
}
