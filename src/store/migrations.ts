/**
 * Schema changes, applied in order and recorded in `schema_version`. Later work
 * (containment actions, the UI's sessions) appends a migration here; a migration once
 * released is never edited, only followed by another one.
 */
import type { Database } from 'better-sqlite3';

export interface Migration {
  /** 1, 2, 3 ... without gaps */
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'findings, notices outbox, audit',
    sql: `
      CREATE TABLE findings (
        id INTEGER PRIMARY KEY,
        fingerprint TEXT NOT NULL UNIQUE,
        host TEXT NOT NULL,
        subscription_id TEXT,
        source_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        window_start TEXT NOT NULL,
        verdict TEXT NOT NULL,
        score REAL NOT NULL,
        source_json TEXT NOT NULL,
        first_recorded_at INTEGER NOT NULL,
        last_recorded_at INTEGER NOT NULL
      );
      CREATE TABLE notices (
        id INTEGER PRIMARY KEY,
        fingerprint TEXT NOT NULL REFERENCES findings(fingerprint),
        recipient TEXT NOT NULL,
        role TEXT NOT NULL,
        customer TEXT,
        reseller TEXT,
        locale TEXT NOT NULL,
        state TEXT NOT NULL,
        state_reason TEXT,
        subject TEXT NOT NULL,
        text_body TEXT NOT NULL,
        html_body TEXT NOT NULL,
        message_id TEXT NOT NULL UNIQUE,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        lease_owner TEXT,
        lease_until INTEGER,
        handed_at INTEGER,
        last_error TEXT,
        smtp_response TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        sent_at INTEGER,
        UNIQUE (fingerprint, recipient)
      );
      CREATE INDEX notices_due ON notices (state, next_attempt_at);
      CREATE INDEX notices_customer ON notices (customer, created_at);
      CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        before_json TEXT,
        after_json TEXT
      );
      CREATE INDEX audit_target ON audit (target, at);
    `,
  },
  {
    version: 2,
    name: 'web UI: scans, findings per scan, sessions',
    sql: `
      CREATE TABLE scans (
        id INTEGER PRIMARY KEY,
        trigger TEXT NOT NULL,
        actor TEXT,
        state TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        finished_at INTEGER,
        progress_done INTEGER NOT NULL DEFAULT 0,
        progress_total INTEGER NOT NULL DEFAULT 0,
        progress_what TEXT,
        error TEXT,
        host TEXT,
        report_json TEXT
      );
      CREATE INDEX scans_state ON scans (state, id);
      CREATE TABLE scan_findings (
        scan_id INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
        source_id TEXT NOT NULL,
        subscription_id TEXT,
        customer TEXT,
        reseller TEXT,
        verdict TEXT NOT NULL,
        score REAL NOT NULL,
        messages INTEGER NOT NULL,
        fingerprint TEXT,
        PRIMARY KEY (scan_id, source_id)
      );
      CREATE INDEX scan_findings_subscription ON scan_findings (subscription_id, scan_id);
      CREATE TABLE web_sessions (
        id_hash TEXT PRIMARY KEY,
        principal_json TEXT,
        csrf TEXT NOT NULL,
        locale TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      );
      CREATE INDEX web_sessions_expiry ON web_sessions (expires_at);
    `,
  },
  {
    version: 3,
    name: 'web UI: fleet scans (per-host state, cross-host call-outs)',
    sql: `
      ALTER TABLE scans ADD COLUMN cross_host_json TEXT;
      CREATE TABLE scan_hosts (
        scan_id INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
        alias TEXT NOT NULL,
        roles TEXT NOT NULL,
        target TEXT,
        state TEXT NOT NULL,
        error_kind TEXT,
        error_code TEXT,
        error_message TEXT,
        finished_at TEXT NOT NULL,
        ms INTEGER NOT NULL,
        sources INTEGER NOT NULL,
        spam_sources INTEGER NOT NULL,
        PRIMARY KEY (scan_id, alias)
      );
      CREATE INDEX scan_hosts_alias ON scan_hosts (alias, scan_id);
    `,
  },
  {
    version: 4,
    name: 'panel tokens used once (jti until expiry)',
    sql: `
      CREATE TABLE panel_token_uses (
        jti TEXT PRIMARY KEY,
        expires_at INTEGER NOT NULL
      );
      CREATE INDEX panel_token_uses_expiry ON panel_token_uses (expires_at);
    `,
  },
];

/** Applies every migration newer than the database, each in its own transaction. */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS, now: () => number = Date.now): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration ${m.name}: version ${m.version}, expected ${i + 1}`);
  });
  // IMMEDIATE: two processes opening a fresh file must not both run migration 1.
  const apply = db.transaction((m: Migration) => {
    const done = db.prepare('SELECT 1 FROM schema_version WHERE version = ?').get(m.version);
    if (done) return;
    db.exec(m.sql);
    db.prepare('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, now());
  });
  for (const m of migrations) apply.immediate(m);
  return schemaVersion(db);
}

export function schemaVersion(db: Database): number {
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null };
  return row.v ?? 0;
}
