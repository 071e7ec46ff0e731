import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoginDigest, SubmissionLog, SubmissionSample } from '../../../src/scan/submission-log';
import { assessSaslLogin } from '../../../src/trace/correlate';
import type { TraceMessage } from '../../../src/trace/trace-message';

const T0 = Date.UTC(2026, 10, 27, 6, 0, 0);
const at = (s: number): Date => new Date(T0 + s * 1000);

test('a sample keeps every submission, in recording order, while under its cap', () => {
  const s = new SubmissionSample(5);
  for (const i of [3, 1, 2]) s.add(T0 + i * 1000, `ID${i}`, null);
  assert.deepEqual(s.list().map((x) => x.queueId), ['ID3', 'ID1', 'ID2']);
  assert.equal(s.seen, 3);
});

test('past its cap a sample keeps exactly cap submissions, spread over the whole run, in time order', () => {
  const s = new SubmissionSample(100);
  for (let i = 0; i < 10_000; i++) s.add(T0 + i * 1000, `ID${i}`, null);
  const kept = s.list();
  assert.equal(kept.length, 100);
  assert.equal(s.seen, 10_000);
  const times = kept.map((x) => x.time.getTime());
  assert.deepEqual(times, [...times].sort((a, b) => a - b));
  // uniform, not "the first 100": most kept ones come from after the first 100
  const late = kept.filter((x) => Number(x.queueId.slice(2)) >= 5000).length;
  assert.ok(late > 25 && late < 75, `kept from the second half: ${late}`);
  // the same input gives the same sample
  const again = new SubmissionSample(100);
  for (let i = 0; i < 10_000; i++) again.add(T0 + i * 1000, `ID${i}`, null);
  assert.deepEqual(again.list().map((x) => x.queueId), kept.map((x) => x.queueId));
});

test('a login digest stands for all logins: the same assessment as the full list', () => {
  const logins: Array<{ time: Date; clientAddress: string }> = [];
  for (let i = 0; i < 300; i++) logins.push({ time: at(1000 - i), clientAddress: `5.18.${i % 7}.${i % 3}` });
  logins.push({ time: at(5000), clientAddress: '93.120.196.12' });
  const d = new LoginDigest();
  for (const l of logins) d.add(l.time, l.clientAddress);
  const reps = d.representatives();
  assert.ok(reps.length <= 2 + 8, `${reps.length} representatives`);
  const base = { username: 'x@example.de', clients: [{ address: '93.120.196.12', count: 1 }], heloNames: [], recipientsPerMessage: 3, failures: [] };
  const full = assessSaslLogin({ ...base, logins });
  const digest = assessSaslLogin({ ...base, logins: reps });
  assert.deepEqual(digest, full);
  assert.equal(d.countFrom('5.18.0.0'), logins.filter((l) => l.clientAddress === '5.18.0.0').length);
});

test('a login digest counts logins per address up to its address cap, later addresses count 0', () => {
  const d = new LoginDigest(2, 10);
  d.add(at(1), '198.51.100.1');
  d.add(at(2), '198.51.100.2');
  d.add(at(3), '198.51.100.3');
  d.add(at(4), '198.51.100.1');
  assert.equal(d.countFrom('198.51.100.1'), 2);
  assert.equal(d.countFrom('198.51.100.2'), 1);
  assert.equal(d.countFrom('198.51.100.3'), 0);
});

function msg(queueId: string, time: Date, origin: TraceMessage['origin']): TraceMessage {
  return { queueId, arrivalTime: time, origin } as unknown as TraceMessage;
}

test('a reused queue ID with another arrival time is another message: both recorded', () => {
  // the same message from queue and log is the mail-log stage's to skip (maillog-stage.test.ts)
  const log = new SubmissionLog();
  const local = { kind: 'local', uid: 1000, phpScript: null } as unknown as TraceMessage['origin'];
  log.record('uid:1000', msg('ABC123', at(1), local));
  log.record('uid:1000', msg('ABC123', at(99), local));
  assert.deepEqual(log.of('uid:1000').map((s) => s.time.getTime()), [at(1).getTime(), at(99).getTime()]);
});
