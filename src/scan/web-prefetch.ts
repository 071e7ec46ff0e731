/**
 * The web stage and the loopback stage read access logs one subscription and one source
 * at a time; over SSH each file read is a round trip and a few process starts on the
 * server. Before either runs, every log file they will filter is announced at once
 * (Host.prefetchGreps): one remote run for all of them, the reads then answered from it.
 * The files and the window are the union of what the two stages read; nothing they find
 * changes.
 */
import type { ReportSource } from '../domain/report';
import type { Subscription } from '../domain/subscription';
import type { Host } from '../host/host';
import { prefetchAccessLogs } from '../collect/accesslog';
import { isLoopbackSource } from './loopback-stage';
import type { SubmissionLog } from './submission-log';
import { MARGIN_MS, SCRIPT_LINE_NEEDLES } from './web-stage';

export async function prefetchWebLogs(
  host: Host,
  sources: readonly ReportSource[],
  subscriptionFor: (s: ReportSource) => Subscription | null,
  subscriptions: readonly Subscription[],
  submissions: SubmissionLog,
): Promise<void> {
  if (!host.prefetchGreps) return;
  const dirs = new Set<string>();
  let first = Infinity;
  let last = -Infinity;
  for (const s of sources) {
    // the web stage: a local source's own subscription; the loopback stage: every subscription
    const wanted = s.kind === 'local' ? (subscriptionFor(s)?.logDirs ?? []) : isLoopbackSource(s) && !s.subscription ? subscriptions.flatMap((x) => x.logDirs) : [];
    if (wanted.length === 0) continue;
    const times = submissions.of(s.id);
    if (times.length === 0) continue;
    for (const d of wanted) dirs.add(d);
    for (const t of times) {
      first = Math.min(first, t.time.getTime());
      last = Math.max(last, t.time.getTime());
    }
  }
  if (dirs.size === 0 || !Number.isFinite(first)) return;
  await prefetchAccessLogs(host, [...dirs], { since: new Date(first - MARGIN_MS), until: new Date(last + MARGIN_MS), lineContains: SCRIPT_LINE_NEEDLES });
}
