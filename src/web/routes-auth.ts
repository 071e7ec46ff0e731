/**
 * Signing in and out: the panel's signed token (POST /auth/panel, from the Plesk shim's
 * iframe form) or the standalone admin's password; and the language switch.
 *
 * Both sign-ins refuse posts from another site's page (login CSRF, security.ts); a panel
 * token signs in once (token-replay.ts); the password form has a growing wait after
 * failures per address and per account (login-guard.ts), shown on the page.
 */
import type { Request, Response } from 'express';
import { verifyPanelToken } from '../auth/panel-token';
import { recordTokenUse } from '../store';
import { ENTRY, principalOf, safeNext, type Ctx } from './web-context';
import { isLocale } from './i18n';
import { verifyPassword } from './local-password';
import { LoginGuard } from './login-guard';
import { signInOriginAllowed } from './security';
import { localAdmin, principalFromPanel, type Principal } from './principal';
import { clearedSessionCookie, sessionCookie } from './sessions';
import { LANG_COOKIE } from './forwarded';

export function registerAuthRoutes(ctx: Ctx): void {
  const { deps, sessions } = ctx;
  const guard = deps.loginGuard ?? new LoginGuard(deps.now);
  const capMinutes = String(Math.round(guard.capMs / 60_000));
  const crossSite = (req: Request, res: Response): boolean => {
    if (signInOriginAllowed(req, deps.panelOrigin ?? null)) return false;
    ctx.fail(req, res, 403, 'error.crossSiteLogin');
    return true;
  };

  /** A fresh session for a sign-in: the old id (and its CSRF token) is discarded. */
  const signIn = (req: Request, res: Response, p: Principal, next: string): void => {
    const old = res.locals.session;
    if (old) sessions.destroy(old.id);
    const s = sessions.create(p, res.locals.locale ?? 'en');
    res.setHeader('Set-Cookie', sessionCookie(s.id, ctx.secure(req), Math.round((s.expiresAt - deps.store.now()) / 1000)));
    res.redirect(303, next);
  };

  ctx.route(
    'post',
    '/auth/panel',
    'anyone',
    (req, res) => {
      if (!deps.panelKey) return ctx.fail(req, res, 403, 'error.token', { reason: 'panel sign-in is not configured' });
      if (crossSite(req, res)) return;
      const body = (req.body ?? {}) as Record<string, unknown>;
      const now = Math.floor(deps.now() / 1000);
      const verdict = verifyPanelToken(typeof body['token'] === 'string' ? body['token'] : '', deps.panelKey, now);
      if (!verdict.ok) return ctx.fail(req, res, 403, 'error.token', { reason: verdict.reason });
      if (!recordTokenUse(deps.store, verdict.identity.jti, verdict.identity.exp, now)) return ctx.fail(req, res, 403, 'error.token', { reason: 'replayed' });
      const p = principalFromPanel(verdict.identity);
      signIn(req, res, p, safeNext(body['next'], ENTRY[p.role]));
    },
    { csrf: false },
  );

  ctx.route('get', '/login', 'anyone', (req, res) => {
    const p = principalOf(res);
    if (p) return res.redirect(303, ENTRY[p.role]);
    // an anonymous session carries the login form's CSRF token (short-lived, see sessions.ts)
    if (!res.locals.session) {
      const s = sessions.create(null, res.locals.locale ?? 'en');
      res.locals.session = s;
      res.setHeader('Set-Cookie', sessionCookie(s.id, ctx.secure(req), Math.round((s.expiresAt - deps.store.now()) / 1000)));
    }
    ctx.page(req, res, 'login', { enabled: deps.localAdmin !== null, failed: false, waitSeconds: 0, capMinutes });
  });

  ctx.route('post', '/login', 'anyone', async (req, res) => {
    if (crossSite(req, res)) return;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const admin = deps.localAdmin;
    const user = typeof body['user'] === 'string' ? body['user'].slice(0, 256) : '';
    const password = typeof body['password'] === 'string' ? body['password'].slice(0, 1024) : '';
    if (!admin) return ctx.page(req, res, 'login', { enabled: false, failed: true, waitSeconds: 0, capMinutes }, 401);
    // one bucket for every name that is not the admin's: unknown names cannot fill the table
    const account = user === admin.login ? user : '';
    const address = req.ip ?? '';
    const refuse = (waitMs: number): void => {
      const waitSeconds = Math.max(1, Math.ceil(waitMs / 1000));
      res.setHeader('Retry-After', String(waitSeconds));
      ctx.page(req, res, 'login', { enabled: true, failed: false, waitSeconds, capMinutes }, 429);
    };
    const before = guard.waitMs(address, account);
    if (before > 0) return refuse(before);
    const good = await guard.serial(async () => {
      // checked again in the queue: an attempt just ahead may have failed
      const wait = guard.waitMs(address, account);
      if (wait > 0) return wait;
      // the hash is computed even for a wrong user name, so timing does not tell which was wrong
      const match = await verifyPassword(password, admin.passwordHash);
      return match && user === admin.login;
    });
    if (good === 'busy') return refuse(1000);
    if (typeof good === 'number') return refuse(good);
    if (!good) {
      guard.failed(address, account);
      return ctx.page(req, res, 'login', { enabled: true, failed: true, waitSeconds: 0, capMinutes }, 401);
    }
    guard.succeeded(address, account);
    signIn(req, res, localAdmin(admin.login), '/');
  });

  ctx.route('post', '/logout', ['admin', 'reseller', 'customer'], (req, res) => {
    if (res.locals.session) sessions.destroy(res.locals.session.id);
    res.setHeader('Set-Cookie', clearedSessionCookie(ctx.secure(req)));
    res.redirect(303, '/login');
  });

  ctx.route('post', '/lang', 'anyone', (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const session = res.locals.session;
    const base = res.locals.base ?? '';
    if (res.locals.forwarded && isLocale(body['locale'])) {
      // through the panel there is no session row: the choice is a cookie on the base path
      res.setHeader('Set-Cookie', `${LANG_COOKIE}=${body['locale']}; Path=${base}/; HttpOnly; SameSite=Strict; Max-Age=31536000${ctx.secure(req) ? '; Secure' : ''}`);
    } else if (session && isLocale(body['locale'])) sessions.setLocale(session.id, body['locale']);
    res.redirect(303, safeNext(body['back'], '/'));
  });
}
