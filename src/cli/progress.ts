/**
 * Progress on stderr for long scans. On a terminal one line rewritten in place; in a
 * pipe or a log a plain line every 10 s once the scan has run 5 s, so short scans
 * stay silent and cron mails stay short.
 */
import type { Progress } from '../scan/scan-options';

/** `mode` true (--progress) reports from the start, every 2 s in a pipe; 'auto' waits as above. */
export function createProgress(stream: NodeJS.WriteStream, mode: boolean | 'auto', now: () => number = Date.now): Progress {
  if (mode === false) return { update: () => undefined, end: () => undefined };
  const [quiet, every] = mode === true ? [0, 2000] : [5000, 10_000];
  const tty = Boolean(stream.isTTY);
  const started = now();
  let last = -Infinity;
  let drawn = false;
  return {
    update(done, total, what) {
      const t = now();
      if (tty ? t - last < 200 : t - started < quiet || t - last < every) return;
      last = t;
      const pct = total > 0 ? ` (${Math.floor((100 * done) / total)}%)` : '';
      const line = `spamtrace: ${what} ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')}${pct}`;
      if (tty) {
        stream.write(`\r${line}\x1b[K`);
        drawn = true;
      } else {
        stream.write(line + '\n');
      }
    },
    end() {
      if (tty && drawn) stream.write('\r\x1b[K');
    },
  };
}
