/**
 * Signing in and out: the panel's signed token (POST /auth/panel, from the Plesk shim's
 * iframe form) or the standalone admin's password; and the language switch.
 */
import type { Request, Response } from 'express';
import { verifyPanelToken } from '../auth/panel-token';
import { ENTRY, principalOf, safeNext, type Ctx } from './app';
import { isLocale } from './i18n';
import { verifyPassword } from './local-password';
import { localAdmin, principalFromPanel, type Principal } from './principal';
import { clearedSessionCookie, sessionCookie } from './sessions';
import { LANG_COOKIE } from './forwarded';

export function registerAuthRoutes(ctx: Ctx): void {
  const { deps, sessions } = ctx;

  /** A fresh session for a sign-in: the old id (and its CSRF token) is discarded. */
  const signIn = (req: Request, res: Response, p: Principal, next: string): void => {
    const old = res.locals.session;
    if (old) sessions.destroy(old.id);
    const s = sessions.create(p, res.locals.locale ?? 'en');
    res.setHeader('Set-Cookie', sessionCookie(s.id, ctx.secure(req), Math.floor((s.expiresAt - deps.now()) / 1000)));
    res.redirect(303, next);
  };

  ctx.route(
    'post',
    '/auth/panel',
    'anyone',
    (req, res) => {
      if (!deps.panelKey) return ctx.fail(req, res, 403, 'error.token', { reason: 'panel sign-in is not configured' });
      const body = (req.body ?? {}) as Record<string, unknown>;
      const verdict = verifyPanelToken(typeof body['token'] === 'string' ? body['token'] : '', deps.panelKey, Math.floor(deps.now() / 1000));
      if (!verdict.ok) return ctx.fail(req, res, 403, 'error.token', { reason: verdict.reason });
      const p = principalFromPanel(verdict.identity);
      signIn(req, res, p, safeNext(body['next'], ENTRY[p.role]));
    },
    { csrf: false },
  );

  ctx.route('get', '/login', 'anyone', (req, res) => {
    const p = principalOf(res);
    if (p) return res.redirect(303, ENTRY[p.role]);
    // an anonymous session carries the login form's CSRF token
    if (!res.locals.session) {
      const s = sessions.create(null, res.locals.locale ?? 'en');
      res.locals.session = s;
      res.setHeader('Set-Cookie', sessionCookie(s.id, ctx.secure(req), 3600));
    }
    ctx.page(req, res, 'login', { enabled: deps.localAdmin !== null, failed: false });
  });

  ctx.route('post', '/login', 'anyone', (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const admin = deps.localAdmin;
    const user = typeof body['user'] === 'string' ? body['user'] : '';
    const password = typeof body['password'] === 'string' ? body['password'].slice(0, 1024) : '';
    // the hash is computed even for a wrong user name, so timing does not tell which was wrong
    const good = admin !== null && verifyPassword(password, admin.passwordHash) && user === admin.login;
    if (!admin || !good) return ctx.page(req, res, 'login', { enabled: admin !== null, failed: true }, 401);
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
