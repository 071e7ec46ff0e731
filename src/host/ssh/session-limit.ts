/**
 * At most N programs at a time over one SSH connection: sshd refuses sessions beyond its
 * MaxSessions (10 by default) on a multiplexed connection, and a refused session would
 * look like a failed collector. Waiters are served first come, first served.
 */
export class SessionLimit {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError('SessionLimit needs a whole number >= 1');
  }

  async acquire(): Promise<() => void> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next(); // the slot passes straight to the next waiter
      else this.active--;
    };
  }
}
