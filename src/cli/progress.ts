/**
 * Progress on stderr for long scans. On a terminal one line rewritten in place; in a
 * pipe or a log a plain line every 10 s once the scan has run 5 s, so short scans
 * stay silent and cron mails stay short.
 */
export interface Progress {
  update(done: number, total: number, what: string): void;
  end(): void;
}

export function createProgress(stream: NodeJS.WriteStream, enabled: boolean, now: () => number = Date.now): Progress {
  if (!enabled) return { update: () => undefined, end: () => undefined };
  const tty = Boolean(stream.isTTY);
  const started = now();
  let last = 0;
  let drawn = false;
  return {
    update(done, total, what) {
      const t = now();
      if (tty ? t - last < 200 : t - started < 5000 || t - last < 10_000) return;
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
