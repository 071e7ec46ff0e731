/**
 * Turns a scan report into outbox rows: records each finding, decides per policy, renders
 * the notice in the customer's language, and inserts one row per recipient. Enqueueing
 * the same report again (the next scan, a second process) inserts nothing: the finding's
 * fingerprint and the recipient are the row's key. Every source comes back with what
 * happened to it, including the ones that got no notice and why.
 */
import { createHash } from 'node:crypto';
import type { Report, ReportSource } from '../domain/report';
import { immediateTransaction, type Store } from '../store/open-store';
import { recordFinding, windowStart } from '../store/findings';
import { countRecentForCustomer, insertNotice, type NewNotice, type NoticeRow, type RecipientRole } from '../store/notices';
import { recordAudit } from '../store/audit';
import { isValidAddress, parseMailbox, domainOf } from './address';
import { contactsFromReport, type ContactLookup } from './contacts';
import { buildNoticeModel, pickLocale, type HosterAction } from './notice-model';
import { policyFor, type NotifyConfig } from './notify-config';
import { decide, type Decision } from './policy';
import { renderNotice } from './render-notice';
import { safeText } from './safe-text';

export interface EnqueueOptions {
  config: NotifyConfig;
  contacts?: ContactLookup;
  /** what the hoster already did, per source id */
  actions?: (source: ReportSource) => readonly HosterAction[];
  /** who enqueues, for the audit trail */
  actor: string;
  viewsDir?: string;
}

export interface EnqueuedNotice {
  id: number;
  recipient: string;
  role: RecipientRole;
  state: NoticeRow['state'];
  /** false: the row existed already (an earlier scan); nothing changed */
  inserted: boolean;
  note: string | null;
}

export interface SourceOutcome {
  sourceId: string;
  decision: Decision['decision'];
  reason: string;
  fingerprint: string | null;
  notices: EnqueuedNotice[];
}

/** A report, or what the watcher knows at a trip: the host, the time and the source(s). */
export type EnqueueInput = Pick<Report, 'host' | 'generatedAt' | 'sources'>;

export function enqueueReport(store: Store, report: EnqueueInput, options: EnqueueOptions): SourceOutcome[] {
  return report.sources.map((s) => enqueueSource(store, report, s, options));
}

function enqueueSource(store: Store, report: EnqueueInput, source: ReportSource, o: EnqueueOptions): SourceOutcome {
  const contacts = (o.contacts ?? contactsFromReport)(source);
  const policy = policyFor(o.config, report.host, contacts.reseller?.login ?? source.subscription?.reseller ?? null);
  const d = decide(source, policy);
  if (d.decision === 'never') return { sourceId: source.id, decision: d.decision, reason: d.reason, fingerprint: null, notices: [] };
  if (!source.subscription || !contacts.customer) {
    return { sourceId: source.id, decision: 'never', reason: 'no panel subscription owns this source, so there is no customer to tell', fingerprint: null, notices: [] };
  }
  const customer = contacts.customer;
  const locale = pickLocale(customer.locale ?? o.config.defaultLocale);
  const model = buildNoticeModel({ source, host: report.host, locale, hosterName: o.config.hosterName, actions: o.actions?.(source) ?? [] });
  const rendered = renderNotice(model, o.viewsDir);
  const window = windowStart(new Date(report.generatedAt), o.config.windowHours);
  const fromDomain = domainOf(parseMailbox(o.config.from)?.address ?? 'spamtrace@localhost');

  // One IMMEDIATE transaction per source: the rate-limit count and the insert cannot
  // interleave with another process's.
  return immediateTransaction(store, (): SourceOutcome => {
    const fingerprint = recordFinding(store, report.host, source, window);
    const notices: EnqueuedNotice[] = [];
    let state: NewNotice['state'] = d.decision === 'auto' ? 'queued' : 'awaiting-approval';
    let stateReason: string | null = d.reason;
    const login = customer.login ?? source.subscription!.id;
    if (state === 'queued') {
      const since = store.now() - policy.rateLimit.windowHours * 3600_000;
      const recent = countRecentForCustomer(store, login, since);
      if (recent >= policy.rateLimit.perCustomer) {
        state = 'awaiting-approval';
        stateReason = `rate limit: ${recent} notices to this customer in the last ${policy.rateLimit.windowHours} h (limit ${policy.rateLimit.perCustomer})`;
      }
    }
    const add = (recipientText: string | null, role: RecipientRole): void => {
      const email = recipientText?.trim() ?? '';
      const valid = isValidAddress(email);
      const recipient = valid ? email : safeText(email, 254);
      const refused = !email ? `no email address is known for ${role} ${role === 'customer' ? login : contacts.reseller?.login ?? ''}` : !valid ? `not a valid email address: "${recipient}"` : null;
      const { row, inserted } = insertNotice(store, {
        fingerprint,
        recipient,
        role,
        customer: login,
        reseller: contacts.reseller?.login ?? null,
        locale,
        state: refused ? 'failed-permanent' : state,
        stateReason: refused ? null : stateReason,
        subject: rendered.subject,
        text: rendered.text,
        html: rendered.html,
        messageId: messageIdFor(fingerprint, role, recipient, fromDomain),
        lastError: refused,
      });
      if (inserted) {
        recordAudit(store, { actor: o.actor, action: 'notice.enqueue', target: `notice:${row.id}`, after: { state: row.state, recipient: row.recipient, reason: row.state_reason ?? row.last_error } });
      }
      notices.push({ id: row.id, recipient: row.recipient, role, state: row.state, inserted, note: row.last_error ?? row.state_reason });
    };
    add(customer.email, 'customer');
    if (policy.copyReseller && contacts.reseller) add(contacts.reseller.email, 'reseller');
    return { sourceId: source.id, decision: d.decision, reason: stateReason ?? d.reason, fingerprint, notices };
  });
}

/** Fixed at enqueue, so every attempt and every log line names the same message. */
function messageIdFor(fingerprint: string, role: RecipientRole, recipient: string, domain: string): string {
  const r = createHash('sha256').update(`${role}\0${recipient}`).digest('hex').slice(0, 10);
  return `<spamtrace.${fingerprint.slice(0, 24)}.${r}@${domain}>`;
}
