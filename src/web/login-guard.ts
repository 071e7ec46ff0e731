/**
 * Backoff for the local login form: after a few free failures per client address and per
 * account, each further failure doubles the wait before the next try, up to a cap (the
 * login page says so). While a wait runs the form is answered at once (429) without
 * computing a hash, and password checks run one at a time with a short queue, so a flood
 * of guesses costs the server neither CPU nor event-loop time.
 *
 * State is in memory: a restart forgets it, which only gives an attacker the free attempts
 * again, and the table is bounded (oldest entries dropped), so many addresses cannot make
 * it grow without limit. IPv6 clients count per /64, the block a single host usually owns.
 */
import { isIPv4, isIPv6 } from 'node:net';

export interface LoginGuardOptions {
  freePerAddress?: number;
  freePerAccount?: number;
  firstDelayMs?: number;
  capMs?: number;
  /** addresses and accounts remembered at most */
  maxTracked?: number;
  /** password checks waiting behind the running one; more are answered "busy" */
  maxQueued?: number;
}

export const LOGIN_BACKOFF_DEFAULTS = {
  freePerAddress: 5,
  freePerAccount: 10,
  firstDelayMs: 1000,
  capMs: 15 * 60_000,
  maxTracked: 10_000,
  maxQueued: 8,
} as const;

interface Entry {
  failures: number;
  /** epoch ms before which no try is taken */
  until: number;
  last: number;
}

export class LoginGuard {
  private readonly o: Required<LoginGuardOptions>;
  private readonly entries = new Map<string, Entry>();
  private running = false;
  private readonly queue: (() => void)[] = [];

  constructor(
    private readonly now: () => number,
    options: LoginGuardOptions = {},
  ) {
    this.o = { ...LOGIN_BACKOFF_DEFAULTS, ...options };
  }

  get capMs(): number {
    return this.o.capMs;
  }

  /** ms until this client may try this account again; 0: now. */
  waitMs(address: string, account: string): number {
    const t = this.now();
    return Math.max(0, this.until(addressKey(address), t), this.until(accountKey(account), t));
  }

  failed(address: string, account: string): void {
    this.bump(addressKey(address), this.o.freePerAddress);
    this.bump(accountKey(account), this.o.freePerAccount);
  }

  /** A correct password clears the address's count; the account's too (its owner is back). */
  succeeded(address: string, account: string): void {
    this.entries.delete(addressKey(address));
    this.entries.delete(accountKey(account));
  }

  /** Runs one password check at a time; 'busy' when the queue is full. */
  async serial<T>(work: () => Promise<T>): Promise<T | 'busy'> {
    if (this.running) {
      if (this.queue.length >= this.o.maxQueued) return 'busy';
      await new Promise<void>((resolve) => this.queue.push(resolve));
    }
    this.running = true;
    try {
      return await work();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.running = false;
    }
  }

  private until(key: string, t: number): number {
    const e = this.entries.get(key);
    if (!e) return 0;
    // forgotten once a whole cap has passed after the wait ran out
    if (e.until + this.o.capMs <= t && e.last + this.o.capMs <= t) {
      this.entries.delete(key);
      return 0;
    }
    return e.until - t;
  }

  private bump(key: string, free: number): void {
    const t = this.now();
    this.until(key, t);
    const e = this.entries.get(key) ?? { failures: 0, until: 0, last: t };
    e.failures += 1;
    e.last = t;
    if (e.failures >= free) {
      const doublings = Math.min(e.failures - free, 30);
      e.until = t + Math.min(this.o.capMs, this.o.firstDelayMs * 2 ** doublings);
    }
    // re-insert so the Map's order is least recently failed first
    this.entries.delete(key);
    this.entries.set(key, e);
    while (this.entries.size > this.o.maxTracked) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }
}

function accountKey(account: string): string {
  return `account:${account}`;
}

/** IPv4 as is (also when IPv4-mapped), IPv6 by its /64. */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return `ip:${mapped[1]}`;
  if (isIPv4(address)) return `ip:${address}`;
  if (isIPv6(address)) return `ip6:${expandIPv6(address).slice(0, 4).join(':')}`;
  return 'ip:unknown';
}

function expandIPv6(address: string): string[] {
  const [head, tail] = address.split('%')[0]!.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t];
  return groups.map((g) => (/^[0-9a-f]{1,4}$/i.test(g) ? g.toLowerCase().replace(/^0+(?=.)/, '') : g));
}
