/**
 * A fleet scan as the store keeps it (for `serve --hosts` and `scan --hosts --store`). The
 * pages work on one Report (subscriptions, access
 * checks, the overview's numbers), so the fleet's per-host reports are merged into one:
 * every source keeps its host, and source and subscription ids are qualified with the
 * host ("mx1/uid:4079", "plesk2/7"), because two servers number their subscriptions and
 * queue files independently and "7" on one is not "7" on the other. What belongs to the
 * fleet itself (each host's state, the cross-host call-outs) is kept beside the report.
 */
import type { Report, ReportSource } from '../domain/report';
import type { ScanHostRecord, StoredScanResult } from '../store/scans';
import type { CrossHostItem, FleetHostResult, FleetReport } from './fleet-report';

/** Separates a host alias from an id in the merged report (aliases never contain it). */
export const HOST_SEPARATOR = '/';

export function qualify(alias: string, id: string): string {
  return `${alias}${HOST_SEPARATOR}${id}`;
}

type QueueName = keyof Report['queue']['byQueue'];

export interface CrossHost {
  ips: CrossHostItem[];
  scripts: CrossHostItem[];
}

/** The state word of a host result: its error kind when it failed (no-postfix for E_POSTFIX_MISSING). */
export function hostState(r: Pick<FleetHostResult, 'state' | 'error'>): string {
  if (r.state !== 'failed') return r.state;
  if (r.error?.code === 'E_POSTFIX_MISSING') return 'no-postfix';
  return r.error?.kind ?? 'scan-failed';
}

function qualifySource(alias: string, s: ReportSource): ReportSource {
  const out: ReportSource = { ...s, id: qualify(alias, s.id), host: alias };
  if (s.subscription) out.subscription = { ...s.subscription, id: qualify(alias, s.subscription.id) };
  return out;
}

/** One Report over every scanned host, for the pages; see the header comment. */
export function mergeFleetReport(fleet: FleetReport): Report {
  const scanned = fleet.hosts.filter((h): h is FleetHostResult & { report: Report } => h.report !== null);
  const byQueue: Partial<Record<QueueName, number>> = {};
  let total = 0;
  let examined = 0;
  for (const h of scanned) {
    total += h.report.queue.total;
    examined += h.report.queue.examined;
    for (const [q, n] of Object.entries(h.report.queue.byQueue) as [QueueName, number][]) byQueue[q] = (byQueue[q] ?? 0) + n;
  }
  return {
    version: 1,
    host: fleet.hosts.map((h) => h.alias).join(', ') || 'fleet',
    generatedAt: fleet.generatedAt,
    input: { mode: 'live', queueSource: 'fleet', postcat: scanned.some((h) => h.report.input.postcat) },
    postfix: { version: null },
    queue: { total, byQueue, examined },
    skipped: scanned.flatMap((h) => h.report.skipped),
    warnings: scanned.flatMap((h) => h.report.warnings.map((w) => `${h.alias}: ${w}`)),
    sources: scanned.flatMap((h) => h.report.sources.map((s) => qualifySource(h.alias, s))),
  };
}

/** Cross-host call-outs with their source ids qualified like the merged report's. */
export function qualifiedCrossHost(fleet: FleetReport): CrossHost {
  const q = (items: CrossHostItem[]): CrossHostItem[] =>
    items.map((it) => ({ ...it, hosts: it.hosts.map((h) => ({ ...h, sources: h.sources.map((id) => qualify(h.host, id)) })) }));
  return { ips: q(fleet.crossHost.ips), scripts: q(fleet.crossHost.scripts) };
}

/** What the store keeps of a scan: a fleet scan merged, with each host and the call-outs. */
export function storedScanResult(result: Report | FleetReport): StoredScanResult {
  if (!isFleetReport(result)) return { report: result };
  return { report: mergeFleetReport(result), hosts: result.hosts.map(hostRecord), crossHost: qualifiedCrossHost(result) };
}

function isFleetReport(r: Report | FleetReport): r is FleetReport {
  return (r as FleetReport).kind === 'fleet';
}

function hostRecord(h: FleetHostResult): ScanHostRecord {
  const sources = h.report?.sources ?? [];
  return {
    alias: h.alias,
    roles: h.roles,
    target: h.target,
    state: hostState(h),
    errorKind: h.error?.kind ?? null,
    errorCode: h.error?.code ?? null,
    errorMessage: h.error?.message ?? null,
    finishedAt: h.finishedAt,
    ms: h.ms,
    sources: sources.length,
    spamSources: sources.filter((s) => s.verdict === 'spam').length,
  };
}
