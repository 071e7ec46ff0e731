/**
 * The generated hosting-server log (test/fixtures/maillog/hosting-log.ts) through the
 * scan's own stages: every benign source normal, every spam source spam, every count
 * equal to the hand count kept while the log was written. Regression for issue 13: 9 of
 * 13 benign sources of such a log were "suspicious".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectMailLog, NO_POSTFIX_LOG_SETTINGS } from '../../../src/collect/maillog';
import { SkipTally } from '../../../src/collect/skip-tally';
import { MapUserDirectory } from '../../../src/collect/users/passwd';
import { LocalHost } from '../../../src/host/local-host';
import { assessLogins } from '../../../src/scan/assess-logins';
import { readMailLogInto } from '../../../src/scan/maillog-stage';
import { SubmissionLog } from '../../../src/scan/submission-log';
import { applyEvidence } from '../../../src/trace/evidence-verdict';
import { SourceTracer } from '../../../src/trace/source-tracer';
import { makeHostingLog } from '../../fixtures/maillog/hosting-log';
import { tempLogDir, writeLog } from '../collect/maillog/maillog-files';

const { lines, truth } = makeHostingLog();
const host = new LocalHost('test');

async function withLog<T>(fn: (path: string) => Promise<T>): Promise<T> {
  const t = tempLogDir();
  try {
    return await fn(writeLog(t.dir, 'mail.log', lines, new Date(2026, 2, 12)));
  } finally {
    t.cleanup();
  }
}

async function scan() {
  return withLog(async (path) => {
    const tracer = new SourceTracer();
    const submissions = new SubmissionLog();
    const skipped = new SkipTally();
    const r = await readMailLogInto(
      host,
      { paths: [path], defaultPaths: null, since: new Date(2026, 2, 1), until: null, now: new Date(2026, 2, 12), postfix: NO_POSTFIX_LOG_SETTINGS },
      { tracer, submissions, queued: new Map() },
      skipped,
      { update: () => undefined, end: () => undefined },
    );
    const sources = tracer.finish(new MapUserDirectory([]));
    assessLogins(sources, r.failures, submissions);
    for (const s of sources) applyEvidence(s);
    return { ...r, skipped, sources: new Map(sources.map((s) => [s.id, s])) };
  });
}

test('the generated log: totals equal the hand count (received, delivered, forwarded, deferred, bounced)', async () => {
  await withLog(async (path) => {
    const r = await collectMailLog(host, { paths: [path], now: new Date(2026, 2, 12) }, new SkipTally());
    const deliveries = r.messages.flatMap((m) => m.deliveries);
    const received = r.messages.filter((m) => !m.resentFrom && (m.pickupUid !== null || m.clientAddress !== null)).length;
    assert.equal(received, truth.received);
    assert.equal(deliveries.filter((d) => d.status === 'sent' && !d.reason?.startsWith('forwarded as ')).length, truth.delivered);
    assert.equal(deliveries.filter((d) => d.status === 'sent' && d.reason?.startsWith('forwarded as ')).length, truth.forwarded);
    assert.equal(r.messages.filter((m) => m.deliveries.some((d) => d.status === 'deferred')).length, truth.deferred);
    assert.equal(deliveries.filter((d) => d.status === 'bounced').length, truth.bounced);
    assert.equal(r.saslFailures.length, truth.saslFailures);
  });
});

test('the generated log: every benign source normal, every spam source spam, messages per source as counted by hand', async () => {
  const r = await scan();
  for (const id of truth.benign) assert.equal(r.sources.get(id)?.verdict, 'normal', `${id}: ${r.sources.get(id)?.reasons.join('; ')}`);
  for (const id of truth.spam) assert.equal(r.sources.get(id)?.verdict, 'spam', `${id}: ${r.sources.get(id)?.reasons.join('; ')}`);
  assert.deepEqual(Object.fromEntries([...r.sources.values()].map((s) => [s.id, s.messages])), truth.messages);
  assert.equal(r.sources.get('sasl:kontakt@kunde-beispiel.de')!.login?.conclusion, 'stolen');
});

test('the generated log: provider mail for hosted mailboxes is inbound, counted and not judged; the rest is outgoing', async () => {
  const r = await scan();
  for (const [id, n] of Object.entries(truth.inbound)) {
    const s = r.sources.get(id)!;
    assert.equal(s.inboundMessages, n, id);
    assert.equal(s.outgoingMessages, 0, id);
    assert.deepEqual(s.rules, [], id);
    assert.match(s.reasons.join(' '), /came from outside for mailboxes hosted here/);
  }
  assert.equal(r.sources.get('uid:4079')!.outgoingMessages, truth.messages['uid:4079']);
  // the contact form writes to the site's own mailbox: submitted here, not outgoing
  assert.equal(r.sources.get('uid:10003')!.outgoingMessages, 0);
  assert.equal(r.sources.get('uid:0')!.forwardedRecipients, truth.messages['uid:0']);
});

test('the generated log: per-hour counts add up to each source\'s judged messages', async () => {
  const r = await scan();
  for (const s of r.sources.values()) {
    const sum = (s.perHour ?? []).reduce((a, h) => a + h.count, 0);
    assert.equal(sum, s.messages - (s.inboundMessages ?? 0), s.id);
  }
});
