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
import { deleteSession, insertSession, purgeExpiredSessions, sessionByHash, setSessionLocale, trimAnonymousSessions, type Store } from '../store';
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
    insertSession(this.store, { idHash: hashId(id), principalJson: principal ? JSON.stringify(principal) : null, csrf, locale, createdAt: now, expiresAt });
    if (!principal) trimAnonymousSessions(this.store, this.maxAnonymous);
    return { id, principal, csrf, locale, expiresAt };
  }

  get(id: string | undefined): Session | null {
    if (!id || !ID.test(id)) return null;
    const row = sessionByHash(this.store, hashId(id));
    if (!row) return null;
    if (row.expiresAt <= this.store.now()) {
      this.destroy(id);
      return null;
    }
    return { id, principal: readPrincipal(row.principalJson), csrf: row.csrf, locale: isLocale(row.locale) ? row.locale : 'en', expiresAt: row.expiresAt };
  }

  setLocale(id: string, locale: Locale): void {
    setSessionLocale(this.store, hashId(id), locale);
  }

  destroy(id: string): void {
    deleteSession(this.store, hashId(id));
  }

  purgeExpired(): number {
    return purgeExpiredSessions(this.store, this.store.now());
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
