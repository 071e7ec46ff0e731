/**
 * The panel token: how a control panel (the Plesk extension's PHP controller) tells the
 * Node service who is looking, without the service trusting anything the browser says.
 *
 * Format (version 1), defined here and in plesk/plib/library/Token.php, nowhere else:
 *
 *     token   = B64URL(payload) "." B64URL(HMAC-SHA256(key, B64URL(payload)))
 *     payload = UTF-8 JSON {"v":1, "role", "login", "scope", "iat", "exp", "jti"
 *                           [, "impersonatedBy"]}
 *
 * B64URL is RFC 4648 §5 base64url without padding. The MAC covers the ASCII text of the
 * first segment, so nobody has to agree on a JSON canonical form: PHP's json_encode and
 * Node's JSON.parse only need to agree on what the JSON means.
 *
 * - role: "admin" | "reseller" | "customer"
 * - scope: {"kind":"all"} for an admin; {"kind":"reseller","reseller":LOGIN} for a
 *   reseller (the service resolves the reseller's customers from its inventory, which
 *   reads Plesk's own `owner_login`: no documented extension API lists a reseller's
 *   customers, and walking every domain on each page view is O(subscriptions));
 *   {"kind":"customer","customer":LOGIN,"subscriptions":[main domain names]} for a customer.
 * - iat, exp: seconds since the epoch; exp - iat is at most MAX_LIFETIME_SECONDS.
 * - jti: random hex; the service records it until `exp` and refuses a second use
 *   (token-replay.ts), so a token copied from a page, a log or a history entry is worthless.
 *
 * The key is the secret file's bytes with one trailing newline removed (at least 32 bytes),
 * see src/config/secret-file.ts.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type PanelRole = 'admin' | 'reseller' | 'customer';

export type PanelScope =
  | { kind: 'all' }
  | { kind: 'reseller'; reseller: string }
  | { kind: 'customer'; customer: string; subscriptions: string[] };

export interface PanelIdentity {
  role: PanelRole;
  login: string;
  scope: PanelScope;
  /** issued at, epoch seconds */
  iat: number;
  /** expires at, epoch seconds: the token is refused from this second on */
  exp: number;
  jti: string;
  /** admin or reseller login when they opened the panel as this customer */
  impersonatedBy?: string;
}

export type TokenRejection = 'malformed' | 'bad-signature' | 'expired' | 'not-yet-valid' | 'lifetime-too-long' | 'replayed';

export type TokenVerdict =
  | { ok: true; identity: PanelIdentity }
  | { ok: false; reason: TokenRejection; detail: string };

export const TOKEN_VERSION = 1;
/** The PHP side issues tokens for 300 s; more than this is a misconfigured or forged signer. */
export const MAX_LIFETIME_SECONDS = 600;
/** Panel and service run on one machine; a little skew still happens after NTP steps. */
export const CLOCK_SKEW_SECONDS = 30;
/** A customer with thousands of subscriptions fits; a 100 MB body does not reach the MAC. */
export const MAX_TOKEN_LENGTH = 256 * 1024;
export const MIN_KEY_BYTES = 32;

const B64URL = /^[A-Za-z0-9_-]+$/;
const LOGIN = /^[^\x00-\x1f\x7f]{1,255}$/;
const DOMAIN = /^[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?$/i;
const JTI = /^[0-9a-f]{16,64}$/;

export interface VerifyOptions {
  maxLifetimeSeconds?: number;
  clockSkewSeconds?: number;
}

/** Checks a token signed by the panel; `now` is epoch seconds (a parameter, so tests own the clock). */
export function verifyPanelToken(
  token: string,
  key: Buffer | string,
  now: number,
  options: VerifyOptions = {},
): TokenVerdict {
  const keyBytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  if (keyBytes.length < MIN_KEY_BYTES) {
    // A configuration fault, not the visitor's: still a refusal, never an open door.
    return reject('bad-signature', `signing key is shorter than ${MIN_KEY_BYTES} bytes`);
  }
  if (typeof token !== 'string' || token.length === 0) return reject('malformed', 'empty token');
  if (token.length > MAX_TOKEN_LENGTH) return reject('malformed', `token longer than ${MAX_TOKEN_LENGTH} characters`);
  const parts = token.split('.');
  if (parts.length !== 2) return reject('malformed', 'a token has exactly two dot-separated parts');
  const [body, mac] = parts as [string, string];
  if (!isCanonicalB64url(body) || !isCanonicalB64url(mac)) return reject('malformed', 'parts are not base64url');

  // Authenticate before looking inside: nothing unauthenticated is parsed.
  const given = Buffer.from(mac, 'base64url');
  const expected = createHmac('sha256', keyBytes).update(body, 'ascii').digest();
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return reject('bad-signature', 'signature does not match');
  }

  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return reject('malformed', 'payload is not JSON');
  }
  const parsed = readPayload(payload);
  if (typeof parsed === 'string') return reject('malformed', parsed);

  const skew = options.clockSkewSeconds ?? CLOCK_SKEW_SECONDS;
  const maxLifetime = options.maxLifetimeSeconds ?? MAX_LIFETIME_SECONDS;
  if (parsed.exp <= parsed.iat) return reject('malformed', 'exp is not after iat');
  if (parsed.exp - parsed.iat > maxLifetime) {
    return reject('lifetime-too-long', `lifetime ${parsed.exp - parsed.iat}s exceeds ${maxLifetime}s`);
  }
  if (parsed.iat > now + skew) return reject('not-yet-valid', `issued ${parsed.iat - now}s in the future`);
  if (now >= parsed.exp) return reject('expired', `expired ${now - parsed.exp}s ago`);
  return { ok: true, identity: parsed };
}

/** The Node twin of Token.php's sign(): for the service's own tests and tools. */
export function signPanelToken(claims: object, key: Buffer | string): string {
  const body = Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url');
  const mac = createHmac('sha256', key).update(body, 'ascii').digest('base64url');
  return `${body}.${mac}`;
}

function reject(reason: TokenRejection, detail: string): TokenVerdict {
  return { ok: false, reason, detail };
}

/** One spelling per byte string: no padding, no stray characters Buffer would skip. */
function isCanonicalB64url(text: string): boolean {
  return B64URL.test(text) && Buffer.from(text, 'base64url').toString('base64url') === text;
}

/** The payload's fields, checked one by one; a string says what is wrong. */
function readPayload(p: unknown): PanelIdentity | string {
  if (!isRecord(p)) return 'payload is not an object';
  if (p.v !== TOKEN_VERSION) return `unsupported token version ${JSON.stringify(p.v)}`;
  const { role, login, iat, exp, jti, scope, impersonatedBy } = p;
  if (role !== 'admin' && role !== 'reseller' && role !== 'customer') return 'role must be admin, reseller or customer';
  if (typeof login !== 'string' || !LOGIN.test(login)) return 'login must be 1-255 characters without control characters';
  if (!Number.isSafeInteger(iat) || (iat as number) < 0) return 'iat must be whole seconds';
  if (!Number.isSafeInteger(exp) || (exp as number) < 0) return 'exp must be whole seconds';
  if (typeof jti !== 'string' || !JTI.test(jti)) return 'jti must be 16-64 lower-case hex digits';
  if (impersonatedBy !== undefined && (typeof impersonatedBy !== 'string' || !LOGIN.test(impersonatedBy))) {
    return 'impersonatedBy must be a login';
  }
  const readScope = scopeFor(role, login, scope);
  if (typeof readScope === 'string') return readScope;
  const identity: PanelIdentity = { role, login, scope: readScope, iat: iat as number, exp: exp as number, jti };
  if (impersonatedBy !== undefined) identity.impersonatedBy = impersonatedBy as string;
  return identity;
}

/** The scope must be the one the role implies: a customer token cannot carry "all". */
function scopeFor(role: PanelRole, login: string, s: unknown): PanelScope | string {
  if (!isRecord(s)) return 'scope is not an object';
  switch (role) {
    case 'admin':
      return s.kind === 'all' ? { kind: 'all' } : 'an admin token has scope kind "all"';
    case 'reseller':
      if (s.kind !== 'reseller' || s.reseller !== login) return 'a reseller token has scope {kind:"reseller", reseller: its login}';
      return { kind: 'reseller', reseller: login };
    case 'customer': {
      if (s.kind !== 'customer' || s.customer !== login) return 'a customer token has scope {kind:"customer", customer: its login}';
      const subs = s.subscriptions;
      if (!Array.isArray(subs) || !subs.every((d) => typeof d === 'string' && DOMAIN.test(d))) {
        return 'scope.subscriptions must be a list of domain names';
      }
      return { kind: 'customer', customer: login, subscriptions: subs.map((d: string) => d.toLowerCase()) };
    }
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
