/**
 * The overview's "Hosts" section: each host of the newest finished scan with its state and
 * last good scan; a scan without --hosts is the one local host.
 */
import type { CrossHost } from '../fleet/fleet-merge';
import { latestCrossHostJson, latestScanHosts, type Store } from '../store';

/** What the overview's "Hosts" section shows per host. */
export interface HostStatus {
  alias: string;
  roles: string[];
  target: string | null;
  /** scanned, checked, or the error kind of a failed host (unreachable, host-key-changed, ...) */
  state: string;
  /** E_POSTFIX_MISSING and the like, for a host whose scan itself refused */
  errorCode: string | null;
  /** ssh's or the scan's words: attacker-influenced (ssh stderr), always escaped by the view */
  errorMessage: string | null;
  /** ISO time this host's latest scan ended */
  lastScan: string | null;
  /** ISO time of this host's latest scan that did not fail (null: never) */
  lastOk: string | null;
  sources: number;
  spamSources: number;
  /** false: the single local host of a scan without --hosts */
  remote: boolean;
}

/** Null before the first scan. */
export function hostStatuses(store: Store): HostStatus[] | null {
  const latest = latestScanHosts(store);
  if (!latest) return null;
  if (latest.hosts.length > 0) {
    return latest.hosts.map((h) => ({
      alias: h.alias,
      roles: h.roles,
      target: h.target,
      state: h.state,
      errorCode: h.errorCode,
      errorMessage: h.errorMessage,
      lastScan: h.finishedAt,
      lastOk: h.lastOk,
      sources: h.sources,
      spamSources: h.spamSources,
      remote: true,
    }));
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
