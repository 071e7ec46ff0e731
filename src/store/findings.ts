/**
 * Findings as the store keeps them: one row per fingerprint. The fingerprint names the
 * same finding across scans (host, subscription, source, kind, time window), so a scan
 * every five minutes records one finding per window, not one per scan.
 */
import { createHash } from 'node:crypto';
import type { ReportSource } from '../domain/report';
import type { Store } from './open-store';

export interface FingerprintInput {
  host: string;
  subscriptionId: string | null;
  sourceId: string;
  kind: string;
  /** start of the window, ISO-8601 */
  windowStart: string;
}

/** Start of the window that `at` falls in; windows are aligned to the UTC epoch. */
export function windowStart(at: Date, windowHours = 24): string {
  const ms = Math.max(1, Math.round(windowHours * 3600_000));
  return new Date(Math.floor(at.getTime() / ms) * ms).toISOString();
}

export function findingFingerprint(f: FingerprintInput): string {
  // NUL-separated: no field can contain it in a way that merges two fields.
  const parts = [f.host, f.subscriptionId ?? '', f.sourceId, f.kind, f.windowStart].map((p) => p.replace(/\0/g, ''));
  return createHash('sha256').update(parts.join('\0')).digest('hex');
}

export interface FindingRow {
  id: number;
  fingerprint: string;
  host: string;
  subscription_id: string | null;
  source_id: string;
  kind: string;
  window_start: string;
  verdict: string;
  score: number;
  source_json: string;
  first_recorded_at: number;
  last_recorded_at: number;
}

/** Inserts the finding or refreshes its verdict and evidence; returns its fingerprint. */
export function recordFinding(store: Store, host: string, source: ReportSource, window: string): string {
  const fingerprint = findingFingerprint({
    host,
    subscriptionId: source.subscription?.id ?? null,
    sourceId: source.id,
    kind: source.kind,
    windowStart: window,
  });
  const now = store.now();
  store.db
    .prepare(
      `INSERT INTO findings (fingerprint, host, subscription_id, source_id, kind, window_start, verdict, score, source_json, first_recorded_at, last_recorded_at)
       VALUES (@fingerprint, @host, @sub, @source, @kind, @window, @verdict, @score, @json, @now, @now)
       ON CONFLICT (fingerprint) DO UPDATE SET verdict = excluded.verdict, score = excluded.score,
         source_json = excluded.source_json, last_recorded_at = excluded.last_recorded_at`,
    )
    .run({
      fingerprint,
      host,
      sub: source.subscription?.id ?? null,
      source: source.id,
      kind: source.kind,
      window,
      verdict: source.verdict,
      score: source.score,
      json: JSON.stringify(source),
      now,
    });
  return fingerprint;
}

export function getFinding(store: Store, fingerprint: string): FindingRow | undefined {
  return store.db.prepare('SELECT * FROM findings WHERE fingerprint = ?').get(fingerprint) as FindingRow | undefined;
}
