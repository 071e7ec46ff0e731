/**
 * From "uid 4079" to the script and the IP behind it: for every local source whose
 * subscription is known, read that subscription's access logs around its submissions and
 * let the correlator rank the scripts. Each source is isolated: a log that cannot be read
 * costs that source its scripts (with a note), never the scan.
 */
import type { ReportSource } from '../domain/report';
import type { Subscription } from '../domain/subscription';
import type { UserDirectory } from '../domain/users';
import type { WebRequest } from '../domain/weblog';
import type { ScriptFile, ScriptFinding } from '../domain/findings';
import type { Host } from '../host/host';
import type { Logger } from '../log';
import type { Progress } from './scan-options';
import type { SkipTally } from '../collect/skip-tally';
import { newReadStats, readAccessLogs, type AccessLogReadStats } from '../collect/accesslog';
import { candidateFilePaths, correlateScripts } from '../trace/correlate';
import type { SubmissionLog } from './submission-log';

/** PHP behind mail is reached by POST or by any request to a .php path: only such lines are parsed */
export const SCRIPT_LINE_NEEDLES: readonly string[] = ['"POST ', '.php'];

/** requests kept per source: a busy shop's day of POSTs and PHP hits fits; a flood is cut */
const MAX_REQUESTS = 500_000;
/** read this much before the first and after the last submission */
export const MARGIN_MS = 2 * 60_000;

export interface WebStageSummary {
  sourcesCorrelated: number;
  stats: AccessLogReadStats;
}

export async function correlateWebLogs(
  host: Host,
  sources: ReportSource[],
  subscriptionFor: (s: ReportSource) => Subscription | null,
  submissions: SubmissionLog,
  users: UserDirectory,
  deps: { logger: Logger; progress: Progress; skipped: SkipTally },
): Promise<WebStageSummary> {
  const stats = newReadStats();
  let correlated = 0;
  // the log directories the loop lists, announced at once (over SSH: one round trip)
  await host.prefetch?.({ list: sources.filter((s) => s.kind === 'local').flatMap((s) => subscriptionFor(s)?.logDirs ?? []) });
  for (const source of sources) {
    if (source.kind !== 'local') continue;
    const sub = subscriptionFor(source);
    const subs = submissions.of(source.id);
    if (!sub) {
      source.scriptNote = 'no subscription owns this uid: no web logs to read';
      continue;
    }
    if (sub.logDirs.length === 0) {
      source.scriptNote = `no web log directory is known for ${sub.domains[0] ?? sub.id}`;
      continue;
    }
    if (subs.length === 0) {
      source.scriptNote = 'no submission times known for this source';
      continue;
    }
    let first = Infinity;
    let last = -Infinity;
    for (const s of subs) {
      first = Math.min(first, s.time.getTime());
      last = Math.max(last, s.time.getTime());
    }
    let requests: WebRequest[];
    let cut: boolean;
    try {
      ({ requests, cut } = await readSubscriptionRequests(host, sub, first, last, stats, deps));
    } catch (e) {
      deps.logger.warn('access logs unreadable', { code: 'WEBLOG_FAILED', source: source.id, error: (e as Error).message });
      source.scriptNote = `the access logs of ${sub.domains[0] ?? sub.id} could not be read: ${(e as Error).message}`;
      continue;
    }
    const result = correlateScripts({ submissions: subs, requests, docRoots: sub.docRoots });
    await locateScripts(host, result.scripts, sub.docRoots, users);
    source.scripts = result.scripts;
    const notes = [result.note, cut ? `only the first ${MAX_REQUESTS.toLocaleString('en-US')} requests in the window were read` : null].filter(Boolean);
    if (notes.length) source.scriptNote = notes.join('; ');
    correlated++;
  }
  return { sourcesCorrelated: correlated, stats };
}

/** One subscription's script requests (POST or .php) from MARGIN before `first` to MARGIN after `last`. */
export async function readSubscriptionRequests(
  host: Host,
  sub: Subscription,
  first: number,
  last: number,
  stats: AccessLogReadStats,
  deps: { progress: Progress; skipped: SkipTally },
): Promise<{ requests: WebRequest[]; cut: boolean }> {
  const requests: WebRequest[] = [];
  for await (const r of readAccessLogs(
    host,
    sub.logDirs,
    { since: new Date(first - MARGIN_MS), until: new Date(last + MARGIN_MS), lineContains: SCRIPT_LINE_NEEDLES, stats },
    deps.skipped,
  )) {
    if (requests.length >= MAX_REQUESTS) return { requests, cut: true };
    requests.push(r);
    if (requests.length % 50_000 === 0) deps.progress.update(stats.bytesRead, 0, 'access-log bytes');
  }
  return { requests, cut: false };
}

/** The file behind each script's URL under the docroots: path, size, owner, mtime. */
export async function locateScripts(host: Host, scripts: ScriptFinding[], docRoots: readonly string[], users: UserDirectory): Promise<void> {
  // every candidate of every script announced at once: over SSH one round trip, not one per docroot and script
  await host.prefetch?.({ stat: scripts.flatMap((f) => candidateFilePaths(f.urlPath, docRoots)) });
  for (const finding of scripts) {
    const found = await statScript(host, finding.urlPath, docRoots, users);
    if (found) {
      finding.filePath = found.path;
      finding.file = found.file;
    } else if (finding.filePath) {
      finding.file = { exists: false, size: null, mtime: null, uid: null, owner: null };
    }
  }
}

async function statScript(
  host: Host,
  urlPath: string,
  docRoots: readonly string[],
  users: UserDirectory,
): Promise<{ path: string; file: ScriptFile } | null> {
  for (const path of candidateFilePaths(urlPath, docRoots)) {
    const info = await host.stat(path);
    if (!info || !info.isFile) continue;
    return {
      path,
      file: {
        exists: true,
        size: info.size,
        mtime: info.mtime.toISOString(),
        uid: info.uid,
        owner: users.byUid(info.uid)?.login ?? null,
      },
    };
  }
  return null;
}
