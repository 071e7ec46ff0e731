/**
 * The customer's notice on a trip, through the same outbox and policy as `notify send`:
 * the tripped source gets its subscription from the inventory (a local uid, a SASL
 * mailbox), the notify policy decides (spam at the automatic score: queued; the rest it
 * names: awaiting approval; per server and reseller), and the row goes into the store's
 * outbox, where `notify list|approve|send` and the UI see it. Live, the watcher hands what
 * is due to the transport right after; a notice it cannot send stays in the outbox with
 * its retry time (nothing is dropped). Dry-run only says what would be queued, to whom.
 */
import type { Report, ReportSource } from '../domain/report';
import type { Subscription } from '../domain/subscription';
import type { Store } from '../store/open-store';
import { subscriptionIndex } from '../inventory/subscription-index';
import { sourceSubscription, subscriptionOf } from '../scan/attach-subscription';
import { contactsFromInventory } from '../notify/contacts';
import { enqueueReport } from '../notify/enqueue-notices';
import { deliverDue } from '../notify/deliver-notices';
import { pickLocale, type HosterAction } from '../notify/notice-model';
import { policyFor, type NotifyConfig } from '../notify/notify-config';
import { decide } from '../notify/policy';
import type { NoticeTransport } from '../notify/transport';
import type { Trip, TripAction, TripNotice } from './trip-store';

export interface TripNotifierDeps {
  /** null: no notify settings, so no notice (said in the trip) */
  config: NotifyConfig | null;
  /** the outbox; opened on first use (created when missing); the caller closes it */
  openStore: () => Store;
  /** the inventory's subscriptions (cached by the caller) */
  subscriptions: () => Promise<readonly Subscription[]>;
  transport: () => NoticeTransport;
  /** this server's name: the notify policy's `servers` key and the notice's host */
  host: string;
  log?: (line: string) => void;
}

/** What the trip's actions did, in the notice's words. */
export function hosterActions(actions: readonly TripAction[]): HosterAction[] {
  const out: HosterAction[] = [];
  for (const a of actions) {
    if (!a.ok || a.id === null) continue;
    if (a.action === 'queue-hold') {
      const n = /^(\d+) of \d+ queued messages/.exec(a.notes[0] ?? '');
      out.push({ kind: 'held-mail', ...(n ? { count: Number(n[1]) } : {}) });
    } else if (a.action === 'block-submit') out.push({ kind: 'blocked-submission', target: a.target });
    else if (a.action === 'defer-login' || a.action === 'block-login') out.push({ kind: 'blocked-login', target: a.target });
    else if (a.action === 'defer-client') out.push({ kind: 'other', text: `mail from ${a.target} is deferred` });
  }
  return out;
}

export class TripNotifier {
  private store: Store | null = null;
  private delivering: Promise<void> = Promise.resolve();

  constructor(private readonly d: TripNotifierDeps) {}

  /** Decides (and live: enqueues) the notice for a trip; never throws. */
  async notice(trip: Trip, source: ReportSource): Promise<TripNotice> {
    try {
      return await this.decideAndQueue(trip, source);
    } catch (e) {
      this.d.log?.(`watch: the customer notice for ${trip.source} failed: ${(e as Error).message}`);
      return { decision: 'error', reason: (e as Error).message, subscription: null, notices: [] };
    }
  }

  private async decideAndQueue(trip: Trip, source: ReportSource): Promise<TripNotice> {
    const config = this.d.config;
    if (trip.state === 'capped') return { decision: 'never', reason: 'over the hourly trip cap: nothing was done, so nothing to tell', subscription: null, notices: [] };
    if (!config) return { decision: 'never', reason: 'no notify settings (/etc/spamtrace/notify.json): customers are not told', subscription: null, notices: [] };
    const subs = await this.d.subscriptions();
    const owner = source.subscription ? null : subscriptionOf(source, subscriptionIndex(subs));
    const sub = source.subscription ?? (owner ? sourceSubscription(owner) : null);
    if (!sub) return { decision: 'never', reason: 'no panel subscription owns this source, so there is no customer to tell', subscription: null, notices: [] };
    const s: ReportSource = { ...source, subscription: sub };
    const contacts = contactsFromInventory(subs)(s);
    if (trip.mode !== 'live' || trip.state !== 'tripped') {
      const policy = policyFor(config, this.d.host, contacts.reseller?.login ?? sub.reseller ?? null);
      const d = decide(s, policy);
      const locale = pickLocale(contacts.customer?.locale ?? config.defaultLocale);
      const to = contacts.customer?.email ?? null;
      return {
        decision: d.decision,
        reason: `dry-run, nothing queued: ${d.reason}`,
        subscription: sub.id,
        notices:
          d.decision === 'never' || !to
            ? []
            : [{ id: null, recipient: to, role: 'customer', locale, state: d.decision === 'auto' ? 'would-queue' : 'would-await-approval' }],
      };
    }
    const report: Pick<Report, 'host' | 'generatedAt' | 'sources'> = { host: this.d.host, generatedAt: trip.at, sources: [s] };
    const [o] = enqueueReport(this.outbox(), report, {
      config,
      contacts: contactsFromInventory(subs),
      actions: () => hosterActions(trip.actions),
      actor: 'spamtrace-watch',
    });
    if (!o) return { decision: 'never', reason: 'nothing enqueued', subscription: sub.id, notices: [] };
    const locale = pickLocale(contacts.customer?.locale ?? config.defaultLocale);
    const notices = o.notices.map((n) => ({ id: n.id, recipient: n.recipient, role: n.role, locale, state: n.state, ...(n.inserted ? {} : { note: 'already in the outbox' }) }));
    if (notices.some((n) => n.state === 'queued')) this.deliver();
    return { decision: o.decision, reason: o.reason, subscription: sub.id, notices };
  }

  /** Sends what is due in the outbox, one run at a time, off the watch loop. */
  deliver(): void {
    const config = this.d.config;
    if (!config) return;
    this.delivering = this.delivering.then(async () => {
      try {
        const r = await deliverDue(this.outbox(), { config, transport: this.d.transport(), actor: 'spamtrace-watch', limit: 50 });
        for (const x of r.results) this.d.log?.(`watch: notice ${x.id} to ${x.recipient}: ${x.state}${x.error ? ` (${x.error})` : ''}`);
      } catch (e) {
        this.d.log?.(`watch: delivering notices failed: ${(e as Error).message} (they stay in the outbox)`);
      }
    });
  }

  async idle(): Promise<void> {
    await this.delivering;
  }

  private outbox(): Store {
    return (this.store ??= this.d.openStore());
  }
}
