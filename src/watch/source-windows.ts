/**
 * Per-source sliding windows over the live messages: which of a source's messages arrived
 * in the last `windowMs` (log time), how many messages and distinct recipients per minute,
 * and the failed SMTP logins before a login's first success. Time is the log's own clock
 * (the newest line's time), so a watcher that resumes after a pause judges what happened
 * then by the times it happened, and tests can feed lines of any date.
 */
import type { SaslFailure } from '../domain/maillog';
import type { LiveMessage } from './live-messages';

export interface Window {
  key: string;
  messages: LiveMessage[];
  /** a message arrived or changed since the last judgement */
  dirty: boolean;
}

export interface Rate {
  messages: number;
  recipients: number;
}

const MINUTE = 60_000;
const MAX_FAILURES = 5000;

export class SourceWindows {
  private readonly windows = new Map<string, Window>();
  /** message -> the window it is counted in (a forwarded copy moves to its original's) */
  private readonly where = new WeakMap<LiveMessage, string>();
  private failures: SaslFailure[] = [];
  /** newest log time seen (ms) */
  now = 0;

  constructor(readonly windowMs = 10 * MINUTE) {}

  arrived(lm: LiveMessage): void {
    if (lm.source === null) return;
    const was = this.where.get(lm);
    if (was !== undefined && was !== lm.source) {
      const w = this.windows.get(was);
      if (w) w.messages = w.messages.filter((x) => x !== lm);
    }
    let w = this.windows.get(lm.source);
    if (!w) this.windows.set(lm.source, (w = { key: lm.source, messages: [], dirty: true }));
    if (was !== lm.source) w.messages.push(lm);
    w.dirty = true;
    this.where.set(lm, lm.source);
    this.tick(lm.m.lastSeen.getTime());
  }

  changed(lm: LiveMessage): void {
    const w = lm.source === null ? undefined : this.windows.get(lm.source);
    if (w) w.dirty = true;
    this.tick(lm.m.lastSeen.getTime());
  }

  failure(f: SaslFailure): void {
    this.failures.push(f);
    if (this.failures.length > MAX_FAILURES) this.failures = this.failures.slice(-MAX_FAILURES);
    this.tick(f.time.getTime());
  }

  tick(ms: number): void {
    if (ms > this.now) this.now = ms;
  }

  get(key: string): Window | undefined {
    return this.windows.get(key);
  }

  list(): Window[] {
    return [...this.windows.values()];
  }

  /** Drops messages (and failures) that arrived before the window; empty windows go. */
  prune(): void {
    const from = this.now - this.windowMs;
    for (const [key, w] of this.windows) {
      const keep: LiveMessage[] = [];
      for (const x of w.messages) {
        if (x.m.firstSeen.getTime() >= from) keep.push(x);
        else if (this.where.get(x) === key) this.where.delete(x);
      }
      if (keep.length !== w.messages.length) w.messages = keep;
      if (w.messages.length === 0) this.windows.delete(key);
    }
    // failures are kept three windows long: a brute force often ends well before the takeover
    const fFrom = this.now - 3 * this.windowMs;
    if (this.failures.length && this.failures[0]!.time.getTime() < fFrom) this.failures = this.failures.filter((f) => f.time.getTime() >= fFrom);
  }

  /** Messages and distinct recipients of one window in the last minute of log time. */
  rate(w: Window): Rate {
    const from = this.now - MINUTE;
    let messages = 0;
    const rcpts = new Set<string>();
    for (const x of w.messages) {
      if (x.m.firstSeen.getTime() < from) continue;
      messages += 1;
      for (const d of x.m.deliveries) rcpts.add(d.recipient.toLowerCase());
    }
    return { messages, recipients: rcpts.size };
  }

  /** All sources together in the last minute: the per-server threshold. */
  serverRate(): Rate {
    let messages = 0;
    let recipients = 0;
    for (const w of this.windows.values()) {
      const r = this.rate(w);
      messages += r.messages;
      recipients += r.recipients;
    }
    return { messages, recipients };
  }

  failuresInWindow(): readonly SaslFailure[] {
    return this.failures;
  }
}
