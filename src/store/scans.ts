/**
 * Scans as the store keeps them: one row per scan with its progress and, when done, its
 * report; one row per source in scan_findings (who, verdict, count) for listing; one row
 * per host of a fleet scan in scan_hosts; and the fingerprinted findings refreshed, so
 * notices, the UI and the CLI see the same data. Written by `serve` and `scan --store`
 * alike (src/scan/stored-scan.ts), read by the UI.
 */
import type { Report } from '../domain/report';
import { recordFinding, windowStart } from './findings';
import type { Store } from './open-store';

export type ScanState = 'running' | 'done' | 'failed';

export interface ScanRow {
  id: number;
  trigger: string;
  actor: string | null;
  state: ScanState;
  started_at: number;
  finished_at: number | null;
  progress_done: number;
  progress_total: number;
  progress_what: string | null;
  error: string | null;
  host: string | null;
}

export interface ScanSummary extends ScanRow {
  spamSources: number;
}

/** One host of a fleet scan as stored beside the merged report. */
export interface ScanHostRecord {
  alias: string;
  roles: readonly string[];
  target: string | null;
  /** scanned, checked, or the error kind of a failed host */
  state: string;
  errorKind: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  /** ISO time */
  finishedAt: string;
  ms: number;
  sources: number;
  spamSources: number;
}

/** What a finished scan leaves: its report and, for a fleet scan, each host and the cross-host call-outs. */
export interface StoredScanResult {
  report: Report;
  hosts?: readonly ScanHostRecord[];
  /** kept as JSON for the overview; null: a scan of this server alone */
  crossHost?: unknown;
}

const COLUMNS = 'id, trigger, actor, state, started_at, finished_at, progress_done, progress_total, progress_what, error, host';

export function createScanRow(store: Store, trigger: string, actor: string | null): number {
  const r = store.db
    .prepare("INSERT INTO scans (trigger, actor, state, started_at) VALUES (?, ?, 'running', ?)")
    .run(trigger, actor, store.now());
  return Number(r.lastInsertRowid);
}

export function updateProgress(store: Store, id: number, done: number, total: number, what: string): void {
  store.db
    .prepare("UPDATE scans SET progress_done = ?, progress_total = ?, progress_what = ? WHERE id = ? AND state = 'running'")
    .run(Math.max(0, Math.floor(done)), Math.max(0, Math.floor(total)), what.slice(0, 100), id);
}

/** Stores the report, its sources and hosts in one transaction: a page never sees half a scan. */
export function finishScan(store: Store, id: number, result: StoredScanResult | Report): void {
  const { report, hosts = [], crossHost = null } = 'report' in result ? result : { report: result };
  const insert = store.db.prepare(
    `INSERT INTO scan_findings (scan_id, source_id, subscription_id, customer, reseller, verdict, score, messages, fingerprint)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const window = windowStart(new Date(report.generatedAt));
  store.db.transaction(() => {
    for (const s of report.sources) {
      const fingerprint = s.verdict === 'normal' ? null : recordFinding(store, s.host ?? report.host, s, window);
      insert.run(id, s.id, s.subscription?.id ?? null, s.subscription?.customer ?? null, s.subscription?.reseller ?? null, s.verdict, s.score, s.messages, fingerprint);
    }
    recordHosts(store, id, hosts);
    store.db
      .prepare("UPDATE scans SET state = 'done', finished_at = ?, host = ?, report_json = ?, cross_host_json = ? WHERE id = ?")
      .run(store.now(), report.host, JSON.stringify(report), crossHost === null ? null : JSON.stringify(crossHost), id);
  })();
}

function recordHosts(store: Store, id: number, hosts: readonly ScanHostRecord[]): void {
  if (hosts.length === 0) return;
  const insert = store.db.prepare(
    `INSERT INTO scan_hosts (scan_id, alias, roles, target, state, error_kind, error_code, error_message, finished_at, ms, sources, spam_sources)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const h of hosts) {
    insert.run(
      id,
      h.alias,
      h.roles.join(','),
      h.target,
      h.state,
      h.errorKind,
      h.errorCode,
      h.errorMessage?.slice(0, 2000) ?? null,
      h.finishedAt,
      Math.max(0, Math.round(h.ms)),
      h.sources,
      h.spamSources,
    );
  }
}

export function failScan(store: Store, id: number, error: string): void {
  store.db.prepare("UPDATE scans SET state = 'failed', finished_at = ?, error = ? WHERE id = ?").run(store.now(), error.slice(0, 2000), id);
}

/** Scans a previous process left running (it died): marked failed at start. */
export function abandonRunningScans(store: Store): number {
  return store.db
    .prepare("UPDATE scans SET state = 'failed', finished_at = ?, error = 'the service stopped while this scan ran' WHERE state = 'running'")
    .run(store.now()).changes;
}

export function getScan(store: Store, id: number): ScanRow | undefined {
  return store.db.prepare(`SELECT ${COLUMNS} FROM scans WHERE id = ?`).get(id) as ScanRow | undefined;
}

export function runningScan(store: Store): ScanRow | undefined {
  return store.db.prepare(`SELECT ${COLUMNS} FROM scans WHERE state = 'running' ORDER BY id DESC LIMIT 1`).get() as ScanRow | undefined;
}

export function lastFailedAfterDone(store: Store): ScanRow | undefined {
  const row = store.db.prepare(`SELECT ${COLUMNS} FROM scans WHERE state != 'running' ORDER BY id DESC LIMIT 1`).get() as ScanRow | undefined;
  return row?.state === 'failed' ? row : undefined;
}

export function listScans(store: Store, limit = 50): ScanSummary[] {
  return store.db
    .prepare(
      `SELECT ${COLUMNS.split(', ').map((c) => `s.${c}`).join(', ')},
         (SELECT COUNT(*) FROM scan_findings f WHERE f.scan_id = s.id AND f.verdict = 'spam') AS spamSources
       FROM scans s ORDER BY s.id DESC LIMIT ?`,
    )
    .all(limit) as ScanSummary[];
}

/** The newest finished scan's report, or null before the first one. */
export function latestReport(store: Store): { scan: ScanRow; report: Report } | null {
  const row = store.db
    .prepare(`SELECT ${COLUMNS}, report_json FROM scans WHERE state = 'done' ORDER BY id DESC LIMIT 1`)
    .get() as (ScanRow & { report_json: string }) | undefined;
  if (!row) return null;
  const { report_json, ...scan } = row;
  return { scan, report: JSON.parse(report_json) as Report };
}

/** A host row of the newest finished scan, with the last time that host was scanned without failing. */
export interface StoredHostRow {
  alias: string;
  roles: string[];
  target: string | null;
  /** scanned, checked, or the error kind of a failed host (unreachable, host-key-changed, ...) */
  state: string;
  /** E_POSTFIX_MISSING and the like, for a host whose scan itself refused */
  errorCode: string | null;
  /** ssh's or the scan's words: attacker-influenced (ssh stderr), always escaped by the view */
  errorMessage: string | null;
  /** ISO time this host's scan ended */
  finishedAt: string;
  /** ISO time of this host's latest scan that did not fail (null: never) */
  lastOk: string | null;
  sources: number;
  spamSources: number;
}

/** The newest finished scan's hosts (empty for a scan without --hosts), or null before the first scan. */
export function latestScanHosts(store: Store): { scan: ScanRow; report: Report; hosts: StoredHostRow[] } | null {
  const latest = latestReport(store);
  if (!latest) return null;
  const rows = store.db
    .prepare(
      `SELECT h.alias, h.roles, h.target, h.state, h.error_code, h.error_message, h.finished_at, h.sources, h.spam_sources,
         (SELECT MAX(o.finished_at) FROM scan_hosts o WHERE o.alias = h.alias AND o.state IN ('scanned', 'checked')) AS last_ok
       FROM scan_hosts h WHERE h.scan_id = ? ORDER BY h.alias`,
    )
    .all(latest.scan.id) as {
    alias: string;
    roles: string;
    target: string | null;
    state: string;
    error_code: string | null;
    error_message: string | null;
    finished_at: string;
    sources: number;
    spam_sources: number;
    last_ok: string | null;
  }[];
  const hosts = rows.map((r) => ({
    alias: r.alias,
    roles: r.roles ? r.roles.split(',') : [],
    target: r.target,
    state: r.state,
    errorCode: r.error_code,
    errorMessage: r.error_message,
    finishedAt: r.finished_at,
    lastOk: r.last_ok,
    sources: r.sources,
    spamSources: r.spam_sources,
  }));
  return { ...latest, hosts };
}

/** The newest finished scan's cross-host call-outs as stored; null for a scan without --hosts. */
export function latestCrossHostJson(store: Store): unknown {
  const row = store.db.prepare("SELECT cross_host_json FROM scans WHERE state = 'done' ORDER BY id DESC LIMIT 1").get() as { cross_host_json: string | null } | undefined;
  return row?.cross_host_json ? (JSON.parse(row.cross_host_json) as unknown) : null;
}
