/**
 * Which web request made which mail? Each submission is explained by at most one
 * request: one that came shortly before it (the window), or at most a little after it
 * (clock skew between the web server's and the mail system's log, and both logs'
 * whole-second timestamps).
 *
 * Nearest-preceding alone is fooled by busy sites: a wp-login brute force at a few
 * requests a second lands between the bot's request and its mail most of the time. So
 * candidates in the window are ranked:
 *   1. the script PHP itself named (X-PHP-Originating-Script) beats everything;
 *   2. then the path whose requests are more often followed by mail at all ("precision",
 *      in four bands so that near-equal paths fall back to timing); a brute force
 *      of hundreds of logins with no mail after most of them loses to the dropper
 *      whose every request is followed by a mail;
 *   3. then a request before the mail over one after it, the nearer the better;
 *   4. then a POST over other methods, then the path requested less often in all,
 *      then the earlier log line.
 *
 * Both lists are sorted once and walked with pointers; each submission looks at no more
 * than `maxCandidates` requests, so the work is O((n + m) log(n + m)) however dense the log.
 */
import type { WebRequest } from '../../domain/weblog';
import type { PhpScript } from '../../domain/origin';
import { baseNameOf, canTriggerMail, decodePath } from './script-path';

/** One mail handed to Postfix by the source (pickup time, or the queue's arrival time). */
export interface Submission {
  time: Date;
  queueId: string;
  /** from X-PHP-Originating-Script, when the message carried it */
  phpScript?: PhpScript | null;
}

export interface MatchOptions {
  /** how long before a submission a request may have happened, seconds */
  windowSeconds: number;
  /** how long after a submission a request may be logged and still count, seconds */
  skewSeconds: number;
  /** requests looked at per submission, nearest first */
  maxCandidates: number;
}

/** A request the matcher considers, with the key its script is counted under. */
export interface KeyedRequest {
  request: WebRequest;
  /** decoded URL path: "/images/%78.php" and "/images/x.php" are one script */
  key: string;
  baseName: string;
  timeMs: number;
}

export interface Match {
  submission: Submission;
  request: KeyedRequest;
  /** submission time minus request time; negative within the skew allowance */
  lagSeconds: number;
  /** the submission's X-PHP-Originating-Script named this request's script */
  named: boolean;
}

export interface MatchResult {
  matches: Match[];
  /** per script key: share of its mail-capable requests followed by any submission in the window */
  precision: Map<string, number>;
}

/**
 * The script file PHP names in X-PHP-Originating-Script, as a base name:
 * "4079:kontakt.php" gives "kontakt.php", "x.php(2) : eval()'d code" gives "x.php".
 */
export function headerScriptName(php: PhpScript | null | undefined): string | null {
  if (!php || typeof php.script !== 'string') return null;
  const script = php.script.slice(0, 500).replace(/\(\d+\)\s*:.*$/s, '').trim();
  const base = script.slice(script.lastIndexOf('/') + 1);
  return base.length > 0 ? base : null;
}

export function keyRequest(request: WebRequest): KeyedRequest {
  return { request, key: decodePath(request.path), baseName: baseNameOf(request.path), timeMs: request.time.getTime() };
}

function assign(
  subs: readonly Submission[],
  subMs: readonly number[],
  reqs: readonly KeyedRequest[],
  opts: MatchOptions,
  band: (key: string) => number,
  requestsOf: (key: string) => number,
): Match[] {
  const windowMs = opts.windowSeconds * 1000;
  const skewMs = opts.skewSeconds * 1000;
  const matches: Match[] = [];
  let q = 0;
  for (let i = 0; i < subs.length; i++) {
    const sub = subs[i]!;
    const t = subMs[i]!;
    while (q < reqs.length && reqs[q]!.timeMs <= t + skewMs) q += 1;
    const named = headerScriptName(sub.phpScript);
    let best: Candidate | null = null;
    for (let j = q - 1, seen = 0; j >= 0 && seen < opts.maxCandidates; j--, seen++) {
      const req = reqs[j]!;
      const lagMs = t - req.timeMs;
      if (lagMs > windowMs) break;
      const c: Candidate = { req, lagMs, named: named !== null && req.baseName === named, band: band(req.key), requests: requestsOf(req.key) };
      if (best === null || better(c, best)) best = c;
    }
    if (best) matches.push({ submission: sub, request: best.req, lagSeconds: best.lagMs / 1000, named: best.named });
  }
  return matches;
}

function precisionBand(p: number): number {
  return Math.min(3, Math.floor(p * 4));
}

interface Candidate {
  req: KeyedRequest;
  lagMs: number;
  named: boolean;
  band: number;
  /** tie-breaker: how often this path was requested in all */
  requests: number;
}

/** true when a is the better explanation of the submission than b (see the ranking above). */
function better(a: Candidate, b: Candidate): boolean {
  if (a.named !== b.named) return a.named;
  if (a.band !== b.band) return a.band > b.band;
  const aBefore = a.lagMs >= 0;
  if (aBefore !== b.lagMs >= 0) return aBefore;
  if (Math.abs(a.lagMs) !== Math.abs(b.lagMs)) return Math.abs(a.lagMs) < Math.abs(b.lagMs);
  const aPost = a.req.request.method.toUpperCase() === 'POST';
  if (aPost !== (b.req.request.method.toUpperCase() === 'POST')) return aPost;
  if (a.requests !== b.requests) return a.requests < b.requests;
  return a.req.request.line < b.req.request.line;
}

/**
 * Match submissions to the mail-capable requests before them. Both inputs must hold
 * valid times; neither needs to be sorted.
 */
export function matchSubmissions(submissions: readonly Submission[], requests: readonly KeyedRequest[], opts: MatchOptions): MatchResult {
  const windowMs = opts.windowSeconds * 1000;
  const skewMs = opts.skewSeconds * 1000;
  const reqs = requests.filter((r) => canTriggerMail(r.request.method, r.request.path)).sort((a, b) => a.timeMs - b.timeMs);
  const subs = [...submissions].sort((a, b) => a.time.getTime() - b.time.getTime());
  const subMs = subs.map((s) => s.time.getTime());

  // Pass 1: how often is each script's request followed by any mail in the window?
  const followed = new Map<string, { requests: number; followed: number }>();
  let p = 0;
  for (const r of reqs) {
    while (p < subMs.length && subMs[p]! < r.timeMs - skewMs) p += 1;
    const hit = p < subMs.length && subMs[p]! <= r.timeMs + windowMs;
    const f = followed.get(r.key) ?? { requests: 0, followed: 0 };
    f.requests += 1;
    if (hit) f.followed += 1;
    followed.set(r.key, f);
  }
  const precision = new Map<string, number>();
  for (const [key, f] of followed) precision.set(key, f.followed / f.requests);

  // Pass 2: pick the best candidate for each submission.
  const band = (key: string): number => precisionBand(precision.get(key) ?? 0);
  // While a bot mails every second, every request on the site is "followed by mail", and
  // a brute-force POST logged in the same second as the dropper's ties with it. Such
  // exact ties go to the path requested less often: a rarely requested path followed by
  // mail says more than one hammered all the time.
  const matches = assign(subs, subMs, reqs, opts, band, (key) => followed.get(key)?.requests ?? 0);
  return { matches, precision };
}
