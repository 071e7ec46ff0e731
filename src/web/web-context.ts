/**
 * What app.ts and the route files share: the app's dependencies, the context a route file
 * registers with, who is signed in, and the small request helpers. Its own module so the
 * routes never import app.ts (which imports them).
 */
import type { Request, RequestHandler, Response } from 'express';
import type { Store } from '../store';
import type { WatchView } from '../watch/watch-view';
import type { ActionRunner } from './action-runner';
import type { PanelHosts } from './access';
import type { translator, Locale } from './i18n';
import type { LocalAdmin } from './local-password';
import type { LoginGuard } from './login-guard';
import type { Principal, Role } from './principal';
import type { ScanService } from './scan-service';
import type { Session, SessionStore } from './sessions';

export interface AppDeps {
  store: Store;
  scans: ScanService;
  actions: ActionRunner;
  /** the panel signing key; null: panel sign-in refused (standalone servers) */
  panelKey: Buffer | null;
  /** the standalone admin; null: local login disabled */
  localAdmin: LocalAdmin | null;
  /** fleet scans: the hosts whose subscriptions this panel's resellers and customers own (default 'all'); see access.ts */
  panelHosts?: PanelHosts;
  /** the server's outbound addresses for the overview */
  outboundIps: () => string[];
  /** the mail log watcher's trips and blocklist state (spamtrace watch); absent: not shown */
  watch?: WatchView;
  /**
   * only requests the panel forwarded (signed per-request identity, see forwarded.ts) are
   * answered; everything else gets 403. How the Plesk package runs the service.
   */
  forwardedOnly?: boolean;
  /** a forwarded request was refused (reason for the log; never the token) */
  onForwardRefused?: (reason: string, path: string) => void;
  /** the Plesk panel's origin (https://host:8443) allowed to frame the UI; null: only this origin */
  panelOrigin?: string | null;
  /** Secure cookies: true, false, or 'auto' (when the request came over https, directly or via a local proxy) */
  secureCookies?: boolean | 'auto';
  sessionTtlMs?: number;
  /** the local login's backoff (tests pass one with their own clock and limits) */
  loginGuard?: LoginGuard;
  /** epoch ms; token checks use its seconds */
  now?: () => number;
  viewsDir?: string;
  staticDir?: string;
  onError?: (e: unknown) => void;
}

export type Access = 'anyone' | readonly Role[];

export interface RouteOptions {
  /** false only for the panel sign-in, whose signed token is its own proof */
  csrf?: boolean;
}

/** What a handler gets besides req/res. */
export interface Ctx {
  deps: AppDeps & { now: () => number; panelHosts: PanelHosts };
  sessions: SessionStore;
  /** declares a route; see the header comment */
  route(method: 'get' | 'post', path: string, access: Access, handler: RequestHandler, options?: RouteOptions): void;
  /** renders a page with the layout's locals (translator, principal, CSRF token) */
  page(req: Request, res: Response, view: string, locals?: Record<string, unknown>, status?: number): void;
  fail(req: Request, res: Response, status: number, messageKey?: Parameters<ReturnType<typeof translator>>[0], params?: Record<string, string>): void;
  secure(req: Request): boolean;
}

declare module 'express-serve-static-core' {
  interface Locals {
    session?: Session | null;
    locale?: Locale;
  }
}

export function principalOf(res: Response): Principal | null {
  return res.locals.session?.principal ?? null;
}

export const ENTRY: Record<Role, string> = { admin: '/', reseller: '/reseller', customer: '/customer' };

/** A path inside this app to go to after sign-in: relative, no scheme, no "//", no backslash. */
export function safeNext(next: unknown, fallback: string): string {
  if (typeof next !== 'string' || next.length > 500) return fallback;
  if (!/^\/(?![/\\])[A-Za-z0-9/_.~%?=&+-]*$/.test(next)) return fallback;
  return next;
}

/** A route parameter as a string ("" when absent). */
export function param(req: Request, name: string): string {
  const v = (req.params as Record<string, string | undefined>)[name];
  return typeof v === 'string' ? v : '';
}
