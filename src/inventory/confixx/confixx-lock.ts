/**
 * Lock and unlock a Confixx customer by setting `kunden.gesperrt`, the flag the Confixx
 * UI sets. Returns the value before and after for the audit log, read back from the
 * database rather than assumed.
 *
 * Unknown (no Confixx to try it on): whether Confixx applies a changed flag to the web
 * server and FTP at once or only on the next run of its counterscript. The flag is the
 * panel's record either way; the act/ layer must verify the effect it needs.
 *
 * The change is a compare-and-set (`WHERE kunde = ? AND gesperrt = <before>`): Confixx
 * tables are usually MyISAM, without transactions, so this is what keeps a concurrent
 * change by the panel from being overwritten unseen.
 */
import type { SqlSession } from './sql-session';
import { SpamtraceError } from '../../errors';
import { CUSTOMER_LOGIN, lockFlag } from './confixx-mapping';

export interface LockChange {
  customer: string;
  /** what was changed, for the audit log */
  field: 'kunden.gesperrt';
  before: number;
  after: number;
  /** false when the flag already had the wanted value and nothing was written */
  changed: boolean;
}

/** The customer login, or E_USAGE: only `webN` ever reaches a query. */
export function checkCustomerLogin(login: string): string {
  if (typeof login !== 'string' || !CUSTOMER_LOGIN.test(login)) {
    throw new SpamtraceError('E_USAGE', `not a Confixx customer login (webN): ${JSON.stringify(String(login).slice(0, 40))}`);
  }
  return login;
}

async function readFlag(conn: SqlSession, login: string): Promise<number> {
  const rows = await conn.select('SELECT gesperrt FROM kunden WHERE kunde = ?', [login]);
  if (rows.length === 0) throw new SpamtraceError('E_CONFIXX_DB', `Confixx has no customer ${login}`);
  if (rows.length > 1) throw new SpamtraceError('E_CONFIXX_DB', `Confixx lists customer ${login} ${rows.length} times; not changing it`);
  return lockFlag(rows[0]!['gesperrt'] as number | string | null);
}

/** Sets gesperrt to `target` (0..127, a tinyint) and reports before/after. */
export async function setLockFlag(conn: SqlSession, login: string, target: number): Promise<LockChange> {
  checkCustomerLogin(login);
  if (!Number.isInteger(target) || target < 0 || target > 127) {
    throw new SpamtraceError('E_USAGE', `not a Confixx lock value: ${String(target)}`);
  }
  const before = await readFlag(conn, login);
  if (before === target) return { customer: login, field: 'kunden.gesperrt', before, after: before, changed: false };
  const affected = await conn.update('UPDATE kunden SET gesperrt = ? WHERE kunde = ? AND gesperrt = ?', [target, login, before]);
  const after = await readFlag(conn, login);
  if (after === target) {
    // affectedRows 0 here means the panel set the same value in between: not our change
    return { customer: login, field: 'kunden.gesperrt', before, after, changed: affected === 1 };
  }
  throw new SpamtraceError(
    'E_CONFIXX_DB',
    `the lock flag of ${login} changed while spamtrace set it (was ${before}, now ${after}, wanted ${target}); nothing overwritten`,
  );
}
