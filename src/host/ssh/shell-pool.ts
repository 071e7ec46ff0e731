/**
 * At most N agent sessions per host, started only when every open one is busy. A scan
 * thus costs N sessions (and N remote login shells) at most, however many requests it
 * makes; a session that had to be ended (a reader that stopped early, a time limit) is
 * replaced on demand, and counted: `opened` is what the bench prints.
 */
import type { RemoteShell } from './remote-shell';

export class ShellPool {
  private readonly idle: RemoteShell[] = [];
  private readonly waiters: Array<() => void> = [];
  private count = 0;
  /** sessions started so far (each one paid the remote login shell's start-up) */
  opened = 0;
  private closed = false;
  /** why the last start failed: handed to the request it woke */
  private failure: unknown = null;

  constructor(
    readonly max: number,
    private readonly make: () => Promise<RemoteShell>,
  ) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError('ShellPool needs a whole number >= 1');
  }

  /** A free session: an idle one, a new one while under the limit, else the next one released. */
  async acquire(): Promise<RemoteShell> {
    for (;;) {
      if (this.closed) throw new Error('the SSH host is closed');
      const s = this.idle.pop();
      if (s) {
        if (s.usable) return s;
        this.count--;
        continue;
      }
      if (this.count < this.max) {
        // A new session costs a login shell's start-up (seconds with pyenv or conda in
        // ~/.bashrc), a busy one is often free in milliseconds: start one, and take
        // whichever is free first; the other waits in the pool.
        this.count++;
        this.opened++;
        this.make().then(
          (s) => this.release(s),
          (e: unknown) => {
            this.count--;
            this.failure = e;
            this.waiters.shift()?.();
          },
        );
      }
      await new Promise<void>((r) => this.waiters.push(r));
      if (this.failure && this.idle.length === 0) {
        const e = this.failure;
        this.failure = null;
        throw e;
      }
    }
  }

  /** Hand a session back (a dead one frees its place). */
  release(s: RemoteShell): void {
    if (s.usable && !this.closed) this.idle.push(s);
    else this.count--;
    this.waiters.shift()?.();
  }

  /** Put a session that start() made outside acquire() into the pool. */
  adopt(s: RemoteShell): void {
    this.count++;
    this.opened++;
    this.release(s);
  }

  /** Close the idle sessions; busy ones end when released (or with the master). */
  async close(): Promise<void> {
    this.closed = true;
    const all = this.idle.splice(0);
    for (const w of this.waiters.splice(0)) w();
    await Promise.all(all.map((s) => s.close()));
  }
}
