/**
 * What the scan pipeline takes from whoever starts it (the scan command, serve, the fleet):
 * where to read from and how far back. Owned here so the pipeline never reaches up into cli/.
 */
export interface ScanInput {
  queueFile: string | null;
  postcatFile: string | null;
  passwdFile: string | null;
  batchSize: number;
  /** window for mail-log history and web logs; null: the queue alone (and the web logs around its messages) */
  since: Date | null;
  until: Date | null;
  /** false with --no-queue: the mail log alone (a flushed queue) */
  queue: boolean;
  /** mail logs to read; null: the usual paths that exist (live, with --since) */
  mailLogs: string[] | null;
  /** read access logs and correlate scripts (default on) */
  webLogs: boolean;
  vhostsRoot: string | null;
  confixxRoot: string | null;
  staticMap: string | null;
  /**
   * the policy service's record of loopback SMTP senders (socket owners): absent = the default
   * file on a live scan (none offline), null = not read, a path = that file (--smtp-owners)
   */
  smtpOwners?: string | null;
}

/** How a long scan tells how far it got; the caller decides where that goes (stderr, the web store, a fleet event). */
export interface Progress {
  update(done: number, total: number, what: string): void;
  end(): void;
}
