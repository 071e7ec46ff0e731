/**
 * Which script on a subscription's web sites sent a local user's mail? Web requests
 * are lined up against the user's submissions (see match-submissions.ts); a script is
 * reported when it explains enough of them, with the proof (lag, clients, agents, log
 * lines) and the signals that make it look like a dropper.
 *
 * Presentation choice for innocent scripts: a contact form whose few POSTs each explain
 * one mail is reported when it reaches the support threshold, but with its small count
 * and without signals, and ranked after every script that explains more. Hiding it
 * would hide a real mail path from the admin; the signals, not the listing, say
 * "suspicious". Below the threshold (fewer than `minExplained` mails and less than
 * `minShare` of them) a script is not reported at all, so a page view that happened to
 * precede a cron mail accuses nobody.
 */
import type { Count, EvidenceLine, ScriptFile, ScriptFinding } from '../../domain/findings';
import type { WebRequest } from '../../domain/weblog';
import { headerScriptName, keyRequest, matchSubmissions, type KeyedRequest, type Match, type MatchOptions, type Submission } from './match-submissions';
import { candidateFilePaths } from './script-path';
import { scriptSignals } from '../rules/script-signal-rules';
import { OTHER_VALUES, TopCounter } from './top-counts';

export interface CorrelationOptions extends MatchOptions {
  /** a script explaining at least this many submissions is reported */
  minExplained: number;
  /** ...or at least this share of them (and at least two) */
  minShare: number;
  /** entries kept in each client / user agent / referer list */
  top: number;
  /** access-log lines kept as evidence per script */
  evidence: number;
  /** scripts reported at most */
  maxScripts: number;
}

export const DEFAULT_CORRELATION_OPTIONS: Readonly<CorrelationOptions> = Object.freeze({
  windowSeconds: 10,
  skewSeconds: 1,
  maxCandidates: 64,
  minExplained: 3,
  minShare: 0.3,
  top: 5,
  evidence: 5,
  maxScripts: 10,
});

export interface ScriptCorrelationInput {
  /** the local uid's submissions in the time window */
  submissions: readonly Submission[];
  /** the subscription's web requests, already limited to its logs and the time window */
  requests: readonly WebRequest[];
  /** what the caller found on disk, keyed by URL path as requested (or decoded) */
  files?: ReadonlyMap<string, ScriptFile>;
  /** the subscription's document roots, to name the file behind a URL path */
  docRoots?: readonly string[];
  options?: Partial<CorrelationOptions>;
}

export interface ScriptCorrelation {
  /** reported scripts, most convincing first */
  scripts: ScriptFinding[];
  submissions: number;
  /** submissions explained by a reported script */
  explained: number;
  /** scripts that explained a submission or two but stayed below the support threshold */
  belowSupport: number;
  /** X-PHP-Originating-Script values seen on the submissions, most frequent first */
  headerScripts: Count[];
  /** plain words when nothing (or not everything) correlates; null when the scripts say it all */
  note: string | null;
  /** inputs dropped because their time was not a valid date */
  skipped: { submissions: number; requests: number };
}

export const NOTHING_CORRELATES =
  'no web request preceded these submissions: a cron job, a CLI script or a process speaking SMTP to localhost';
export const NO_WEB_REQUESTS =
  'no web requests were logged for this subscription in the time window: the mail came from a cron job, a CLI script or a process speaking SMTP to localhost, or the web logs are kept elsewhere';

interface ScriptTally {
  key: string;
  baseName: string;
  matches: Match[];
  named: boolean;
}

const validTime = (d: Date): boolean => d instanceof Date && Number.isFinite(d.getTime());

function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const m = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return Math.round(m * 1000) / 1000;
}

function rank(a: ScriptFinding, b: ScriptFinding): number {
  if (a.namedByHeader !== b.namedByHeader) return a.namedByHeader ? -1 : 1;
  if (a.explainedSubmissions !== b.explainedSubmissions) return b.explainedSubmissions - a.explainedSubmissions;
  const la = a.medianLagSeconds ?? Infinity;
  const lb = b.medianLagSeconds ?? Infinity;
  if (la !== lb) return Math.abs(la) - Math.abs(lb);
  return a.urlPath < b.urlPath ? -1 : a.urlPath > b.urlPath ? 1 : 0;
}

function supported(t: ScriptTally, submissions: number, o: CorrelationOptions): boolean {
  const n = t.matches.length;
  return t.named || n >= o.minExplained || (n >= 2 && n >= o.minShare * submissions);
}

function evidenceOf(requests: readonly KeyedRequest[], explained: ReadonlySet<WebRequest>, max: number): EvidenceLine[] {
  const first = requests.filter((r) => explained.has(r.request));
  const rest = requests.filter((r) => !explained.has(r.request));
  return [...first, ...rest].slice(0, max).map((r) => ({ file: r.request.file, line: r.request.line }));
}

function findingOf(
  t: ScriptTally,
  requests: readonly KeyedRequest[],
  namingSubmissions: readonly Submission[],
  input: ScriptCorrelationInput,
  o: CorrelationOptions,
): ScriptFinding {
  const sorted = [...requests].sort((a, b) => a.timeMs - b.timeMs || a.request.line - b.request.line);
  const clients = new TopCounter();
  const agents = new TopCounter();
  const referers = new TopCounter();
  const vhosts = new TopCounter();
  for (const r of sorted) {
    clients.add(r.request.client);
    agents.add(r.request.userAgent ?? '-');
    referers.add(r.request.referer ?? '-');
    if (r.request.vhost) vhosts.add(r.request.vhost);
  }
  const rawPath = sorted[0]?.request.path ?? t.key;
  const explainedRequests = new Set(t.matches.map((m) => m.request.request));
  // The mails it explains by timing, plus those whose header names it outside the window.
  const mails = new Set<Submission>(t.matches.map((m) => m.submission));
  if (t.named) for (const s of namingSubmissions) mails.add(s);
  const headerScripts = [...mails].map((s) => s.phpScript?.script).filter((s): s is string => typeof s === 'string');
  const vhost = vhosts.top(1)[0]?.value ?? null;
  const filePath = candidateFilePaths(t.key, input.docRoots ?? [], vhost)[0] ?? null;
  return {
    urlPath: rawPath,
    filePath,
    file: input.files?.get(rawPath) ?? input.files?.get(t.key) ?? null,
    requests: sorted.length,
    explainedSubmissions: t.matches.length,
    medianLagSeconds: median(t.matches.map((m) => m.lagSeconds)),
    clients: clients.top(o.top),
    userAgents: agents.top(o.top),
    referers: referers.top(o.top),
    firstSeen: sorted.length ? sorted[0]!.request.time.toISOString() : null,
    lastSeen: sorted.length ? sorted[sorted.length - 1]!.request.time.toISOString() : null,
    signals: scriptSignals({ key: t.key, baseName: t.baseName, requests: sorted, headerScripts }),
    namedByHeader: t.named,
    evidence: evidenceOf(sorted, explainedRequests, o.evidence),
  };
}

function noteFor(submissions: number, requests: number, explained: number, reported: number, headerNames: Count[]): string | null {
  if (submissions === 0) return 'no submissions to correlate';
  const named = headerNames.length
    ? `; PHP names ${headerNames.slice(0, 3).map((c) => JSON.stringify(c.value)).join(', ')}, which no logged web request reached, so it ran from cron or the command line, or its site logs elsewhere`
    : '';
  if (reported === 0) return (requests === 0 ? NO_WEB_REQUESTS : NOTHING_CORRELATES) + named;
  const left = submissions - explained;
  if (left === 0) return named ? named.slice(2) : null;
  return `${left} of ${submissions} submissions followed no request of a reported script: a cron job, a CLI script or a process speaking SMTP to localhost may send them${named}`;
}

/** Rank the scripts behind a local uid's submissions; pure, no I/O. */
export function correlateScripts(input: ScriptCorrelationInput): ScriptCorrelation {
  const o: CorrelationOptions = { ...DEFAULT_CORRELATION_OPTIONS, ...input.options };
  const submissions = input.submissions.filter((s) => validTime(s.time));
  const keyed = input.requests.filter((r) => validTime(r.time)).map(keyRequest);
  const skipped = { submissions: input.submissions.length - submissions.length, requests: input.requests.length - keyed.length };

  const headerCounter = new TopCounter();
  const namedBy = new Map<string, Submission[]>();
  for (const s of submissions) {
    const name = headerScriptName(s.phpScript);
    if (name === null) continue;
    const list = namedBy.get(name);
    if (list) list.push(s);
    else namedBy.set(name, [s]);
    headerCounter.add(s.phpScript!.script);
  }

  const { matches } = matchSubmissions(submissions, keyed, o);
  const tallies = new Map<string, ScriptTally>();
  const tally = (r: KeyedRequest): ScriptTally => {
    let t = tallies.get(r.key);
    if (!t) tallies.set(r.key, (t = { key: r.key, baseName: r.baseName, matches: [], named: false }));
    return t;
  };
  for (const m of matches) tally(m.request).matches.push(m);
  // A script PHP named is reported even when its few requests fell outside the window.
  for (const r of keyed) if (r.baseName !== '' && namedBy.has(r.baseName)) tally(r).named = true;

  const reportedTallies = [...tallies.values()].filter((t) => supported(t, submissions.length, o));
  const reportedKeys = new Set(reportedTallies.map((t) => t.key));
  const requestsByKey = new Map<string, KeyedRequest[]>();
  for (const r of keyed) {
    if (!reportedKeys.has(r.key)) continue;
    const list = requestsByKey.get(r.key);
    if (list) list.push(r);
    else requestsByKey.set(r.key, [r]);
  }

  const scripts = reportedTallies
    .map((t) => findingOf(t, requestsByKey.get(t.key) ?? [], namedBy.get(t.baseName) ?? [], input, o))
    .sort(rank)
    .slice(0, o.maxScripts);
  const explained = scripts.reduce((s, f) => s + f.explainedSubmissions, 0);
  const reachedNames = new Set(reportedTallies.filter((t) => t.named).map((t) => t.baseName));
  const unreached = headerCounter
    .top(10)
    .filter((c) => c.value !== OTHER_VALUES && !reachedNames.has(headerScriptName({ uid: null, script: c.value }) ?? ''));
  return {
    scripts,
    submissions: submissions.length,
    explained,
    belowSupport: tallies.size - reportedTallies.length,
    headerScripts: headerCounter.top(o.top),
    note: noteFor(submissions.length, keyed.length, explained, scripts.length, unreached),
    skipped,
  };
}
