/**
 * The watcher in the UI: the overview shows its trips and the blocklist state (read from
 * the watcher's state files through `deps.watch`); an admin releases a trip with one click
 * (every action of the trip undone through the act engine, as `spamtrace watch release`).
 */
import { principalOf, param, type Ctx } from './web-context';
import { actorName } from './principal';

export function registerWatchRoutes(ctx: Ctx): void {
  const { deps } = ctx;
  ctx.route('post', '/watch/trips/:id/release', ['admin'], async (req, res) => {
    const id = param(req, 'id');
    if (!deps.watch || !/^trip-[0-9TZ]+-[0-9a-f]{6}$/.test(id)) return ctx.fail(req, res, 404);
    const trip = (await deps.watch.state()).trips.find((t) => t.id === id);
    if (!trip) return ctx.fail(req, res, 404);
    if (trip.released || trip.state !== 'tripped') return ctx.fail(req, res, 400);
    try {
      await deps.watch.release(id, actorName(principalOf(res)!));
      res.redirect(303, '/#watch-trips');
    } catch {
      ctx.fail(req, res, 409);
    }
  });
}
