/**
 * The circuit breaker: given a source's current judgement and rate, decides whether to
 * trip, and trips through the act engine (so every step is planned, journaled, verified,
 * audited and undoable). Policy in watch-policy.ts.
 *
 * Safety first, in this order: sources that are never touched (Postfix's own bounces and
 * mail_owner, root's cron, the notice sender, the allow-list), one trip per source until it
 * is released, at most `maxTripsPerHour` trips (the rest are reported as capped), and
 * dry-run (plans shown, nothing applied). No mail is lost: queued mail is held, local
 * submissions are refused by sendmail (the script sees the error, nothing is queued), SMTP
 * submissions get a 4xx and stay with the client.
 */
import { randomBytes } from 'node:crypto';
import type { ReportSource } from '../domain/report';
import type { Rate, Window } from './source-windows';
import { thresholdsFor, type Thresholds, type WatchPolicy, type SourceKindPolicy } from './watch-policy';
import type { Trip, TripAction, TripNotice, TripStore, TripView } from './trip-store';

/** The part of the act engine the breaker uses (ActionEngine fits). */
export interface BreakerEngine {
  plan(name: string, target: string): Promise<{ summary: string; noop: boolean }>;
  apply(name: string, target: string): Promise<{ id: string | null; plan: { summary: string }; verification: { ok: boolean; observations: string[] } | null }>;
  undo(id: string): Promise<{ verification: { ok: boolean; observations: string[] } }>;
}

export interface Exemptions {
  /** uids never tripped: 0 (root, cron) and Postfix's mail_owner */
  uids: ReadonlySet<number>;
  /** uid -> login, for `user:NAME` allow entries */
  userOf?: (uid: number) => string | undefined;
}

export interface BreakerDeps {
  policy: Readonly<WatchPolicy>;
  engine: BreakerEngine;
  trips: TripStore;
  exempt: Exemptions;
  /** the customer's notice for a trip, decided after its actions ran (queued through the outbox) */
  notice?: (trip: Trip, source: ReportSource) => Promise<TripNotice>;
  /** the reseller of the source's subscription (from the inventory), for its own thresholds */
  resellerOf?: (s: ReportSource) => string | null;
  /** told of every trip (log, admin mail, the UI) */
  alert?: (trip: Trip) => Promise<void> | void;
  log?: (line: string) => void;
  now?: () => Date;
}

const HOUR = 3_600_000;
/** a tripped source's new mail is held again at most this often */
const REHOLD_EVERY_MS = 5_000;

export type Decision = { trip: false; why: string } | { trip: true; cause: Trip['cause'] };

export class Breaker {
  /** source -> its open (not released) trip */
  private readonly open = new Map<string, TripView>();
  private readonly recent: number[] = [];
  private readonly reheld = new Map<string, number>();
  private readonly cappedSources = new Set<string>();
  private readonly now: () => Date;

  constructor(private readonly d: BreakerDeps) {
    this.now = d.now ?? (() => new Date());
  }

  /** Trips from earlier runs that are not released stay tripped (no second trip after a restart). */
  async restore(): Promise<void> {
    for (const t of await this.d.trips.read()) {
      if (!t.released && t.state !== 'capped') this.open.set(t.source, t);
      if (this.now().getTime() - Date.parse(t.at) < HOUR) this.recent.push(Date.parse(t.at));
    }
  }

  isTripped(source: string): boolean {
    return this.open.has(source);
  }

  /** Why a source is never tripped, or null. */
  exemption(s: ReportSource): string | null {
    const p = this.d.policy;
    if (s.kind === 'unknown') return 'no origin (Postfix bounces, mail without an arrival line): never tripped';
    if (s.uid !== null && this.d.exempt.uids.has(s.uid)) return `uid ${s.uid} is root or Postfix itself (cron, requeued mail): never tripped`;
    const allow = new Set(p.allow);
    if (allow.has(s.id.toLowerCase())) return `${s.id} is on the allow-list`;
    const user = s.uid !== null ? this.d.exempt.userOf?.(s.uid) : undefined;
    if (user && allow.has(`user:${user.toLowerCase()}`)) return `user:${user} is on the allow-list`;
    const senders = s.senders.map((x) => x.address.toLowerCase()).filter((a) => a !== '');
    const notice = p.noticeSender?.toLowerCase();
    if (notice && senders.includes(notice)) return `sends as the notice sender ${p.noticeSender}: never tripped`;
    if (senders.length > 0 && senders.every((a) => allow.has(a) || allow.has(a.slice(a.lastIndexOf('@'))))) return 'every sender address is on the allow-list';
    return null;
  }

  /** The server's thresholds, or the reseller's where the policy names the source's reseller. */
  thresholds(s: ReportSource): Thresholds {
    const p = this.d.policy;
    if (Object.keys(p.resellers).length === 0) return thresholdsFor(p, null);
    return thresholdsFor(p, s.subscription?.reseller ?? this.d.resellerOf?.(s) ?? null);
  }

  decide(s: ReportSource, rate: Rate): Decision {
    if (this.open.has(s.id)) return { trip: false, why: 'already tripped' };
    const ex = this.exemption(s);
    if (ex) return { trip: false, why: ex };
    const t = this.thresholds(s);
    if (rate.messages > t.maxMessagesPerMinute || rate.recipients > t.maxRecipientsPerMinute) return { trip: true, cause: 'rate' };
    if (s.verdict === 'spam' && s.messages >= t.minMessages) return { trip: true, cause: 'spam' };
    return { trip: false, why: `${s.verdict} (score ${s.score})${t.from === 'server' ? '' : `, ${t.from}'s thresholds`}` };
  }

  /** The actions and targets the policy gives a source. */
  actionsFor(s: ReportSource): { action: string; target: string }[] {
    const kind = policyKind(s);
    if (!kind) return [];
    const value = s.id.slice(s.id.indexOf(':') + 1);
    return this.d.policy.actions[kind].map((action) => {
      if (action === 'queue-hold') return { action, target: s.id };
      if (action === 'block-submit') return { action, target: s.id };
      return { action, target: value };
    });
  }

  /** Trips the source: records, acts (live) or plans (dry-run), alerts. */
  async trip(s: ReportSource, w: Window, rate: Rate, cause: Trip['cause']): Promise<Trip | null> {
    const p = this.d.policy;
    const at = this.now();
    while (this.recent.length && at.getTime() - this.recent[0]! > HOUR) this.recent.shift();
    const capped = this.recent.length >= p.maxTripsPerHour;
    if (capped && this.cappedSources.has(s.id)) return null; // reported once
    const first = w.messages.reduce<number | null>((min, lm) => (min === null || lm.m.firstSeen.getTime() < min ? lm.m.firstSeen.getTime() : min), null);
    const trip: Trip = {
      type: 'trip',
      id: `trip-${at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`,
      at: at.toISOString(),
      source: s.id,
      kind: s.kind,
      cause,
      mode: p.mode,
      state: capped ? 'capped' : p.mode === 'live' ? 'tripped' : 'dry-run',
      verdict: s.verdict,
      score: s.score,
      reasons: s.reasons.slice(0, 10),
      messages: s.messages,
      recipients: s.recipients,
      firstSeen: first === null ? null : new Date(first).toISOString(),
      secondsFromFirstMessage: first === null ? null : Math.max(0, Math.round((at.getTime() - first) / 100) / 10),
      rate,
      limits: this.thresholds(s),
      sampleQueueIds: s.sampleQueueIds.slice(0, 10),
      actions: [],
    };
    if (capped) {
      this.cappedSources.add(s.id);
      this.d.log?.(`watch: ${s.id} would trip (${cause}) but ${p.maxTripsPerHour} trips in the last hour is the cap: reported only`);
    } else {
      this.recent.push(at.getTime());
      for (const a of this.actionsFor(s)) trip.actions.push(await this.run(a.action, a.target, p.mode === 'live'));
      if (this.d.notice) trip.notice = await this.d.notice(trip, s);
      this.open.set(s.id, { ...trip, followUps: [], released: null });
    }
    await this.d.trips.append(trip);
    await this.d.alert?.(trip);
    return trip;
  }

  /**
   * New mail from a source that is already tripped (an SMTP client the policy does not
   * block, mail queued between the hold and the block): hold it too, at most every few seconds.
   */
  async followUp(source: string): Promise<TripAction | 'later' | null> {
    const t = this.open.get(source);
    if (!t || t.mode !== 'live' || t.state !== 'tripped' || !t.actions.some((a) => a.action === 'queue-hold')) return null;
    const last = this.reheld.get(source) ?? 0;
    const now = this.now().getTime();
    // not dropped: the mail that asked for it would stay unheld if the source then fell silent
    if (now - last < REHOLD_EVERY_MS) return 'later';
    this.reheld.set(source, now);
    const a = await this.run('queue-hold', source, true);
    if (a.id === null && a.ok) return null; // nothing new to hold
    t.followUps.push(a);
    await this.d.trips.append({ type: 'follow-up', trip: t.id, at: new Date(now).toISOString(), action: a });
    return a;
  }

  /** One-click release: every action of the trip undone, newest first; the source may trip again. */
  async release(trip: TripView, by: string): Promise<TripAction[]> {
    const undone: TripAction[] = [];
    for (const a of [...trip.actions, ...trip.followUps].reverse()) {
      if (!a.id) continue;
      try {
        const r = await this.d.engine.undo(a.id);
        undone.push({ action: a.action, target: a.target, id: a.id, ok: r.verification.ok, notes: r.verification.observations });
      } catch (e) {
        const msg = (e as Error).message;
        undone.push({ action: a.action, target: a.target, id: a.id, ok: /already undone/.test(msg), notes: [msg] });
      }
    }
    await this.d.trips.append({ type: 'release', trip: trip.id, at: this.now().toISOString(), by, undone });
    this.open.delete(trip.source);
    return undone;
  }

  private async run(action: string, target: string, live: boolean): Promise<TripAction> {
    try {
      if (!live) {
        const plan = await this.d.engine.plan(action, target);
        return { action, target, id: null, ok: true, notes: [`would: ${plan.summary}${plan.noop ? ' (nothing to do)' : ''}`] };
      }
      const r = await this.d.engine.apply(action, target);
      return { action, target, id: r.id, ok: r.verification?.ok ?? true, notes: [r.plan.summary, ...(r.verification?.observations ?? [])] };
    } catch (e) {
      this.d.log?.(`watch: ${action} ${target} failed: ${(e as Error).message}`);
      return { action, target, id: null, ok: false, notes: [(e as Error).message] };
    }
  }
}

function policyKind(s: ReportSource): SourceKindPolicy | null {
  switch (s.kind) {
    case 'local':
      return 'local';
    case 'sasl':
      return 'sasl';
    case 'smtp-client': {
      const ip = s.id.slice('client:'.length);
      return ip.startsWith('127.') || ip === '::1' ? 'loopback-client' : 'smtp-client';
    }
    default:
      return null;
  }
}
