/**
 * The UI's server-side sessions as rows: keyed by the SHA-256 of the cookie's id (the
 * store never holds the id itself). The session rules (lifetimes, how many anonymous
 * ones) are src/web/sessions.ts's; this is their SQL.
 */
import type { Store } from './open-store';

export interface SessionRecord {
  idHash: string;
  /** the principal as JSON; null: an anonymous session (the login form's CSRF token) */
  principalJson: string | null;
  csrf: string;
  locale: string;
  createdAt: number;
  expiresAt: number;
}

export function insertSession(store: Store, s: SessionRecord): void {
  store.db
    .prepare('INSERT INTO web_sessions (id_hash, principal_json, csrf, locale, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)')
    .run(s.idHash, s.principalJson, s.csrf, s.locale, s.createdAt, s.expiresAt);
}

export function sessionByHash(store: Store, idHash: string): Omit<SessionRecord, 'idHash' | 'createdAt'> | undefined {
  const row = store.db.prepare('SELECT principal_json, csrf, locale, expires_at FROM web_sessions WHERE id_hash = ?').get(idHash) as
    | { principal_json: string | null; csrf: string; locale: string; expires_at: number }
    | undefined;
  return row ? { principalJson: row.principal_json, csrf: row.csrf, locale: row.locale, expiresAt: row.expires_at } : undefined;
}

export function setSessionLocale(store: Store, idHash: string, locale: string): void {
  store.db.prepare('UPDATE web_sessions SET locale = ? WHERE id_hash = ?').run(locale, idHash);
}

export function deleteSession(store: Store, idHash: string): void {
  store.db.prepare('DELETE FROM web_sessions WHERE id_hash = ?').run(idHash);
}

/** Keeps the newest `keep` anonymous sessions. */
export function trimAnonymousSessions(store: Store, keep: number): void {
  store.db
    .prepare(
      `DELETE FROM web_sessions WHERE principal_json IS NULL AND rowid NOT IN
         (SELECT rowid FROM web_sessions WHERE principal_json IS NULL ORDER BY created_at DESC, rowid DESC LIMIT ?)`,
    )
    .run(keep);
}

/** Removes the sessions expired at `now`; returns how many. */
export function purgeExpiredSessions(store: Store, now: number): number {
  return store.db.prepare('DELETE FROM web_sessions WHERE expires_at <= ?').run(now).changes;
}

/**
 * A panel token's `jti`, recorded until the token expires: true on its first use, false
 * when it was used before. One INSERT decides (the primary key), so two requests racing
 * with one token cannot both win, also across processes sharing the store. Expired rows go
 * first, so the table holds only unexpired tokens. Times are epoch seconds.
 */
export function recordTokenUse(store: Store, jti: string, expSeconds: number, nowSeconds: number): boolean {
  store.db.prepare('DELETE FROM panel_token_uses WHERE expires_at <= ?').run(nowSeconds);
  const r = store.db.prepare('INSERT OR IGNORE INTO panel_token_uses (jti, expires_at) VALUES (?, ?)').run(jti, expSeconds);
  return r.changes === 1;
}
