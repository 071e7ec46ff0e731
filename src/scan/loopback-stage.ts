/**
 * SMTP to localhost, after the fact: a script that speaks SMTP to 127.0.0.1 leaves no uid
 * and no login (Postfix logs `client=localhost[127.0.0.1]`), so its source stays
 * `client:127.0.0.1` with no subscription. The web requests that made it send are still in
 * some subscription's access log: every subscription's logs are read around the source's
 * submissions and the scan's own correlator (`correlateScripts`) ranks each one's scripts.
 * The subscription whose best script explains most submissions gets the source when that
 * script explains at least half of them (and 3) and no other subscription explains as many:
 * a tie, or a thin match, stays unattributed with the reason. Each subscription is isolated:
 * one unreadable log costs only that subscription.
 */
import type { ReportSource } from '../domain/report';
import type { Subscription } from '../domain/subscription';
import type { UserDirectory } from '../domain/users';
import type { Host } from '../host/host';
import type { Logger } from '../log';
import type { Progress } from './scan-options';
import type { SkipTally } from '../collect/skip-tally';
import { newReadStats } from '../collect/accesslog';
import { lookupUids } from '../collect/users/passwd';
import { correlateScripts, type ScriptCorrelation } from '../trace/correlate';
import { sourceSubscription } from './attach-subscription';
import type { SubmissionLog } from './submission-log';
import { locateScripts, readSubscriptionRequests } from './web-stage';

const MIN_EXPLAINED = 3;

export function isLoopbackSource(s: ReportSource): boolean {
  if (s.kind !== 'smtp-client') return false;
  const ip = s.id.slice('client:'.length);
  return ip.startsWith('127.') || ip === '::1';
}

export async function attributeLoopbackSources(
  host: Host,
  sources: ReportSource[],
  subscriptions: readonly Subscription[],
  submissions: SubmissionLog,
  users: UserDirectory,
  deps: { logger: Logger; progress: Progress; skipped: SkipTally },
): Promise<number> {
  let attributed = 0;
  const stats = newReadStats();
  // every subscription's log directories are listed for such a source: at once (over SSH: one round trip)
  if (sources.some((s) => isLoopbackSource(s) && !s.subscription)) await host.prefetch?.({ list: subscriptions.flatMap((s) => s.logDirs) });
  for (const source of sources) {
    if (!isLoopbackSource(source) || source.subscription) continue;
    const subs = submissions.of(source.id);
    if (subs.length === 0) {
      source.scriptNote = 'SMTP from this server itself (no uid in Postfix\'s records), and no submission times to correlate';
      continue;
    }
    let first = Infinity;
    let last = -Infinity;
    for (const x of subs) {
      first = Math.min(first, x.time.getTime());
      last = Math.max(last, x.time.getTime());
    }
    const ranked: { sub: Subscription; result: ScriptCorrelation; best: number }[] = [];
    for (const sub of subscriptions) {
      if (sub.logDirs.length === 0) continue;
      try {
        const { requests } = await readSubscriptionRequests(host, sub, first, last, stats, deps);
        if (requests.length === 0) continue;
        const result = correlateScripts({ submissions: subs, requests, docRoots: sub.docRoots });
        const best = result.scripts[0]?.explainedSubmissions ?? 0;
        if (best > 0) ranked.push({ sub, result, best });
      } catch (e) {
        deps.logger.warn('access logs unreadable', { code: 'WEBLOG_FAILED', source: source.id, subscription: sub.id, error: (e as Error).message });
      }
    }
    ranked.sort((a, b) => b.best - a.best);
    const [top, next] = ranked;
    const need = Math.max(MIN_EXPLAINED, Math.ceil(subs.length / 2));
    if (!top || top.best < need) {
      source.scriptNote =
        `SMTP from this server itself (no uid in Postfix's records); the access logs of ${subscriptions.length} subscriptions were read around its ${subs.length} submissions` +
        (top ? `, but the best match (${top.sub.domains[0] ?? top.sub.id}) explains only ${top.best}` : ' and no web request preceded them: a cron job or a daemon, not a web script');
      continue;
    }
    if (next && next.best >= top.best) {
      source.scriptNote = `SMTP from this server itself; ${top.sub.domains[0] ?? top.sub.id} and ${next.sub.domains[0] ?? next.sub.id} explain its submissions equally well: not attributed`;
      continue;
    }
    await locateScripts(host, top.result.scripts, top.sub.docRoots, users);
    // the scan looked up the uids of its local sources only: name the scripts' owners too
    const unnamed = top.result.scripts.filter((f) => f.file?.uid != null && f.file.owner === null);
    if (unnamed.length) {
      const more = await lookupUids(host, [...new Set(unnamed.map((f) => f.file!.uid!))], deps.skipped);
      for (const f of unnamed) f.file!.owner = more.byUid(f.file!.uid!)?.login ?? null;
    }
    source.subscription = sourceSubscription(top.sub);
    source.scripts = top.result.scripts;
    const s0 = top.result.scripts[0]!;
    source.scriptNote =
      `SMTP from this server itself (no uid in Postfix's records): attributed by timing to ${top.sub.domains[0] ?? top.sub.id}, ` +
      `where requests to ${s0.urlPath} preceded ${top.best} of ${subs.length} submissions` +
      (next ? ` (next best: ${next.sub.domains[0] ?? next.sub.id}, ${next.best})` : ' (no other subscription explains any)');
    attributed += 1;
  }
  return attributed;
}
