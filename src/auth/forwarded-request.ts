/**
 * The forwarded identity: how the Plesk extension's PHP forwarder (plesk/plib/library/
 * Forwarder.php) tells the service, on every single request it forwards from the panel's
 * own origin, who is asking and exactly what they asked for.
 *
 * It is a panel token (src/auth/panel-token.ts, same envelope and claims) with four more
 * claims, signed with a key derived from the shared panel key:
 *
 *     forward key = HMAC-SHA256(panel key, "spamtrace forwarded request v1")
 *     extra claims: "m"   the HTTP method              ("GET" | "POST")
 *                   "p"   the path and query the service receives ("/subscriptions/web274?x=1")
 *                   "b"   the base path the browser sees (/modules/spamtrace/index.php/ui)
 *                   "sid" SHA-256 hex of the Plesk session id ("" when there is none)
 *                   "loc" the panel's locale (optional, "de-DE")
 *
 * Why a derived key: a sign-in token (POST /auth/panel) and a forwarded identity are
 * different things; neither can be replayed as the other.
 * Why bound to method and path: a token taken from one request (a log, a proxy) cannot
 * be used for another page or to turn a GET into a POST.
 * Why replay-proof: each jti is accepted once, recorded in the store until it expires (the
 * same table as the sign-in tokens' jtis, so a restart does not reopen the window).
 * Lifetime: the PHP side mints a token per request with 60 s; more than 120 s is refused.
 */
import { createHmac } from 'node:crypto';
import { verifyPanelToken, type PanelIdentity } from './panel-token';

export const FORWARD_HEADER = 'x-spamtrace-forwarded';
export const FORWARD_KEY_LABEL = 'spamtrace forwarded request v1';
export const FORWARD_MAX_LIFETIME_SECONDS = 120;

const BASE = /^\/[A-Za-z0-9/_.~-]{0,200}[A-Za-z0-9_~-]$/;
const SID = /^(?:[0-9a-f]{64})?$/;
const LOCALE = /^[A-Za-z]{2}(?:[-_][A-Za-z]{2})?$/;

export interface ForwardedIdentity {
  identity: PanelIdentity;
  /** the base path every link, form and redirect of the answer must start with */
  base: string;
  /** SHA-256 of the Plesk session id: the CSRF token is bound to it */
  sid: string;
  /** the panel's language, "de-DE"; null when the panel did not say */
  locale: string | null;
}

export type ForwardVerdict = { ok: true; forwarded: ForwardedIdentity } | { ok: false; reason: string };

export function forwardKey(panelKey: Buffer): Buffer {
  return createHmac('sha256', panelKey).update(FORWARD_KEY_LABEL, 'utf8').digest();
}

export interface ForwardCheck {
  method: string;
  /** the request's path and query exactly as the service received it (req.originalUrl) */
  path: string;
  /** epoch seconds */
  now: number;
  /**
   * records a jti until its expiry; false when it was used before (the store's
   * panel_token_uses table, src/auth/token-replay.ts, shared with the sign-in tokens)
   */
  claimJti: (jti: string, exp: number, now: number) => boolean;
}

/** Checks a forwarded identity; never throws for a bad token. */
export function verifyForwarded(token: string, panelKey: Buffer, check: ForwardCheck): ForwardVerdict {
  const verdict = verifyPanelToken(token, forwardKey(panelKey), check.now, { maxLifetimeSeconds: FORWARD_MAX_LIFETIME_SECONDS });
  if (!verdict.ok) return { ok: false, reason: `${verdict.reason}: ${verdict.detail}` };
  // the envelope is authentic: read the extra claims from the same (authenticated) payload
  const claims = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;
  const { m, p, b, sid, loc } = claims;
  if (m !== check.method) return { ok: false, reason: `bound to method ${String(m).slice(0, 10)}, used for ${check.method}` };
  if (p !== check.path) return { ok: false, reason: 'bound to another path' };
  if (typeof b !== 'string' || !BASE.test(b) || b.includes('..') || b.includes('//')) return { ok: false, reason: 'base path is not a plain absolute path' };
  if (typeof sid !== 'string' || !SID.test(sid)) return { ok: false, reason: 'sid must be empty or 64 hex digits' };
  if (loc !== undefined && (typeof loc !== 'string' || !LOCALE.test(loc))) return { ok: false, reason: 'loc is not a locale code' };
  if (!check.claimJti(verdict.identity.jti, verdict.identity.exp, check.now)) return { ok: false, reason: 'replayed (jti already used)' };
  return { ok: true, forwarded: { identity: verdict.identity, base: b, sid, locale: typeof loc === 'string' ? loc : null } };
}

/**
 * The CSRF token of a forwarded user: stateless, derived from the key, the user and the
 * Plesk session, so every page of one panel session carries the same token and another
 * user or session cannot guess it.
 */
export function forwardedCsrf(panelKey: Buffer, f: ForwardedIdentity): string {
  const who = [f.identity.role, f.identity.login, f.identity.impersonatedBy ?? '', f.sid].join('\n');
  return createHmac('sha256', forwardKey(panelKey)).update(`csrf\n${who}`, 'utf8').digest('base64url');
}

/** The Node twin of Forwarder.php's signing: for tests and tools. */
export function signForwarded(claims: object, panelKey: Buffer): string {
  const body = Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url');
  const mac = createHmac('sha256', forwardKey(panelKey)).update(body, 'ascii').digest('base64url');
  return `${body}.${mac}`;
}
