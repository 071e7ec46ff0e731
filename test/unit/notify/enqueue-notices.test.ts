import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../../src/store/open-store';
import { listNotices } from '../../../src/store/notices';
import { auditFor } from '../../../src/store/audit';
import { enqueueReport } from '../../../src/notify/enqueue-notices';
import { contactsFromInventory } from '../../../src/notify/contacts';
import { DEFAULT_NOTIFY_CONFIG, type NotifyConfig } from '../../../src/notify/notify-config';
import { approveNotice, rejectNotice } from '../../../src/notify/review-notices';
import type { Subscription } from '../../../src/domain/subscription';
import { ENGLISH_EMAIL, GERMAN_EMAIL, localSpamSource, normalSource, sampleReport, saslSpamSource, withLocale } from './report-fixture';

const config: NotifyConfig = { ...DEFAULT_NOTIFY_CONFIG, from: 'Hoster Support <abuse@hoster.example>', hosterName: 'Hoster GmbH' };

function setup(t: { after(fn: () => void): void }, start = Date.parse('2026-11-28T09:10:00Z')) {
  const dir = mkdtempSync(join(tmpdir(), 'spamtrace-enqueue-'));
  let now = start;
  const store = openStore(join(dir, 'st.db'), { now: () => now });
  t.after(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { store, advance: (ms: number) => (now += ms) };
}

test('a report queues one notice per spam customer, none for the normal source, and says why', (t) => {
  const { store } = setup(t);
  const out = enqueueReport(store, sampleReport([withLocale(localSpamSource(), 'de-DE'), saslSpamSource(), normalSource()]), { config, actor: 'cron' });
  assert.deepEqual(out.map((o) => [o.sourceId, o.decision]), [['uid:4079', 'auto'], ['sasl:info@example-store.com', 'auto'], ['uid:5001', 'never']]);
  assert.match(out[2]!.reason, /normal/);
  const rows = listNotices(store);
  assert.equal(rows.length, 2);
  const german = rows.find((r) => r.recipient === GERMAN_EMAIL)!;
  assert.equal(german.locale, 'de');
  assert.equal(german.state, 'queued');
  assert.match(german.message_id, /^<spamtrace\.[0-9a-f]{24}\.[0-9a-f]{10}@hoster\.example>$/);
  assert.equal(rows.find((r) => r.recipient === ENGLISH_EMAIL)!.locale, 'en');
  assert.equal(auditFor(store, `notice:${german.id}`)[0]!.actor, 'cron');
});

test('the same report enqueued again, by a later scan in the same window, adds nothing', (t) => {
  const { store, advance } = setup(t);
  const report = sampleReport();
  enqueueReport(store, report, { config, actor: 'cron' });
  advance(5 * 60_000);
  const again = enqueueReport(store, sampleReport(undefined, '2026-11-28T09:15:00.000Z'), { config, actor: 'cron' });
  assert.ok(again.flatMap((o) => o.notices).every((n) => !n.inserted));
  assert.equal(listNotices(store).length, 2);
});

test('the next day the same source is a new finding with a new notice', (t) => {
  const { store, advance } = setup(t);
  enqueueReport(store, sampleReport([localSpamSource()]), { config, actor: 'cron' });
  advance(24 * 3600_000);
  enqueueReport(store, sampleReport([localSpamSource()], '2026-11-29T09:05:00.000Z'), { config, actor: 'cron' });
  assert.equal(listNotices(store).length, 2);
});

test('past the rate limit a customer\'s further notices wait for approval instead of going out', (t) => {
  const { store } = setup(t);
  const strict = { ...config, policy: { ...config.policy, rateLimit: { perCustomer: 1, windowHours: 24 } } };
  const src = (id: string) => localSpamSource({ id });
  const out = enqueueReport(store, sampleReport([src('uid:4079'), src('client:127.0.0.1')]), { config: strict, actor: 'cron' });
  assert.equal(out[0]!.notices[0]!.state, 'queued');
  assert.equal(out[1]!.notices[0]!.state, 'awaiting-approval');
  assert.match(out[1]!.notices[0]!.note!, /rate limit: 1 notices/);
});

test('spam below the automatic score waits; an admin approves or rejects it, and the audit says who', (t) => {
  const { store } = setup(t);
  const out = enqueueReport(store, sampleReport([localSpamSource({ score: 6 }), saslSpamSource({ verdict: 'suspicious', score: 4 })]), { config, actor: 'cron' });
  const [a, b] = out.map((o) => o.notices[0]!);
  assert.equal(a!.state, 'awaiting-approval');
  assert.equal(b!.state, 'awaiting-approval');
  assert.equal(approveNotice(store, a!.id, 'admin').ok, true);
  assert.equal(rejectNotice(store, b!.id, 'admin').ok, true);
  assert.deepEqual(listNotices(store).map((r) => r.state).sort(), ['queued', 'rejected']);
  const again = approveNotice(store, b!.id, 'admin');
  assert.equal(again.ok, false, 'a rejected notice is not approved by accident');
  assert.equal(!again.ok && again.reason, `notice ${b!.id} is rejected; approve needs awaiting-approval`);
  const missing = approveNotice(store, 999_999, 'admin');
  assert.equal(!missing.ok && missing.reason, 'no notice 999999');
  const trail = auditFor(store, `notice:${a!.id}`);
  assert.deepEqual(trail.map((r) => [r.actor, r.action]), [['cron', 'notice.enqueue'], ['admin', 'notice.approve']]);
});

test('a customer without an address or with a broken one gets a visible failed-permanent row, not silence', (t) => {
  const { store } = setup(t);
  const noMail = localSpamSource({ subscription: { ...localSpamSource().subscription!, customerEmail: null } });
  const broken = saslSpamSource({ subscription: { ...saslSpamSource().subscription!, customerEmail: 'store(at)example-store.com\r\nBcc: x@y.example' } });
  const out = enqueueReport(store, sampleReport([noMail, broken]), { config, actor: 'cron' });
  assert.equal(out[0]!.notices[0]!.state, 'failed-permanent');
  assert.match(out[0]!.notices[0]!.note!, /no email address is known for customer beispiel/);
  assert.equal(out[1]!.notices[0]!.state, 'failed-permanent');
  assert.match(out[1]!.notices[0]!.note!, /not a valid email address/);
  assert.ok(!out[1]!.notices[0]!.recipient.includes('\n'));
});

test('a source no subscription owns gets no notice, with the reason', (t) => {
  const { store } = setup(t);
  const out = enqueueReport(store, sampleReport([localSpamSource({ subscription: null })]), { config, actor: 'cron' });
  assert.equal(out[0]!.decision, 'never');
  assert.match(out[0]!.reason, /no panel subscription/);
  assert.equal(listNotices(store).length, 0);
});

test('with the inventory, the locale and the reseller copy come from the panel', (t) => {
  const { store } = setup(t);
  const sub: Subscription = {
    id: '17',
    panel: 'plesk',
    domains: ['beispiel-shop.de'],
    sysUser: 'web274',
    uid: 4079,
    homeDir: null,
    docRoots: [],
    logDirs: [],
    mailboxes: [],
    customer: { login: 'beispiel', email: GERMAN_EMAIL, locale: 'de-DE' },
    reseller: { login: 'agentur', email: 'technik@agentur.example' },
  };
  const withCopy = { ...config, resellers: { agentur: { copyReseller: true } } };
  const out = enqueueReport(store, sampleReport([localSpamSource()]), { config: withCopy, contacts: contactsFromInventory([sub]), actor: 'cron' });
  assert.deepEqual(out[0]!.notices.map((n) => [n.role, n.recipient, n.state]), [
    ['customer', GERMAN_EMAIL, 'queued'],
    ['reseller', 'technik@agentur.example', 'queued'],
  ]);
  assert.ok(listNotices(store).every((r) => r.locale === 'de'));
});
