/**
 * Server-side sessions: the cookie holds a random id (256 bits), the store holds only its
 * SHA-256, the principal, the CSRF token and the language. A sign-in always makes a new
 * session (no fixation); sessions expire after `ttlMs`.
 *
 * Anonymous sessions (made by GET /login to carry the form's CSRF token) live only
 * `anonTtlMs` and at most `maxAnonymous` of them are kept (the oldest go first), so anyone
 * who can reach the login page cannot grow the table.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Store } from '../store';
import { isLocale, type Locale } from './i18n';
import { readPrincipal, type Principal } from './principal';

export const SESSION_COOKIE = 'spamtrace_sid';
export const DEFAULT_SESSION_TTL_MS = 8 * 3600_000;
export const ANONYMOUS_SESSION_TTL_MS = 15 * 60_000;
export const MAX_ANONYMOUS_SESSIONS = 1000;

export interface Session {
  id: string;
  principal: Principal | null;
  csrf: string;
  locale: Locale;
  expiresAt: number;
}

interface SessionRow {
  principal_json: string | null;
  csrf: string;
  locale: string;
  expires_at: number;
}

const ID = /^[A-Za-z0-9_-]{43}$/;

function hashId(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

export class SessionStore {
  constructor(
    private readonly store: Store,
    private readonly ttlMs = DEFAULT_SESSION_TTL_MS,
    private readonly anonTtlMs = ANONYMOUS_SESSION_TTL_MS,
    private readonly maxAnonymous = MAX_ANONYMOUS_SESSIONS,
  ) {}

  create(principal: Principal | null, locale: Locale): Session {
    // expired rows go whenever a new one comes: the table stays as small as the live sessions
    this.purgeExpired();
    const id = randomBytes(32).toString('base64url');
    const csrf = randomBytes(32).toString('base64url');
    const now = this.store.now();
    const expiresAt = now + (principal ? this.ttlMs : this.anonTtlMs);
    this.store.db
      .prepare('INSERT INTO web_sessions (id_hash, principal_json, csrf, locale, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(hashId(id), principal ? JSON.stringify(principal) : null, csrf, locale, now, expiresAt);
    if (!principal) this.trimAnonymous();
    return { id, principal, csrf, locale, expiresAt };
  }

  get(id: string | undefined): Session | null {
    if (!id || !ID.test(id)) return null;
    const row = this.store.db.prepare('SELECT principal_json, csrf, locale, expires_at FROM web_sessions WHERE id_hash = ?').get(hashId(id)) as
      | SessionRow
      | undefined;
    if (!row) return null;
    if (row.expires_at <= this.store.now()) {
      this.destroy(id);
      return null;
    }
    return { id, principal: readPrincipal(row.principal_json), csrf: row.csrf, locale: isLocale(row.locale) ? row.locale : 'en', expiresAt: row.expires_at };
  }

  setLocale(id: string, locale: Locale): void {
    this.store.db.prepare('UPDATE web_sessions SET locale = ? WHERE id_hash = ?').run(locale, hashId(id));
  }

  destroy(id: string): void {
    this.store.db.prepare('DELETE FROM web_sessions WHERE id_hash = ?').run(hashId(id));
  }

  /** Keeps the newest `maxAnonymous` anonymous sessions. */
  private trimAnonymous(): void {
    this.store.db
      .prepare(
        `DELETE FROM web_sessions WHERE principal_json IS NULL AND rowid NOT IN
           (SELECT rowid FROM web_sessions WHERE principal_json IS NULL ORDER BY created_at DESC, rowid DESC LIMIT ?)`,
      )
      .run(this.maxAnonymous);
  }

  purgeExpired(): number {
    return this.store.db.prepare('DELETE FROM web_sessions WHERE expires_at <= ?').run(this.store.now()).changes;
  }
}

/** The value of one cookie from a Cookie header; the first occurrence wins. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function sessionCookie(id: string, secure: boolean, maxAgeSeconds: number): string {
  return `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;
}

export function clearedSessionCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`;
}
