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
