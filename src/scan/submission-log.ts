/**
 * When did each local source submit, and which script did PHP name? Kept beside the
 * tracer (which only counts) because script correlation needs the times themselves.
 *
 * Bounded, so a 5 GB mail log costs what a 500 MB one does:
 * - local / loopback submissions: exact up to MAX_PER_SOURCE per source, then a uniform
 *   sample of that size over all of them (reservoir sampling, fixed seed: the same log gives
 *   the same sample), stored as parallel arrays (a time, an ID, a script), not one object each;
 * - SASL logins: only what the login assessment reads (assess-sasl-login.ts): the earliest
 *   and latest login, the earliest per network, and logins per client address (up to
 *   MAX_CLIENTS_PER_LOGIN addresses per source, first seen first).
 * - Nothing per message: a message the queue already reported is not offered again (the
 *   mail-log stage skips it by queue ID and arrival time, queue-log-merge.ts, before it
 *   records), and the mail log tells of each message once.
 */
import type { SaslLogin, Submission } from '../trace/correlate';
import { networkOf } from '../trace/correlate/ip-network';
import type { PhpScript } from '../domain/origin';
import type { TraceMessage } from '../trace/trace-message';
import { detach, detachAll } from '../trace/detach';

export const MAX_PER_SOURCE = 10_000;
export const MAX_CLIENTS_PER_LOGIN = 20_000;
/** distinct networks per SASL source whose earliest login is kept */
export const MAX_NETWORKS_PER_LOGIN = 20_000;

/** Submissions of one source: exact up to `cap`, then a uniform sample of `cap`. */
export class SubmissionSample {
  private readonly times: number[] = [];
  private readonly ids: string[] = [];
  private readonly scripts: Array<PhpScript | null> = [];
  /** every submission offered, kept or not */
  seen = 0;
  private rng = 0x9e3779b9;

  constructor(private readonly cap: number = MAX_PER_SOURCE) {}

  add(time: number, queueId: string, script: PhpScript | null): void {
    this.seen++;
    let slot = this.times.length;
    if (slot >= this.cap) {
      // Algorithm R: the n-th submission replaces a kept one with probability cap / n
      slot = this.random() % this.seen;
      if (slot >= this.cap) return;
    }
    this.times[slot] = time;
    this.ids[slot] = queueId;
    this.scripts[slot] = script;
  }

  get size(): number {
    return this.times.length;
  }

  /** In the order recorded while exact; in time order once sampled. */
  list(): Submission[] {
    const out: Submission[] = this.times.map((t, i) => ({ time: new Date(t), queueId: this.ids[i]!, phpScript: this.scripts[i] ?? null }));
    if (this.seen > this.times.length) out.sort((a, b) => a.time.getTime() - b.time.getTime());
    return out;
  }

  private random(): number {
    let x = this.rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rng = x >>> 0;
    return this.rng;
  }
}

/** What the login assessment needs of one SASL source's successful logins. */
export class LoginDigest {
  private earliest: SaslLogin | null = null;
  private latest: SaslLogin | null = null;
  private readonly firstByNetwork = new Map<string, SaslLogin>();
  private readonly perClient = new Map<string, number>();

  constructor(
    private readonly maxClients: number = MAX_CLIENTS_PER_LOGIN,
    private readonly maxNetworks: number = MAX_NETWORKS_PER_LOGIN,
  ) {}

  add(time: Date, clientAddress: string): void {
    const t = time.getTime();
    if (!Number.isFinite(t)) return;
    let login: SaslLogin | null = null;
    const own = (): SaslLogin => (login ??= { time, clientAddress: detach(clientAddress) });
    if (this.earliest === null || t < this.earliest.time.getTime()) this.earliest = own();
    if (this.latest === null || t > this.latest.time.getTime()) this.latest = own();
    const net = networkOf(clientAddress);
    if (net !== null) {
      const first = this.firstByNetwork.get(net);
      if (first ? t < first.time.getTime() : this.firstByNetwork.size < this.maxNetworks) this.firstByNetwork.set(first ? net : detach(net), own());
    }
    const n = this.perClient.get(clientAddress);
    if (n !== undefined) this.perClient.set(clientAddress, n + 1);
    else if (this.perClient.size < this.maxClients) this.perClient.set(own().clientAddress, 1);
  }

  /**
   * Logins standing for all of them: their earliest and latest times and their networks are
   * those of every login recorded (assess-sasl-login.ts reads nothing else of the list).
   */
  representatives(): SaslLogin[] {
    const out: SaslLogin[] = [];
    if (this.earliest) out.push(this.earliest);
    if (this.latest && this.latest !== this.earliest) out.push(this.latest);
    for (const l of this.firstByNetwork.values()) if (l !== this.earliest && l !== this.latest) out.push(l);
    return out;
  }

  /** successful logins from this address (0 for one first seen past the address cap) */
  countFrom(address: string): number {
    return this.perClient.get(address) ?? 0;
  }
}

export class SubmissionLog {
  private readonly bySource = new Map<string, SubmissionSample>();
  private readonly logins = new Map<string, LoginDigest>();

  /** submissions seen beyond the per-source sample (not kept) */
  get dropped(): number {
    let n = 0;
    for (const s of this.bySource.values()) n += s.seen - s.size;
    return n;
  }

  /** One message, offered once (from the queue, or from the log when the queue did not hold it). */
  record(sourceKey: string, m: TraceMessage): void {
    if (m.arrivalTime === null) return;
    if (m.origin.kind === 'sasl') {
      // successful logins in time order tell "failed before the first success" apart
      if (!m.origin.clientAddress) return;
      let digest = this.logins.get(sourceKey);
      if (!digest) this.logins.set(sourceKey, (digest = new LoginDigest()));
      digest.add(m.arrivalTime, m.origin.clientAddress);
      return;
    }
    // a local process, or one speaking SMTP to loopback (no uid: its times find its site, loopback-stage.ts)
    if (m.origin.kind !== 'local' && !(m.origin.kind === 'smtp-client' && isLoopback(m.origin.clientAddress))) return;
    let sample = this.bySource.get(sourceKey);
    if (!sample) this.bySource.set(sourceKey, (sample = new SubmissionSample()));
    sample.add(m.arrivalTime.getTime(), detach(m.queueId), m.origin.kind === 'local' && m.origin.phpScript ? detachAll(m.origin.phpScript) : null);
  }

  /** The source's submissions: all of them, or a uniform sample of MAX_PER_SOURCE. */
  of(sourceKey: string): Submission[] {
    return this.bySource.get(sourceKey)?.list() ?? [];
  }

  /** Logins standing for the source's successful logins (LoginDigest.representatives). */
  loginsOf(sourceKey: string): SaslLogin[] {
    return this.logins.get(sourceKey)?.representatives() ?? [];
  }

  /** successful logins of the source from one client address */
  loginCountFrom(sourceKey: string, address: string): number {
    return this.logins.get(sourceKey)?.countFrom(address) ?? 0;
  }
}

function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1';
}
