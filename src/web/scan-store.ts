/**
 * Scans as the UI keeps them: one row per scan with its progress and, when done, its
 * report; one row per source in scan_findings (who, verdict, count) for listing; and the
 * store's fingerprinted findings refreshed, so notices and the CLI see the same data.
 */
import type { Report } from '../domain/report';
import { recordFinding, windowStart, type Store } from '../store';

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

/** Stores the report and its sources in one transaction: a page never sees half a scan. */
export function finishScan(store: Store, id: number, report: Report): void {
  const insert = store.db.prepare(
    `INSERT INTO scan_findings (scan_id, source_id, subscription_id, customer, reseller, verdict, score, messages, fingerprint)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const window = windowStart(new Date(report.generatedAt));
  store.db.transaction(() => {
    for (const s of report.sources) {
      const fingerprint = s.verdict === 'normal' ? null : recordFinding(store, report.host, s, window);
      insert.run(id, s.id, s.subscription?.id ?? null, s.subscription?.customer ?? null, s.subscription?.reseller ?? null, s.verdict, s.score, s.messages, fingerprint);
    }
    store.db
      .prepare("UPDATE scans SET state = 'done', finished_at = ?, host = ?, report_json = ? WHERE id = ?")
      .run(store.now(), report.host, JSON.stringify(report), id);
  })();
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
