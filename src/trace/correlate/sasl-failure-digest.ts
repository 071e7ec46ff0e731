/**
 * The mail log's failed SASL logins, kept as what the login assessment reads of them: per
 * named login (lower case; null when Postfix logged no name) and client network, the times
 * of the failures as plain numbers. A 5 GB log with a million failures costs 8 bytes per
 * failure instead of one object each.
 *
 * Bounded: at most MAX_GROUPS login/network pairs (a dictionary attack that names a million
 * made-up logins would otherwise grow it). A failure of a new pair past the cap is counted in
 * `notKept`, not kept: it can only matter for a login that later succeeded, and such a
 * login's own pairs are usually among the first seen.
 */
import type { SaslFailure } from '../../domain/maillog';
import { networkOf } from './ip-network';

export const MAX_GROUPS = 50_000;

class TimeList {
  private times: number[] = [];
  private sorted = true;
  /** failures without a usable time: counted, never "before" anything */
  private untimed = 0;

  add(t: number): void {
    if (!Number.isFinite(t)) return void this.untimed++;
    const n = this.times.length;
    if (n > 0 && t < this.times[n - 1]!) this.sorted = false;
    this.times.push(t);
  }

  get count(): number {
    return this.times.length + this.untimed;
  }

  /** how many are earlier than `t` (untimed ones never are) */
  countBefore(t: number): number {
    if (!this.sorted) {
      this.times.sort((a, b) => a - b);
      this.sorted = true;
    }
    let lo = 0;
    let hi = this.times.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.times[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** What assess-sasl-login.ts derives from the failures for one login. */
export interface FailureCounts {
  failedTotal: number;
  failedNamingLogin: number;
  /** from the login's own networks, before its first success (all of them when no success time is known) */
  before: number;
  beforeByNet: Map<string, number>;
}

export class SaslFailureDigest {
  /** login (lower case) -> network ('' when the address has none) -> failure times */
  private readonly named = new Map<string, Map<string, TimeList>>();
  /** failures without a login name, by network */
  private readonly unnamed = new Map<string, TimeList>();
  private groups = 0;
  /** failures offered, kept or not */
  total = 0;
  /** failures of login/network pairs past MAX_GROUPS */
  notKept = 0;

  constructor(private readonly maxGroups: number = MAX_GROUPS) {}

  static of(failures: Iterable<SaslFailure>): SaslFailureDigest {
    const d = new SaslFailureDigest(Infinity);
    for (const f of failures) d.add(f);
    return d;
  }

  add(f: SaslFailure): void {
    this.total++;
    const net = networkOf(f.clientAddress) ?? '';
    const t = f.time instanceof Date ? f.time.getTime() : NaN;
    let byNet: Map<string, TimeList>;
    if (typeof f.username === 'string') {
      const user = f.username.toLowerCase();
      let m = this.named.get(user);
      if (!m) {
        if (this.groups >= this.maxGroups) return void this.notKept++;
        this.named.set(copy(user), (m = new Map()));
      }
      byNet = m;
    } else {
      byNet = this.unnamed;
    }
    let list = byNet.get(net);
    if (!list) {
      if (this.groups >= this.maxGroups) return void this.notKept++;
      this.groups++;
      byNet.set(copy(net), (list = new TimeList()));
    }
    list.add(t);
  }

  /**
   * Failures that count for `username`: those naming it, and unnamed ones from its own
   * networks. `first`: its first successful login (ms), null when unknown.
   */
  countsFor(username: string, ownNets: ReadonlySet<string>, first: number | null): FailureCounts {
    const out: FailureCounts = { failedTotal: 0, failedNamingLogin: 0, before: 0, beforeByNet: new Map() };
    const tally = (net: string, list: TimeList): void => {
      if (!net || !ownNets.has(net)) return;
      const n = first === null ? list.count : list.countBefore(first);
      if (n > 0) {
        out.before += n;
        out.beforeByNet.set(net, (out.beforeByNet.get(net) ?? 0) + n);
      }
    };
    for (const [net, list] of this.named.get(username.toLowerCase()) ?? []) {
      out.failedTotal += list.count;
      out.failedNamingLogin += list.count;
      tally(net, list);
    }
    for (const [net, list] of this.unnamed) {
      if (!net || !ownNets.has(net)) continue;
      out.failedTotal += list.count;
      tally(net, list);
    }
    return out;
  }
}

/** a flat copy: a key cut from a log line must not keep the line alive */
function copy(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, 'utf8').toString('utf8');
}
