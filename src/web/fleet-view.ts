/**
 * The overview's "Hosts" section: each host of the newest finished scan with its state and
 * last good scan; a scan without --hosts is the one local host.
 */
import type { CrossHost } from '../fleet/fleet-merge';
import { latestCrossHostJson, latestScanHosts, type StoredHostRow, type Store } from '../store';

/** What the overview's "Hosts" section shows per host: a stored host row, or this server for a scan without --hosts. */
export type HostStatus = Omit<StoredHostRow, 'finishedAt'> & {
  /** ISO time this host's latest scan ended */
  lastScan: string | null;
  /** false: the single local host of a scan without --hosts */
  remote: boolean;
};

/** Null before the first scan. */
export function hostStatuses(store: Store): HostStatus[] | null {
  const latest = latestScanHosts(store);
  if (!latest) return null;
  if (latest.hosts.length > 0) {
    return latest.hosts.map(({ finishedAt, ...h }) => ({ ...h, lastScan: finishedAt, remote: true }));
  }
  const { scan, report } = latest;
  const at = scan.finished_at === null ? null : new Date(scan.finished_at).toISOString();
  return [
    {
      alias: scan.host ?? report.host,
      roles: [],
      target: null,
      state: 'scanned',
      errorCode: null,
      errorMessage: null,
      lastScan: at,
      lastOk: at,
      sources: report.sources.length,
      spamSources: report.sources.filter((s) => s.verdict === 'spam').length,
      remote: false,
    },
  ];
}

/** The newest finished scan's cross-host call-outs; null for a scan without --hosts. */
export function latestCrossHost(store: Store): CrossHost | null {
  return latestCrossHostJson(store) as CrossHost | null;
}
