/**
 * At most N agent sessions per host. A scan thus costs N sessions (and N remote login
 * shells) at most, however many requests it makes; a session that had to be ended (a
 * reader that stopped early, a time limit) is replaced on demand, and counted: `opened`
 * is what the bench prints.
 *
 * When every open session is busy, a request first waits for one to be free, for as long
 * as starting a new one took (the ski-rental rule): a new session costs the remote login
 * shell's start-up (seconds of CPU with pyenv or conda in ~/.bashrc, on a server that is
 * busy with its own work), a busy one is mostly free in milliseconds (a postcat batch
 * beside the queue listing). Only a request still waiting after that starts a session,
 * so a caller that holds one stream open while it asks for more never waits for ever,
 * and pays at most twice what the better choice would have cost.
 */
import type { RemoteShell } from './remote-shell';

/** the wait before a new session when the start-up time is not known yet */
const DEFAULT_PATIENCE_MS = 1000;
/** never wait longer than this for a busy session, however slow the login shell */
const MAX_PATIENCE_MS = 10_000;

export class ShellPool {
  private readonly idle: RemoteShell[] = [];
  private readonly waiters: Array<() => void> = [];
  private count = 0;
  /** sessions started so far (each one paid the remote login shell's start-up) */
  opened = 0;
  private closed = false;
  /** why the last start failed: handed to the request it woke */
  private failure: unknown = null;
  /** how long the last session took to start (ms), the price of a new one */
  private startMs: number | null = null;

  constructor(
    readonly max: number,
    private readonly make: () => Promise<RemoteShell>,
  ) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError('ShellPool needs a whole number >= 1');
  }

  /** How long a request waits for a busy session before it starts a new one. */
  get patienceMs(): number {
    return Math.min(MAX_PATIENCE_MS, this.startMs ?? DEFAULT_PATIENCE_MS);
  }

  /** A free session: an idle one, a busy one freed within patienceMs, else a new one while under the limit. */
  async acquire(): Promise<RemoteShell> {
    // with none open there is nothing to wait for
    let patient = this.count > 0;
    for (;;) {
      if (this.closed) throw new Error('the SSH host is closed');
      const s = this.idle.pop();
      if (s) {
        if (s.usable) return s;
        this.count--;
        continue;
      }
      if (this.count === 0) patient = false;
      if (this.count < this.max && !patient) this.startOne();
      const woken = await this.wait(patient && this.count < this.max ? this.patienceMs : null);
      if (!woken) {
        patient = false;
        continue;
      }
      if (this.failure && this.idle.length === 0) {
        const e = this.failure;
        this.failure = null;
        throw e;
      }
    }
  }

  private startOne(): void {
    this.count++;
    this.opened++;
    const t0 = Date.now();
    this.make().then(
      (s) => {
        this.startMs = Date.now() - t0;
        this.release(s);
      },
      (e: unknown) => {
        this.count--;
        this.failure = e;
        this.waiters.shift()?.();
      },
    );
  }

  /** Resolves true when woken by a release (or a failed start), false after `ms`. */
  private wait(ms: number | null): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const wake = (): void => {
        if (timer) clearTimeout(timer);
        resolve(true);
      };
      const timer =
        ms === null
          ? null
          : setTimeout(() => {
              const i = this.waiters.indexOf(wake);
              if (i >= 0) this.waiters.splice(i, 1);
              resolve(false);
            }, ms);
      this.waiters.push(wake);
    });
  }

  /** Hand a session back (a dead one frees its place). */
  release(s: RemoteShell): void {
    if (s.usable && !this.closed) this.idle.push(s);
    else this.count--;
    this.waiters.shift()?.();
  }

  /** Put a session that start() made outside acquire() into the pool; `startMs`: what its start took. */
  adopt(s: RemoteShell, startMs?: number): void {
    this.count++;
    this.opened++;
    if (startMs !== undefined) this.startMs = startMs;
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
