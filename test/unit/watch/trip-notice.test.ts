import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../../../src/store/open-store';
import { listNotices } from '../../../src/store/notices';
import { DEFAULT_NOTIFY_CONFIG, type NotifyConfig } from '../../../src/notify/notify-config';
import type { NoticeTransport } from '../../../src/notify/transport';
import type { Subscription } from '../../../src/domain/subscription';
import type { ReportSource } from '../../../src/domain/report';
import { hosterActions, TripNotifier } from '../../../src/watch/trip-notice';
import type { Trip } from '../../../src/watch/trip-store';
import { localSpamSource } from '../notify/report-fixture';

const config: NotifyConfig = { ...DEFAULT_NOTIFY_CONFIG, from: 'Hoster Support <abuse@hoster.example>', hosterName: 'Hoster GmbH' };

const web274: Subscription = {
  id: 'web274',
  panel: 'confixx',
  domains: ['web274-example.de'],
  sysUser: 'web274',
  uid: 4079,
  homeDir: '/var/www/web274',
  docRoots: [],
  logDirs: [],
  mailboxes: [],
  customer: { login: 'web274', email: 'inhaber@web274-example.de', locale: 'de_DE' },
  reseller: { login: 'agentur', email: 'ops@agentur.example' },
};

/** the dropper as the watcher judged it: a uid, no subscription yet */
function dropper(over: Partial<ReportSource> = {}): ReportSource {
  return { ...localSpamSource(), subscription: null, scripts: [], ...over };
}

function trip(over: Partial<Trip> = {}): Trip {
  return {
    type: 'trip',
    id: 'trip-20261202T080000Z-abcdef',
    at: '2026-12-02T08:00:00.000Z',
    source: 'uid:4079',
    kind: 'local',
    cause: 'spam',
    mode: 'live',
    state: 'tripped',
    verdict: 'spam',
    score: 11,
    reasons: [],
    messages: 12,
    recipients: 12,
    firstSeen: '2026-12-02T07:59:52.000Z',
    secondsFromFirstMessage: 8,
    rate: { messages: 12, recipients: 12 },
    sampleQueueIds: [],
    actions: [
      { action: 'queue-hold', target: 'uid:4079', id: 'a1', ok: true, notes: ['9 of 9 queued messages of uid:4079 put on hold'] },
      { action: 'block-submit', target: 'uid:4079', id: 'a2', ok: true, notes: ['user web274 (uid 4079) may no longer submit mail with sendmail'] },
    ],
    ...over,
  };
}

function setup(t: { after(fn: () => void): void }, cfg: NotifyConfig | null = config) {
  const dir = mkdtempSync(join(tmpdir(), 'spamtrace-trip-notice-'));
  let store: Store | null = null;
  const sent: { to: string; raw: string }[] = [];
  const transport: NoticeTransport = {
    description: 'test',
    async send(env, raw, handOver) {
      if (!handOver()) return { result: 'lease-lost' };
      sent.push({ to: env.to, raw: raw.toString('utf8') });
      return { result: 'sent', response: '250 ok' };
    },
  };
  const logs: string[] = [];
  const notifier = new TripNotifier({
    config: cfg,
    openStore: () => (store ??= openStore(join(dir, 'st.db'))),
    subscriptions: async () => [web274],
    transport: () => transport,
    host: 'web01.hoster.example',
    log: (l) => logs.push(l),
  });
  t.after(() => {
    store?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { notifier, sent, logs, store: () => store };
}

test('a live trip queues the customer notice in German through the outbox and sends it', async (t) => {
  const { notifier, sent, store } = setup(t);
  const n = await notifier.notice(trip(), dropper());
  assert.equal(n.decision, 'auto');
  assert.equal(n.subscription, 'web274');
  assert.deepEqual(n.notices.map((x) => [x.recipient, x.role, x.locale, x.state]), [['inhaber@web274-example.de', 'customer', 'de', 'queued']]);
  await notifier.idle();
  const rows = listNotices(store()!);
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.state, 'sent');
  assert.equal(sent.length, 1);
  assert.equal(sent[0]!.to, 'inhaber@web274-example.de');
  // German text, with what the watcher did (9 messages held, sendmail blocked)
  assert.match(sent[0]!.raw, /Content-Language: de/);
  assert.match(rows[0]!.subject, /Spam-Versand .*web274-example\.de/);
  assert.match(rows[0]!.text_body, /9 /, 'the held messages are counted in the notice');
});

test('the same trip again (a restart) queues nothing twice', async (t) => {
  const { notifier, store } = setup(t);
  await notifier.notice(trip(), dropper());
  const again = await notifier.notice(trip({ id: 'trip-20261202T080500Z-123456', at: '2026-12-02T08:05:00.000Z' }), dropper());
  assert.equal(again.notices[0]!.note, 'already in the outbox');
  await notifier.idle();
  assert.equal(listNotices(store()!).length, 1);
});

test('dry-run only says what would be queued; the outbox is not even opened', async (t) => {
  const { notifier, sent, store } = setup(t);
  const n = await notifier.notice(trip({ mode: 'dry-run', state: 'dry-run' }), dropper());
  assert.equal(n.decision, 'auto');
  assert.match(n.reason, /^dry-run, nothing queued/);
  assert.deepEqual(n.notices.map((x) => [x.id, x.state, x.locale]), [[null, 'would-queue', 'de']]);
  await notifier.idle();
  assert.equal(store(), null);
  assert.equal(sent.length, 0);
});

test('the policy decides: below the automatic score the notice waits for approval', async (t) => {
  const { notifier, sent, store } = setup(t);
  const n = await notifier.notice(trip({ cause: 'rate', verdict: 'suspicious', score: 4 }), dropper({ verdict: 'suspicious', score: 4 }));
  assert.equal(n.decision, 'approval');
  assert.equal(n.notices[0]!.state, 'awaiting-approval');
  await notifier.idle();
  assert.equal(sent.length, 0);
  assert.equal(listNotices(store()!)[0]!.state, 'awaiting-approval');
});

test('no subscription, no notify settings, a capped trip: no notice, and why', async (t) => {
  const { notifier } = setup(t);
  assert.match((await notifier.notice(trip(), dropper({ id: 'uid:5555', uid: 5555 }))).reason, /no panel subscription/);
  assert.match((await notifier.notice(trip({ state: 'capped' }), dropper())).reason, /cap/);
  const off = setup(t, null).notifier;
  assert.match((await off.notice(trip(), dropper())).reason, /no notify settings/);
});

test('a transport failure leaves the notice in the outbox for the next run', async (t) => {
  const { notifier, store } = setup(t);
  (notifier as unknown as { d: { transport: () => NoticeTransport } }).d.transport = () => ({
    description: 'down',
    send: async () => ({ result: 'failed', permanent: false, error: 'connection refused', response: null }),
  });
  await notifier.notice(trip(), dropper());
  await notifier.idle();
  assert.equal(listNotices(store()!)[0]!.state, 'failed-temporary');
});

test('hosterActions: what the trip did, as the notice says it', () => {
  assert.deepEqual(hosterActions(trip().actions), [
    { kind: 'held-mail', count: 9 },
    { kind: 'blocked-submission', target: 'uid:4079' },
  ]);
  assert.deepEqual(hosterActions([{ action: 'queue-hold', target: 'x', id: null, ok: true, notes: [] }]), [], 'dry-run actions did nothing');
});
