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
import type { ScriptFile } from '../domain/findings';
import type { Host } from '../host/host';
import type { Logger } from '../log';
import type { Progress } from '../cli/progress';
import type { SkipTally } from '../collect/skip-tally';
import { newReadStats, readAccessLogs, type AccessLogReadStats } from '../collect/accesslog';
import { candidateFilePaths, correlateScripts } from '../trace/correlate';
import type { SubmissionLog } from './submission-log';

/** PHP behind mail is reached by POST or by any request to a .php path: only such lines are parsed */
export const SCRIPT_LINE_NEEDLES: readonly string[] = ['"POST ', '.php'];

/** requests kept per source: a busy shop's day of POSTs and PHP hits fits; a flood is cut */
const MAX_REQUESTS = 500_000;
/** read this much before the first and after the last submission */
const MARGIN_MS = 2 * 60_000;

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
    const requests: WebRequest[] = [];
    let cut = false;
    try {
      for await (const r of readAccessLogs(
        host,
        sub.logDirs,
        { since: new Date(first - MARGIN_MS), until: new Date(last + MARGIN_MS), lineContains: SCRIPT_LINE_NEEDLES, stats },
        deps.skipped,
      )) {
        if (requests.length >= MAX_REQUESTS) {
          cut = true;
          break;
        }
        requests.push(r);
        if (requests.length % 50_000 === 0) deps.progress.update(stats.bytesRead, 0, 'access-log bytes');
      }
    } catch (e) {
      deps.logger.warn('access logs unreadable', { code: 'WEBLOG_FAILED', source: source.id, error: (e as Error).message });
      source.scriptNote = `the access logs of ${sub.domains[0] ?? sub.id} could not be read: ${(e as Error).message}`;
      continue;
    }
    const result = correlateScripts({ submissions: subs, requests, docRoots: sub.docRoots });
    for (const finding of result.scripts) {
      const found = await statScript(host, finding.urlPath, sub.docRoots, users);
      if (found) {
        finding.filePath = found.path;
        finding.file = found.file;
      } else if (finding.filePath) {
        finding.file = { exists: false, size: null, mtime: null, uid: null, owner: null };
      }
    }
    source.scripts = result.scripts;
    const notes = [result.note, cut ? `only the first ${MAX_REQUESTS.toLocaleString('en-US')} requests in the window were read` : null].filter(Boolean);
    if (notes.length) source.scriptNote = notes.join('; ');
    correlated++;
  }
  return { sourcesCorrelated: correlated, stats };
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
