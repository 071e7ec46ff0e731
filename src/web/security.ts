/**
 * Security headers on every answer, and the synchronizer-token CSRF check for every
 * state-changing request. No page carries inline script, so the CSP allows scripts from
 * this origin only.
 */
import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

const ORIGIN = /^https?:\/\/[A-Za-z0-9.-]+(?::\d{1,5})?$|^https?:\/\/\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/;

/** frame-ancestors: the panel's origin (the UI lives in its iframe) or only this origin. */
export function contentSecurityPolicy(panelOrigin: string | null): string {
  const ancestors = panelOrigin && ORIGIN.test(panelOrigin) ? `'self' ${panelOrigin}` : `'self'`;
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    `frame-ancestors ${ancestors}`,
  ].join('; ');
}

export function isValidOrigin(origin: string): boolean {
  return ORIGIN.test(origin);
}

export function securityHeaders(panelOrigin: string | null) {
  const csp = contentSecurityPolicy(panelOrigin);
  return (req: Request, res: Response, next: NextFunction): void => {
    res.setHeader('Content-Security-Policy', csp);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=()');
    // X-Frame-Options cannot name another origin: only sent when the panel does not frame us
    if (!panelOrigin) res.setHeader('X-Frame-Options', 'SAMEORIGIN');
    if (req.secure) res.setHeader('Strict-Transport-Security', 'max-age=31536000');
    next();
  };
}

/** Constant-time comparison of the form's token with the session's. */
export function csrfMatches(expected: string | undefined, given: unknown): boolean {
  if (!expected || typeof given !== 'string') return false;
  // compare byte lengths: a token of the right character count with a non-ASCII character
  // is longer in bytes, and timingSafeEqual would throw (a 500 instead of a refusal)
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Login CSRF: a sign-in (the panel token or the local form) must come from a page of this
 * service or of the panel, never from a form on another site, which could otherwise sign a
 * victim's browser in as the attacker (whose token or password the attacker has).
 *
 * Browsers send `Origin` on every cross-origin POST; it must be this service's origin or the
 * panel's: `--panel-origin` when given, else Plesk's panel port on the host name this request
 * was sent to (`https://HOST:8443`, where the extension's page posts from). Without `Origin`
 * (non-browser clients), `Sec-Fetch-Site` must not say cross-site; a request with neither
 * header is no browser's and carries no victim's cookies. `Origin: null` (sandboxed frames,
 * privacy settings) is refused: it could be anyone.
 */
export function signInOriginAllowed(req: Request, panelOrigin: string | null): boolean {
  const origin = req.headers.origin;
  if (origin !== undefined) {
    const host = (req.headers.host ?? '').toLowerCase();
    const o = origin.toLowerCase();
    if (o === `${req.protocol}://${host}`) return true;
    if (panelOrigin !== null) return isValidOrigin(panelOrigin) && o === panelOrigin.toLowerCase();
    const name = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::\d{1,5})?$/.exec(host)?.[1];
    return name !== undefined && o === `https://${name}:${PLESK_PANEL_PORT}`;
  }
  const site = req.headers['sec-fetch-site'];
  return site === undefined || site === 'same-origin' || site === 'none';
}

/** The port Plesk serves its panel on (fixed by Plesk). */
export const PLESK_PANEL_PORT = 8443;
