/**
 * Requests forwarded by the panel's own origin (the Plesk extension's PHP forwarder):
 * each carries a signed per-request identity (src/auth/forwarded-request.ts) instead of a
 * session cookie. This middleware checks it, turns it into the request's session (principal,
 * CSRF token, language) and makes every redirect and link of the answer start with the base
 * path the browser sees (/modules/spamtrace/index.php/ui).
 *
 * With `forwardedOnly` (how the Plesk package runs the service) a request without a valid
 * forwarded identity gets nothing: 403, not even the login page or a stylesheet.
 */
import type { NextFunction, Request, Response } from 'express';
import { FORWARD_HEADER, forwardedCsrf, verifyForwarded, type ForwardedIdentity } from '../auth/forwarded-request';
import { isLocale, localeFromAcceptLanguage, type Locale } from './i18n';
import { principalFromPanel } from './principal';
import { readCookie } from './sessions';

/** The language cookie of forwarded users (the panel passes only this cookie on). */
export const LANG_COOKIE = 'spamtrace_lang';

declare module 'express-serve-static-core' {
  interface Locals {
    /** set when the request came through the panel's forwarder */
    forwarded?: ForwardedIdentity;
    /** the path prefix the browser sees; '' when served directly */
    base?: string;
  }
}

export interface ForwardOptions {
  panelKey: Buffer | null;
  forwardedOnly: boolean;
  /** epoch ms */
  now: () => number;
  /** one use per jti: see ForwardCheck.claimJti */
  claimJti: (jti: string, exp: number, now: number) => boolean;
  onRefused?: (reason: string, req: Request) => void;
}

export function forwardedIdentity(options: ForwardOptions) {
  const refuse = (req: Request, res: Response, reason: string): void => {
    options.onRefused?.(reason, req);
    res.status(403).type('text/plain; charset=utf-8').send('spamtrace: this service answers only requests the panel forwarded (403)\n');
  };
  return (req: Request, res: Response, next: NextFunction): void => {
    res.locals.base = '';
    const header = req.headers[FORWARD_HEADER];
    if (header === undefined) {
      if (options.forwardedOnly) return refuse(req, res, 'no forwarded identity');
      return next();
    }
    if (!options.panelKey || typeof header !== 'string') return refuse(req, res, 'forwarded identity without a panel key');
    const verdict = verifyForwarded(header, options.panelKey, {
      method: req.method,
      path: req.originalUrl,
      now: Math.floor(options.now() / 1000),
      claimJti: options.claimJti,
    });
    if (!verdict.ok) return refuse(req, res, verdict.reason);
    const f = verdict.forwarded;
    res.locals.forwarded = f;
    res.locals.base = f.base;
    res.locals.locale = forwardedLocale(req, f);
    res.locals.session = {
      id: '',
      principal: principalFromPanel(f.identity),
      csrf: forwardedCsrf(options.panelKey, f),
      locale: res.locals.locale,
      expiresAt: f.identity.exp * 1000,
    };
    // every redirect the routes send ("/subscriptions/x") goes back through the panel
    const location = res.location.bind(res);
    res.location = (url: string) => location(withBase(f.base, url));
    next();
  };
}

/** The user's choice (cookie), else the panel's language, else the browser's. */
function forwardedLocale(req: Request, f: ForwardedIdentity): Locale {
  const chosen = readCookie(req.headers.cookie, LANG_COOKIE);
  if (isLocale(chosen)) return chosen;
  const panel = f.locale?.slice(0, 2).toLowerCase();
  if (isLocale(panel)) return panel;
  return localeFromAcceptLanguage(req.headers['accept-language']);
}

/** "/x" -> base + "/x"; anything else (absolute URLs, "//host") is left alone. */
export function withBase(base: string, url: string): string {
  return base && url.startsWith('/') && !url.startsWith('//') ? base + url : url;
}

/**
 * Puts the base path in front of every root-relative URL attribute of a rendered page:
 * href, src, action and data-*-url. Safe on our templates because EJS escapes every value
 * (a '"' in user text is &#34;), so `attr="/` only ever comes from the templates themselves;
 * new templates get it without remembering a helper.
 */
export function rebaseHtml(html: string, base: string): string {
  if (!base) return html;
  return html.replace(/(\s(?:href|src|action|data-[a-z-]*url)=")\/(?!\/)/g, `$1${base}/`);
}
