import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { collectMailLog } from '../../../src/collect/maillog/maillog-collector';
import { SkipTally } from '../../../src/collect/skip-tally';
import { MapUserDirectory } from '../../../src/collect/users/passwd';
import type { MailLogDelivery, MailLogMessage } from '../../../src/domain/maillog';
import { LocalHost } from '../../../src/host/local-host';
import { packageRoot } from '../../../src/package-root';
import { traceMessageOfLog } from '../../../src/trace/maillog-message';
import { SourceTracer } from '../../../src/trace/source-tracer';

const T0 = new Date(Date.UTC(2024, 1, 5, 9, 2, 9));

function logMessage(p: Partial<MailLogMessage>): MailLogMessage {
  return {
    queueId: 'AB2C4561DA6', firstSeen: T0, lastSeen: T0, pickupUid: null, clientName: null, clientAddress: null,
    saslMethod: null, saslUsername: null, helo: null, sender: 'x@web274-example.de', size: 700, nrcpt: 1,
    messageId: 'id@x', deliveries: [], removed: false, file: '/var/log/mail.log', line: 1, ...p,
  };
}

function delivery(recipient: string, status: string, reason: string | null): MailLogDelivery {
  return { time: T0, recipient, status, dsn: null, relay: null, reason };
}

test('a pickup uid without a client is a local process', () => {
  const t = traceMessageOfLog(logMessage({ pickupUid: 4079 }));
  assert.deepEqual(t.origin, { kind: 'local', uid: 4079 });
  assert.equal(t.examined, true);
  assert.equal(t.subject, null);
  assert.equal(t.fromAddress, null);
  assert.equal(t.arrivalTime, T0);
});

test('sasl_username makes it a login, with method, client and HELO', () => {
  const t = traceMessageOfLog(logMessage({ saslUsername: 'kontakt@xxx.de', saslMethod: 'LOGIN', clientAddress: '93.120.196.244', clientName: '93-120-196-244.dynamic.mts-nn.ru', helo: 'cisqyltfbn' }));
  assert.deepEqual(t.origin, { kind: 'sasl', username: 'kontakt@xxx.de', method: 'LOGIN', clientAddress: '93.120.196.244', clientName: '93-120-196-244.dynamic.mts-nn.ru', helo: 'cisqyltfbn' });
});

test('a script speaking SMTP to 127.0.0.1 or ::1 without a login is an SMTP client at that address', () => {
  assert.deepEqual(traceMessageOfLog(logMessage({ clientAddress: '127.0.0.1', clientName: 'localhost' })).origin, { kind: 'smtp-client', clientAddress: '127.0.0.1', clientName: 'localhost' });
  assert.deepEqual(traceMessageOfLog(logMessage({ clientAddress: '::1', clientName: 'unknown' })).origin, { kind: 'smtp-client', clientAddress: '::1', clientName: 'unknown' });
});

test("an alias/.forward copy is counted under the original submitter's uid, marked forwarded", () => {
  const t = traceMessageOfLog(logMessage({ pickupUid: 0, resentFrom: { queueId: '9765316825E', via: 'forward' }, messageId: null }));
  assert.deepEqual(t.origin, { kind: 'local', uid: 0, forwarded: true });
  assert.equal(t.examined, true);
});

test('the null sender without a client is a bounce this server made', () => {
  assert.deepEqual(traceMessageOfLog(logMessage({ sender: '' })).origin, { kind: 'unknown', why: 'a bounce or notice this server generated itself (null sender)' });
});

test('a message whose arrival is not in the log has no origin and is not examined', () => {
  const t = traceMessageOfLog(logMessage({ messageId: null, deliveries: [delivery('a@aol.com', 'deferred', 'x')] }));
  assert.equal(t.origin.kind, 'unknown');
  assert.equal(t.examined, false);
});

test('delay reasons: one per deferred recipient (its latest), none for recipients only ever sent', () => {
  const t = traceMessageOfLog(logMessage({
    pickupUid: 4079,
    deliveries: [
      delivery('a@aol.com', 'deferred', 'first try: 421 4.7.1 : (DYN:T1)'),
      delivery('b@gmx.de', 'sent', '250 ok'),
      delivery('c@yahoo.com', 'deferred', '421 4.7.0 [TSS04]'),
      delivery('a@aol.com', 'deferred', 'delivery temporarily suspended: 421 4.7.1 : (DYN:T1)'),
      delivery('c@yahoo.com', 'sent', '250 ok'),
    ],
  }));
  assert.deepEqual(t.recipients, ['a@aol.com', 'b@gmx.de', 'c@yahoo.com']);
  assert.deepEqual(t.delayReasons, ['delivery temporarily suspended: 421 4.7.1 : (DYN:T1)', '421 4.7.0 [TSS04]']);
  assert.equal(t.queueName, 'deferred');
  assert.equal(traceMessageOfLog(logMessage({ removed: true, deliveries: [delivery('b@gmx.de', 'sent', 'ok')] })).queueName, 'unknown');
});

test('the real lab mail log (mixed + local-smtp-script scenarios) traces to the same spam sources as the queue', async () => {
  const path = join(packageRoot(), 'test', 'fixtures', 'maillog', 'lab-mixed-full.mail.log.gz');
  const r = await collectMailLog(new LocalHost('test'), { paths: [path], now: new Date(2026, 10, 29) }, new SkipTally());
  const tracer = new SourceTracer();
  for (const m of r.messages) {
    const t = traceMessageOfLog(m);
    if (t.examined) tracer.add(t);
    else tracer.addUnexamined(t);
  }
  const sources = new Map(tracer.finish(new MapUserDirectory([])).map((s) => [s.id, s]));
  for (const id of ['uid:4079', 'sasl:kontakt@kunde-beispiel.de', 'client:192.0.2.77', 'client:127.0.0.1']) {
    assert.equal(sources.get(id)?.verdict, 'spam', id);
  }
  assert.equal(sources.get('uid:4079')!.messages, 40);
  assert.equal(sources.get('sasl:kontakt@kunde-beispiel.de')!.recipients, 120);
  // the legitimate senders are not accused
  for (const id of ['uid:10002', 'uid:10003', 'uid:0', 'unknown:bounces']) assert.notEqual(sources.get(id)?.verdict, 'spam', id);
  assert.equal(r.saslFailures.length, 5);
});
