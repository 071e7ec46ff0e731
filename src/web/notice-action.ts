/**
 * "Notify the customer" as one more action on the subscription page: the preview is the
 * notice exactly as it will be sent (subject and text, in the customer's language) with
 * the policy's decision; apply puts it in the notice outbox (src/notify), where
 * `spamtrace notify send` delivers it and `notify reject ID` stops it before it leaves.
 * Wraps the containment runner, so the page and the routes need no second code path.
 */
import type { ActionPlan } from '../act/action';
import type { Report } from '../domain/report';
import { contactsFromReport } from '../notify/contacts';
import { enqueueReport } from '../notify/enqueue-notices';
import { buildNoticeModel, pickLocale } from '../notify/notice-model';
import { policyFor, type NotifyConfig } from '../notify/notify-config';
import { decide } from '../notify/policy';
import { renderNotice } from '../notify/render-notice';
import type { Store } from '../store';
import type { ActionRunner, ApplyResult } from './action-runner';

export const NOTIFY_ACTION = 'notify-customer';

export function withCustomerNotice(inner: ActionRunner, store: Store, config: NotifyConfig, latest: () => Report | null): ActionRunner {
  const find = (sourceId: string) => {
    const report = latest();
    const source = report?.sources.find((s) => s.id === sourceId);
    if (!report || !source) throw new Error(`no source ${sourceId} in the latest scan`);
    return { report, source };
  };
  return {
    available: () => [...inner.available(), NOTIFY_ACTION],
    async plan(action, target) {
      if (action !== NOTIFY_ACTION) return inner.plan(action, target);
      const { report, source } = find(target);
      const contacts = contactsFromReport(source);
      const locale = pickLocale(contacts.customer?.locale ?? config.defaultLocale);
      const notice = renderNotice(buildNoticeModel({ source, host: report.host, locale, hosterName: config.hosterName, actions: [] }));
      const policy = policyFor(config, report.host, contacts.reseller?.login ?? source.subscription?.reseller ?? null);
      const d = decide(source, policy);
      const to = contacts.customer?.email ?? '(no address known)';
      const plan: ActionPlan = {
        action,
        target,
        summary: `queue a notice to ${to} (${locale}): "${notice.subject}"`,
        steps: [{ kind: 'panel', call: `outbox: notice to ${to}, subject "${notice.subject}"`, why: d.decision === 'auto' ? 'sent by the next "spamtrace notify send"' : `waits for approval: ${d.reason}` }],
        undoSteps: [{ kind: 'panel', call: 'spamtrace notify reject ID', why: 'stops it while it is queued or awaiting approval; a sent notice cannot be called back' }],
        before: null,
        data: { text: notice.text },
        reversible: false,
        noop: d.decision === 'never',
        warnings: d.decision === 'never' ? [d.reason] : [],
      };
      return plan;
    },
    async apply(action, target, actor): Promise<ApplyResult> {
      if (action !== NOTIFY_ACTION) return inner.apply(action, target, actor);
      const { report, source } = find(target);
      const plan = await this.plan(action, target);
      const [outcome] = enqueueReport(store, { ...report, sources: [source] }, { config, actor });
      const notices = outcome?.notices ?? [];
      return {
        id: notices.length ? notices.map((n) => `notice:${n.id}`).join(', ') : null,
        plan,
        verified: notices.length > 0 && notices.every((n) => n.state !== 'failed-permanent'),
        observations: notices.length ? notices.map((n) => `notice ${n.id} to ${n.recipient}: ${n.state}${n.inserted ? '' : ' (already in the outbox)'}${n.note ? ` - ${n.note}` : ''}`) : [outcome?.reason ?? 'no notice'],
      };
    },
    undo: (handle, actor) => inner.undo(handle, actor),
  };
}
