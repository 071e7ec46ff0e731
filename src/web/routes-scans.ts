/** Scans on demand: start one (never waits for it), watch its progress, list past scans. */
import { principalOf, param, type Ctx } from './web-context';
import { actorName } from './principal';
import { getScan, listScans } from '../store';

export function registerScanRoutes(ctx: Ctx): void {
  const { deps } = ctx;

  ctx.route('get', '/scans', ['admin'], (req, res) => {
    ctx.page(req, res, 'scans', { scans: listScans(deps.store) });
  });

  ctx.route('post', '/scans', ['admin'], (_req, res) => {
    const { id } = deps.scans.start('button', actorName(principalOf(res)!));
    res.redirect(303, `/scans/${id}`);
  });

  ctx.route('get', '/scans/:id', ['admin'], (req, res) => {
    const scan = getScan(deps.store, Number(param(req, 'id')));
    if (!scan) return ctx.fail(req, res, 404);
    ctx.page(req, res, 'scan', { scan });
  });

  ctx.route('get', '/scans/:id/progress', ['admin'], (req, res) => {
    const scan = getScan(deps.store, Number(param(req, 'id')));
    if (!scan) return res.status(404).json({ error: 'no such scan' });
    res.json({ id: scan.id, state: scan.state, done: scan.progress_done, total: scan.progress_total, what: scan.progress_what, error: scan.error });
  });
}
