/**
 * The panel UI as an Express app: `createApp(deps)` has no side effects beyond the app it
 * returns, so tests run it in-process on an ephemeral port with a real store.
 *
 * Every route is declared through `route()` with the roles that may call it; the
 * authorization matrix test walks the router's stack, so a route added without a matrix
 * row fails the tests.
 */
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { join } from 'node:path';
import { packageRoot } from '../package-root';
import { localeFromAcceptLanguage, translator } from './i18n';
import { securityHeaders, csrfMatches } from './security';
import { readCookie, SESSION_COOKIE, SessionStore } from './sessions';
import { registerAuthRoutes } from './routes-auth';
import { registerPageRoutes } from './routes-pages';
import { registerActionRoutes } from './routes-actions';
import { registerScanRoutes } from './routes-scans';
import { registerNoticeRoutes } from './routes-notices';
import { registerWatchRoutes } from './routes-watch';
import { forwardedIdentity, rebaseHtml } from './forwarded';
import { recordTokenUse } from '../store';
import { principalOf, type Access, type AppDeps, type Ctx } from './web-context';

export type { AppDeps } from './web-context';

export function createApp(input: AppDeps): express.Express {
  const deps = { ...input, now: input.now ?? Date.now, panelHosts: input.panelHosts ?? 'all' };
  const sessions = new SessionStore(deps.store, deps.sessionTtlMs);
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.set('view engine', 'ejs');
  app.set('views', deps.viewsDir ?? join(packageRoot(__dirname), 'views', 'web'));
  app.set('etag', false);

  app.use(securityHeaders(deps.panelOrigin ?? null));
  // before everything else, assets included: with forwardedOnly nothing answers without it
  app.use(
    forwardedIdentity({
      panelKey: deps.panelKey,
      forwardedOnly: deps.forwardedOnly ?? false,
      now: deps.now,
      claimJti: (jti, exp, now) => recordTokenUse(deps.store, jti, exp, now),
      onRefused: (reason, req) => deps.onForwardRefused?.(reason, req.path),
    }),
  );
  app.use('/static', express.static(deps.staticDir ?? join(packageRoot(__dirname), 'public', 'web'), { index: false, redirect: false, maxAge: 0 }));
  app.use(express.urlencoded({ extended: false, limit: '300kb', parameterLimit: 50 }));
  app.use((req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    // a forwarded request's session came with it; the cookie is not looked at
    if (res.locals.forwarded) return next();
    const session = sessions.get(readCookie(req.headers.cookie, SESSION_COOKIE));
    res.locals.session = session;
    res.locals.locale = session?.locale ?? localeFromAcceptLanguage(req.headers['accept-language']);
    next();
  });

  const ctx: Ctx = {
    deps,
    sessions,
    route(method, path, access, handler, options = {}) {
      const chain: RequestHandler[] = [authorize(access, ctx)];
      if (method === 'post' && options.csrf !== false) chain.push(requireCsrf(ctx));
      chain.push(handler);
      app[method](path, ...chain);
    },
    page(req, res, view, locals = {}, status = 200) {
      const locale = res.locals.locale ?? 'en';
      const base = res.locals.base ?? '';
      const vars = {
        t: translator(locale),
        locale,
        principal: principalOf(res),
        csrf: res.locals.session?.csrf ?? '',
        path: req.path,
        base,
        forwarded: res.locals.forwarded !== undefined,
        ...locals,
      };
      res.status(status);
      if (!base) return res.render(view, vars);
      // through the panel, every link, form, asset and script URL gets the base path
      res.render(view, vars, (err, html) => {
        if (err) return req.next?.(err);
        res.type('html').send(rebaseHtml(html, base));
      });
    },
    fail(req, res, status, key, params) {
      const k = key ?? (status === 403 ? 'error.403' : status === 404 ? 'error.404' : status === 400 ? 'error.400' : 'error.500');
      ctx.page(req, res, 'error', { status, messageKey: k, params: params ?? {} }, status);
    },
    secure(req) {
      return deps.secureCookies === 'auto' || deps.secureCookies === undefined ? req.secure : deps.secureCookies;
    },
  };

  registerAuthRoutes(ctx);
  registerPageRoutes(ctx);
  registerActionRoutes(ctx);
  registerScanRoutes(ctx);
  registerNoticeRoutes(ctx);
  registerWatchRoutes(ctx);

  app.use((req, res) => ctx.fail(req, res, 404));
  app.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const status = (err as { status?: number; statusCode?: number })?.status ?? (err as { statusCode?: number })?.statusCode;
    if (status === 413 || status === 400) return ctx.fail(req, res, 400);
    deps.onError?.(err);
    ctx.fail(req, res, 500);
  });
  return app;
}

function authorize(access: Access, ctx: Ctx): RequestHandler {
  return (req, res, next) => {
    if (access === 'anyone') return next();
    const p = principalOf(res);
    if (!p) {
      if (req.method === 'GET') return res.redirect(303, '/login');
      return ctx.fail(req, res, 401, 'login.needed');
    }
    if (!access.includes(p.role)) return ctx.fail(req, res, 403);
    next();
  };
}

function requireCsrf(ctx: Ctx): RequestHandler {
  return (req, res, next) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (!csrfMatches(res.locals.session?.csrf, body['_csrf'])) return ctx.fail(req, res, 403, 'error.csrf');
    next();
  };
}
