/**
 * `--since` / `--until`: a duration back from now ("24h", "90m", "7d", "1h30m") or a
 * point in time (ISO 8601 / RFC 3339, "2026-11-28", "2026-11-28 06:30"). Admins type
 * both; anything else is refused with the accepted forms named.
 */
import { SpamtraceError } from '../errors';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

export function parseTimeArg(flag: string, text: string, now: Date): Date {
  const t = text.trim();
  if (/^(\d+[smhdw])+$/.test(t)) {
    let ms = 0;
    for (const m of t.matchAll(/(\d+)([smhdw])/g)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
    if (!Number.isSafeInteger(ms) || ms <= 0 || ms > 400 * 86_400_000) {
      throw new SpamtraceError('E_USAGE', `${flag} ${JSON.stringify(text)}: a duration from 1s to 400d`);
    }
    return new Date(now.getTime() - ms);
  }
  if (/^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(t)) {
    // A date or time without an offset is the admin's local time, as `date` prints it.
    const d = new Date(t.length === 10 ? `${t}T00:00:00` : t.replace(' ', 'T'));
    if (!Number.isNaN(d.getTime())) return d;
  }
  throw new SpamtraceError(
    'E_USAGE',
    `${flag} ${JSON.stringify(text.slice(0, 40))}: give a duration back from now (30m, 24h, 7d, 1h30m) or a time (2026-11-28, 2026-11-28T06:30, RFC 3339)`,
  );
}
