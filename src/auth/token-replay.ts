/**
 * A panel token signs in once: its `jti` is recorded until the token expires, and a second
 * use is refused. Expired rows go whenever a token is recorded, so the table holds at most
 * the tokens of the last MAX_LIFETIME_SECONDS.
 *
 * One INSERT decides (the primary key), so two requests racing with one token cannot both
 * win, also across processes sharing the store.
 */
import type { Store } from '../store';

/** true: first use, now recorded; false: the token was used before. `nowSeconds` is epoch seconds. */
export function recordTokenUse(store: Store, jti: string, expSeconds: number, nowSeconds: number): boolean {
  store.db.prepare('DELETE FROM panel_token_uses WHERE expires_at <= ?').run(nowSeconds);
  const r = store.db.prepare('INSERT OR IGNORE INTO panel_token_uses (jti, expires_at) VALUES (?, ?)').run(jti, expSeconds);
  return r.changes === 1;
}
