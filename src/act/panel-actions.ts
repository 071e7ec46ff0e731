/**
 * Containment through the hosting panel, for what Postfix alone cannot say to the
 * customer: Plesk's mailbox outgoing limit (0 = the mailbox sends nothing), Plesk's
 * subscription suspension, Confixx's customer lock (kunden.gesperrt). apply and undo
 * call the panel adapters (src/inventory/); verify reads the panel's own state back
 * through a separate call. The before-state is read in the plan, so undo restores what
 * the panel had (a customer the reseller had locked already stays locked).
 */
import type { Action, ActionPlan, Json, UndoResult, Verification } from './action';
import type { OutgoingLimit, PleskActions, PleskTarget } from '../inventory/plesk/actions';
import type { ConfixxInventory } from '../inventory/confixx/confixx-inventory';
import { checkSaslLogin } from './names';
import { refused } from './act-errors';
import { checkCustomerLogin } from '../inventory/confixx/confixx-lock';

export type PleskMailPort = Pick<PleskActions, 'setMailboxOutgoingLimit' | 'mailboxOutgoingLimit' | 'outgoingMailControl'>;
export type PleskSubscriptionPort = Pick<PleskActions, 'suspendSubscription' | 'reactivateSubscription' | 'subscriptionStatus'>;
export type ConfixxLockPort = Pick<ConfixxInventory, 'lockCustomer' | 'unlockCustomer' | 'list'>;

/** What each panel action journals for apply and undo. */
interface MailLimitData {
  address: string;
  restore: OutgoingLimit;
}

interface SuspendData {
  target: { id: string; name: string };
  restore: string;
}

interface ConfixxLockData {
  login: string;
  restore: number;
}

function base<Data>(action: string, target: string, summary: string, before: Json, data: Data, call: string, undoCall: string, noop: boolean): ActionPlan<Data> {
  return {
    action,
    target,
    summary,
    steps: noop ? [] : [{ kind: 'panel', call, why: summary }],
    undoSteps: noop ? [] : [{ kind: 'panel', call: undoCall, why: 'back to the value before' }],
    before,
    data,
    reversible: true,
    noop,
    warnings: [],
  };
}

/** plesk-mail-limit ADDRESS: outgoing limit 0 for one mailbox. */
export class PleskMailLimitAction implements Action<MailLimitData> {
  readonly name = 'plesk-mail-limit';
  readonly description = "set a Plesk mailbox's outgoing message limit to 0 (it sends nothing)";
  readonly targetHelp = 'a mailbox address hosted on this Plesk';

  constructor(private readonly plesk: PleskMailPort) {}

  async plan(target: string): Promise<ActionPlan<MailLimitData>> {
    const address = checkSaslLogin(target);
    if (!address.includes('@')) throw refused(`a Plesk mailbox is an address: ${address}`);
    const current = await this.plesk.mailboxOutgoingLimit(address);
    const control = await this.plesk.outgoingMailControl();
    const plan = base(
      this.name,
      address,
      `mailbox ${address} may send 0 messages per hour (was ${current ?? 'default'})`,
      { limit: current ?? 'default' },
      { address, restore: current ?? 'default' },
      `plesk bin mail --update ${address} -outgoing-messages-mbox-limit 0`,
      `plesk bin mail --update ${address} -outgoing-messages-mbox-limit ${current ?? 'default'}`,
      current === 0,
    );
    // the limit is stored either way, but Plesk only enforces it with Outgoing Mail Control on
    if (control === false) {
      plan.warnings.push(
        'Outgoing Mail Control is off in Plesk (Tools & Settings > Mail Server Settings > Outgoing mail control): the limit is saved but not enforced until it is on. To stop this mailbox now, use block-login.',
      );
    } else if (control === null) {
      plan.warnings.push('could not read whether Outgoing Mail Control is on (plesk bin mailserver --info): the limit is only enforced when it is.');
    }
    return plan;
  }

  async apply(plan: ActionPlan<MailLimitData>): Promise<Json> {
    const d = plan.data;
    const out = await this.plesk.setMailboxOutgoingLimit(d.address, 0);
    return { limit: 0, via: out.via, warnings: out.warnings };
  }

  async verify(plan: ActionPlan<MailLimitData>): Promise<Verification> {
    const d = plan.data;
    const now = await this.plesk.mailboxOutgoingLimit(d.address);
    return { ok: now === 0, observations: [`plesk mail --info ${d.address}: outgoing limit ${now ?? 'not shown'}`] };
  }

  async undo(plan: ActionPlan<MailLimitData>): Promise<UndoResult> {
    const d = plan.data;
    const out = await this.plesk.setMailboxOutgoingLimit(d.address, d.restore);
    return { after: { limit: d.restore, via: out.via }, warnings: out.warnings };
  }

  async verifyUndone(plan: ActionPlan<MailLimitData>): Promise<Verification> {
    const d = plan.data;
    const now = await this.plesk.mailboxOutgoingLimit(d.address);
    return { ok: String(now ?? 'default') === String(d.restore), observations: [`plesk mail --info ${d.address}: outgoing limit ${now ?? 'not shown'} (wanted ${d.restore})`] };
  }
}

/** plesk-suspend NAME#ID: suspend a subscription (web, mail, FTP) in Plesk. */
export class PleskSuspendAction implements Action<SuspendData> {
  readonly name = 'plesk-suspend';
  readonly description = 'suspend a Plesk subscription (its sites and mail stop)';
  readonly targetHelp = 'the subscription as DOMAIN#ID (Plesk domain id of its main domain)';

  constructor(private readonly plesk: PleskSubscriptionPort) {}

  async plan(text: string): Promise<ActionPlan<SuspendData>> {
    const target = parsePleskTarget(text);
    const status = await this.plesk.subscriptionStatus(target);
    return base(
      this.name,
      `${target.name}#${target.id}`,
      `subscription ${target.name} suspended (was ${status})`,
      { status },
      { target: { id: String(target.id), name: target.name }, restore: status },
      `PUT /domains/${target.id}/status {"status":"suspended"}`,
      `PUT /domains/${target.id}/status {"status":"active"}`,
      status === 'suspended',
    );
  }

  async apply(plan: ActionPlan<SuspendData>): Promise<Json> {
    const d = plan.data;
    const out = await this.plesk.suspendSubscription(d.target);
    return { status: 'suspended', via: out.via, warnings: out.warnings };
  }

  async verify(plan: ActionPlan<SuspendData>): Promise<Verification> {
    const d = plan.data;
    const s = await this.plesk.subscriptionStatus(d.target);
    return { ok: s === 'suspended', observations: [`GET /domains/${d.target.id}/status: ${s}`] };
  }

  async undo(plan: ActionPlan<SuspendData>): Promise<UndoResult> {
    const d = plan.data;
    if (d.restore !== 'active') return { after: { status: d.restore }, warnings: [`it was "${d.restore}" before: left suspended`] };
    const out = await this.plesk.reactivateSubscription(d.target);
    return { after: { status: 'active', via: out.via }, warnings: out.warnings };
  }

  async verifyUndone(plan: ActionPlan<SuspendData>): Promise<Verification> {
    const d = plan.data;
    const s = await this.plesk.subscriptionStatus(d.target);
    return { ok: d.restore !== 'active' || s === 'active', observations: [`GET /domains/${d.target.id}/status: ${s}`] };
  }
}

export function parsePleskTarget(text: string): PleskTarget & { id: string } {
  const m = /^([a-z0-9][a-z0-9.-]{0,252})#(\d{1,10})$/i.exec(text);
  if (!m || m[1]!.includes('..')) throw refused(`a Plesk subscription is DOMAIN#ID, e.g. shop-example.de#7 (got ${JSON.stringify(text.slice(0, 80))})`);
  return { name: m[1]!.toLowerCase(), id: m[2]! };
}

/** confixx-lock webN: the Confixx customer lock. */
export class ConfixxLockAction implements Action<ConfixxLockData> {
  readonly name = 'confixx-lock';
  readonly description = 'lock a Confixx customer (kunden.gesperrt = 1)';
  readonly targetHelp = 'the Confixx customer login webN';

  constructor(private readonly confixx: ConfixxLockPort) {}

  async plan(target: string): Promise<ActionPlan<ConfixxLockData>> {
    const login = checkCustomerLogin(target);
    const sub = (await this.confixx.list()).subscriptions.find((s) => s.id === login);
    if (!sub) throw refused(`Confixx has no customer ${login}`);
    const locked = sub.suspended === true;
    return base(
      this.name,
      login,
      `Confixx customer ${login} locked${locked ? ' (already locked)' : ''}`,
      { gesperrt: locked ? 1 : 0 },
      { login, restore: locked ? 1 : 0 },
      `UPDATE kunden SET gesperrt = 1 WHERE kunde = '${login}'`,
      `UPDATE kunden SET gesperrt = ${locked ? 1 : 0} WHERE kunde = '${login}'`,
      locked,
    );
  }

  async apply(plan: ActionPlan<ConfixxLockData>): Promise<Json> {
    const d = plan.data;
    const c = await this.confixx.lockCustomer(d.login);
    return { gesperrt: c.after, before: c.before, changed: c.changed };
  }

  async verify(plan: ActionPlan<ConfixxLockData>): Promise<Verification> {
    return this.observe(plan, true);
  }

  async undo(plan: ActionPlan<ConfixxLockData>, after?: Json): Promise<UndoResult> {
    const d = plan.data;
    // the value apply saw is exact; the plan's is the fallback after a crash
    const seen = after && typeof after === 'object' && !Array.isArray(after) && typeof after['before'] === 'number' ? (after['before'] as number) : d.restore;
    const c = await this.confixx.unlockCustomer(d.login, seen);
    return { after: { gesperrt: c.after }, warnings: [] };
  }

  async verifyUndone(plan: ActionPlan<ConfixxLockData>): Promise<Verification> {
    const d = plan.data;
    return this.observe(plan, d.restore !== 0);
  }

  private async observe(plan: ActionPlan<ConfixxLockData>, wantLocked: boolean): Promise<Verification> {
    const d = plan.data;
    const sub = (await this.confixx.list()).subscriptions.find((s) => s.id === d.login);
    const locked = sub?.suspended === true;
    return { ok: locked === wantLocked, observations: [`Confixx lists ${d.login} as ${locked ? 'locked' : 'not locked'}`] };
  }
}
