import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PostqueueJsonParser, parsePostqueueJson, parsePostqueueJsonLine } from '../../../src/collect/queue/postqueue-json';
import { SkipTally } from '../../../src/collect/skip-tally';
import { collect, linesOf, readFixture } from './fake-host';

test('postqueue -j output streams into listing entries, the twice-listed message once', async () => {
  const skipped = new SkipTally();
  const parser = new PostqueueJsonParser(skipped);
  const entries = await collect(parsePostqueueJson(linesOf(readFixture('postqueue-j.jsonl')), skipped, parser));
  assert.equal(entries.length, 10);
  assert.deepEqual(parser.stats, { lines: 11, entries: 10, invalid: 0, duplicates: 1 });
  assert.deepEqual(skipped.list(), [{ what: 'postqueue -j line', reason: 'listed twice while the queue changed (first listing kept)', count: 1 }]);
  const moved = entries.find((e) => e.queueId === '3F1A22C0B1E')!;
  assert.equal(moved.queueName, 'active'); // the first listing wins
});

test('a -j entry keeps queue, arrival time, size, sender and each recipient\'s delay reason', async () => {
  const entries = await collect(parsePostqueueJson(linesOf(readFixture('postqueue-j.jsonl')), new SkipTally()));
  const e = entries.find((x) => x.queueId === 'AB2C4561DA6')!;
  assert.equal(e.queueName, 'deferred');
  assert.equal(e.arrivalTime!.toISOString(), '2014-02-21T08:02:09.000Z');
  assert.equal(e.messageSize, 744);
  assert.equal(e.sender, 'mollie_lester@tauernresidence.at');
  assert.equal(e.recipients.length, 1);
  assert.equal(e.recipients[0]!.address, 'mbarney555@aol.com');
  assert.match(e.recipients[0]!.delayReason!, /421 4\.7\.1 : \(DYN:T1\)/);
  assert.equal(e.forcedExpire, undefined);
});

test('MAILER-DAEMON is the null sender, forced_expire and the maildrop queue are kept', async () => {
  const entries = await collect(parsePostqueueJson(linesOf(readFixture('postqueue-j.jsonl')), new SkipTally()));
  assert.equal(entries.find((x) => x.queueId === '7D21E2C0B40')!.sender, '');
  const held = entries.find((x) => x.queueId === '6A0B3C0B3F1')!;
  assert.equal(held.queueName, 'hold');
  assert.equal(held.forcedExpire, true);
  assert.equal(entries.find((x) => x.queueId === '9C3D5C0C1F0')!.queueName, 'maildrop');
  const active = entries.find((x) => x.queueId === '5942C8948326')!;
  assert.deepEqual(active.recipients.map((r) => r.delayReason), [undefined, undefined, undefined, undefined]);
});

test('long queue IDs in -j output are accepted', async () => {
  const entries = await collect(parsePostqueueJson(linesOf(readFixture('long-ids-postqueue-j.jsonl')), new SkipTally()));
  assert.deepEqual(entries.map((e) => e.queueId), ['4Tpmf90sf8zPjgM', '4TpmgJ4dz5zPjgN']);
});

test('members Postfix adds later (3.11 orig_address, bounce_reason) are ignored', () => {
  const r = parsePostqueueJsonLine(
    '{"queue_name": "deferred", "queue_id": "AB2C4561DA6", "arrival_time": 1392969729, "message_size": 744, "forced_expire": false, "sender": "a@b", "recipients": [{"address": "c@d", "orig_address": "C@D", "delay_reason": "x", "bounce_reason": "y"}], "future_member": {"n": [1]}}',
  );
  assert.ok('entry' in r);
  assert.deepEqual(r.entry.recipients, [{ address: 'c@d', delayReason: 'x' }]);
});

test('the older "force_expired" member name is read too', () => {
  const r = parsePostqueueJsonLine('{"queue_name": "hold", "queue_id": "AB2C4561DA6", "arrival_time": 1, "message_size": 1, "force_expired": true, "sender": "", "recipients": []}');
  assert.ok('entry' in r);
  assert.equal(r.entry.forcedExpire, true);
});

test('bad lines and bad queue IDs are counted with a reason, never thrown', () => {
  const skipped = new SkipTally();
  const p = new PostqueueJsonParser(skipped);
  const lines = [
    'postqueue: warning: something',
    '[1, 2]',
    '{"queue_name": "deferred", "queue_id": "../../etc/passwd", "arrival_time": 1, "message_size": 1, "sender": "a", "recipients": []}',
    '{"queue_name": "deferred", "queue_id": "-h", "arrival_time": 1, "message_size": 1, "sender": "a", "recipients": []}',
    '{"queue_name": "deferred", "queue_id": "AB2C4561DA6", "arrival_time": 1, "message_size": -5, "sender": "a", "recipients": []}',
    '{"queue_name": "deferred", "queue_id": "AB2C4561DA6", "arrival_time": 1, "message_size": 5, "recipients": []}',
    '{"queue_name": "deferred", "queue_id": "AB2C4561DA6", "arrival_time": 1, "message_size": 5, "sender": "a", "recipients": "x"}',
    '',
  ];
  for (const l of lines) assert.equal(p.push(l), null);
  assert.equal(p.stats.invalid, 7);
  const reasons = Object.fromEntries(skipped.list().map((s) => [s.reason, s.count]));
  assert.deepEqual(reasons, {
    'not JSON': 1,
    'not a JSON object': 1,
    'missing or invalid queue_id': 2,
    'invalid message_size': 1,
    'missing sender': 1,
    'recipients is not an array': 1,
  });
});

test('an unknown queue name is kept as unknown, control characters in strings are removed', () => {
  const r = parsePostqueueJsonLine('{"queue_name": "weird", "queue_id": "AB2C4561DA6", "arrival_time": 1, "message_size": 1, "sender": "a\\u001b[31m@b", "recipients": [{"address": "x\\u0000@y", "delay_reason": "r\\u009b"}]}');
  assert.ok('entry' in r);
  assert.equal(r.entry.queueName, 'unknown');
  assert.equal(r.entry.sender, 'a[31m@b');
  assert.deepEqual(r.entry.recipients, [{ address: 'x@y', delayReason: 'r' }]);
});

test('a line cut at the line limit still lists its message, without recipients', () => {
  const skipped = new SkipTally();
  const p = new PostqueueJsonParser(skipped);
  const head = '{"queue_name": "deferred", "queue_id": "AB2C4561DA6", "arrival_time": 1392969729, "message_size": 744, "forced_expire": false, "sender": "x\\"y@z", "recipients": [{"address": "a1@b", "delay_reason": "sl';
  const e = p.push({ text: head, cut: true });
  assert.ok(e);
  assert.equal(e.queueId, 'AB2C4561DA6');
  assert.equal(e.sender, 'x"y@z');
  assert.deepEqual(e.recipients, []);
  assert.equal(skipped.total(), 1);
  assert.equal(p.push({ text: '{"queue_name": "deferred", "queue_id": "AB', cut: true }), null);
  assert.equal(p.stats.invalid, 1);
});
