/**
 * Customer notices in the test store, made by the real enqueue from the fixture report:
 * a policy that sends nothing on its own, so every notice waits for approval. The fixture
 * report gives two: web274 (customer k274, reseller r1, German) and kunde (customer
 * kkunde, reseller r2); shop is normal and gets none.
 */
import type { Report } from '../../../src/domain/report';
import { DEFAULT_NOTIFY_CONFIG, type NotifyConfig } from '../../../src/notify/notify-config';
import { enqueueReport } from '../../../src/notify/enqueue-notices';
import { deliverDue } from '../../../src/notify/deliver-notices';
import type { NoticeTransport } from '../../../src/notify/transport';
import type { Store } from '../../../src/store';
import { report } from './harness';

export const APPROVAL_CONFIG: NotifyConfig = {
  ...DEFAULT_NOTIFY_CONFIG,
  from: 'Hoster Support <abuse@hoster.example>',
  policy: { ...DEFAULT_NOTIFY_CONFIG.policy, autoMinScore: 1000, approvalFor: ['spam', 'suspicious'] },
};

export interface SeededNotices {
  /** the notice to owner@web274-example.de (reseller r1) */
  web274: number;
  /** the notice to chef@kunde-beispiel.de (reseller r2) */
  kunde: number;
}

export async function seedNotices(store: Store, r?: Report): Promise<SeededNotices> {
  const outcomes = enqueueReport(store, r ?? (await report()), { config: APPROVAL_CONFIG, actor: 'test:scan' });
  const id = (recipient: string): number => {
    const n = outcomes.flatMap((o) => o.notices).find((x) => x.recipient === recipient);
    if (!n) throw new Error(`no notice to ${recipient}: ${JSON.stringify(outcomes)}`);
    return n.id;
  };
  return { web274: id('owner@web274-example.de'), kunde: id('chef@kunde-beispiel.de') };
}

/** A mail server that refuses every recipient with a 5xx, as a real one would answer. */
export const REFUSING_TRANSPORT: NoticeTransport = {
  description: 'test: refuses everything',
  async send(_envelope, _raw, handOver) {
    if (!handOver()) return { result: 'lease-lost' };
    return { result: 'failed', permanent: true, error: '550 5.1.1 <owner@web274-example.de>: Recipient address rejected: <script>x</script>', response: '550 5.1.1 user unknown' };
  },
};

/** Runs the real delivery loop against the refusing server: queued notices end failed-permanent. */
export async function deliverRefused(store: Store): Promise<void> {
  await deliverDue(store, { config: APPROVAL_CONFIG, transport: REFUSING_TRANSPORT, owner: 'test-sender' });
}
