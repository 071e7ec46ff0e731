import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PostqueueTextParser, isBareAddress, parsePostqueueText, placeArrivalTime } from '../../../src/collect/queue/postqueue-text';
import { SkipTally } from '../../../src/collect/skip-tally';
import { collect, linesOf, readFixture } from './fake-host';

/** The article was written on Feb 22, 2014 (the newest entry is from that morning). */
const NOW = new Date(2014, 1, 22, 12, 0, 0);

function parser(now = NOW, skipped = new SkipTally()): PostqueueTextParser {
  return new PostqueueTextParser({ skipped, now });
}

test('the seed mailq parses into its five entries with the year placed in 2014', async () => {
  const p = parser();
  const entries = await collect(parsePostqueueText(linesOf(readFixture('../../../examples/seed/mailq.txt')), p));
  assert.deepEqual(entries.map((e) => e.queueId), ['A19A01A7481', 'A324A1A7E26', 'A34A01A7A6B', 'AB2C4561DA6', 'A493D590B20']);
  const e = entries[3]!;
  assert.equal(e.queueName, 'deferred');
  assert.equal(e.messageSize, 744);
  assert.equal(e.sender, 'mollie_lester@tauernresidence.at');
  assert.deepEqual(e.arrivalTime, new Date(2014, 1, 21, 9, 2, 9));
  assert.deepEqual(entries[4]!.arrivalTime, new Date(2014, 1, 20, 19, 32, 19));
  assert.equal(p.summary.junkLines, 0);
});

test('each AOL DYN:T1 reason is attached to the recipient after it', async () => {
  const entries = await collect(parsePostqueueText(linesOf(readFixture('../../../examples/seed/mailq.txt')), parser()));
  const byRcpt = new Map(entries.flatMap((e) => e.recipients.map((r) => [r.address, r.delayReason ?? ''] as const)));
  assert.equal(byRcpt.size, 5);
  assert.match(byRcpt.get('gerio7769@aol.com')!, /^delivery temporarily suspended: host mailin-03\.mx\.aol\.com\[64\.12\.88\.163\] refused to talk to me: 421 4\.7\.1 : \(DYN:T1\)/);
  assert.match(byRcpt.get('mbarney555@aol.com')!, /mailin-02\.mx\.aol\.com.*\(DYN:T1\) http:\/\/postmaster\.info\.aol\.com\/errors\/421dynt1\.html$/);
});

test('the trailer keeps 12505 requests although the pasted listing shows five', async () => {
  const p = parser();
  const entries = await collect(parsePostqueueText(linesOf(readFixture('../../../examples/seed/mailq.txt')), p));
  assert.equal(entries.length, 5);
  assert.equal(p.summary.trailerRequests, 12505);
  assert.equal(p.summary.trailerKbytes, 32354);
  assert.equal(p.summary.entries, 5);
});

test('the seed\'s lines as the article shows them (spaces collapsed, nothing indented) parse too', async () => {
  const article = [
    '# mailq',
    '[..]',
    'A19A01A7481 715 Fri Feb 21 08:07:49 deirdre_kelly@tauernresidence.at',
    '(delivery temporarily suspended: host mailin-03.mx.aol.com[64.12.88.163] refused to talk to me: 421 4.7.1 : (DYN:T1) http://postmaster.info.aol.com/errors/421dynt1.html)',
    'gerio7769@aol.com',
    'AB2C4561DA6 744 Fri Feb 21 09:02:09 mollie_lester@tauernresidence.at',
    '(delivery temporarily suspended: host mailin-02.mx.aol.com[64.12.88.163] refused to talk to me: 421 4.7.1 : (DYN:T1) http://postmaster.info.aol.com/errors/421dynt1.html)',
    'mbarney555@aol.com',
    '-- 32354 Kbytes in 12505 Requests.',
  ].join('\n');
  const skipped = new SkipTally();
  const p = parser(NOW, skipped);
  const entries = await collect(parsePostqueueText(linesOf(article), p));
  assert.deepEqual(entries.map((e) => [e.queueId, e.recipients[0]!.address]), [
    ['A19A01A7481', 'gerio7769@aol.com'],
    ['AB2C4561DA6', 'mbarney555@aol.com'],
  ]);
  assert.match(entries[0]!.recipients[0]!.delayReason!, /mailin-03/);
  assert.equal(p.summary.junkLines, 2);
  assert.equal(skipped.total(), 2);
});

test('a reason applies until the next one, and "(reason unavailable)" ends it', async () => {
  const text = [
    '-Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------',
    'AB2C4561DA6     744 Fri Feb 21 09:02:09  a@b.example',
    '                                                    (host x said: 450 busy)',
    '                                         r1@x.example',
    '                                         r2@x.example',
    '                                                    (host y said: 421 later)',
    '                                         r3@y.example',
    '                                                        (reason unavailable)',
    '                                         r4@z.example',
    '',
    '-- 1 Kbytes in 1 Request.',
  ].join('\n');
  const p = parser();
  const [e] = await collect(parsePostqueueText(linesOf(text), p));
  assert.deepEqual(e!.recipients, [
    { address: 'r1@x.example', delayReason: 'host x said: 450 busy' },
    { address: 'r2@x.example', delayReason: 'host x said: 450 busy' },
    { address: 'r3@y.example', delayReason: 'host y said: 421 later' },
    { address: 'r4@z.example' },
  ]);
  assert.equal(p.summary.trailerRequests, 1);
});

test('the ID marks say active, hold and forced expiry; no mark is deferred', async () => {
  const text = [
    'A1B2C3D4E5F*    100 Fri Feb 21 09:02:09  a@b',
    '                                         c@d',
    '',
    'A1B2C3D4E60!    100 Fri Feb 21 09:02:09  MAILER-DAEMON',
    '                                         c@d',
    '',
    'A1B2C3D4E61!#   100 Fri Feb 21 09:02:09  a@b',
    '',
    'A1B2C3D4E62#    100 Fri Feb 21 09:02:09  a@b',
    '',
    'A1B2C3D4E63     100 Fri Feb 21 09:02:09  a@b',
  ].join('\n');
  const entries = await collect(parsePostqueueText(linesOf(text), parser()));
  assert.deepEqual(
    entries.map((e) => [e.queueName, e.forcedExpire ?? false]),
    [['active', false], ['hold', false], ['hold', true], ['deferred', true], ['deferred', false]],
  );
  assert.equal(entries[1]!.sender, '');
});

test('a year-less date in the future of the listing is last year\'s', () => {
  const now = new Date(2015, 0, 2, 10, 0, 0);
  assert.deepEqual(placeArrivalTime('Wed', 'Dec', 31, 23, 0, 0, now), new Date(2014, 11, 31, 23, 0, 0));
  assert.deepEqual(placeArrivalTime('Fri', 'Jan', 2, 9, 0, 0, now), new Date(2015, 0, 2, 9, 0, 0));
});

test('a weekday that fits no placed year leaves the time unknown and is counted', async () => {
  assert.equal(placeArrivalTime('Mon', 'Feb', 21, 9, 2, 9, NOW), null);
  assert.equal(placeArrivalTime('Fri', 'Feb', 30, 9, 2, 9, NOW), null);
  const skipped = new SkipTally();
  const p = parser(new Date(2026, 10, 28), skipped);
  const entries = await collect(parsePostqueueText(linesOf(readFixture('../../../examples/seed/mailq.txt')), p));
  assert.equal(entries.length, 5);
  assert.ok(entries.every((e) => e.arrivalTime === null)); // 2026: the weekdays do not fit
  assert.deepEqual(skipped.list(), [{ what: 'postqueue -p arrival time', reason: 'weekday does not fit any year near the reference time: time left unknown', count: 5 }]);
});

test('a UTC offset places the listing host\'s local time', () => {
  assert.equal(placeArrivalTime('Fri', 'Feb', 21, 9, 2, 9, NOW, 60)!.toISOString(), '2014-02-21T08:02:09.000Z');
});

test('"Mail queue is empty" gives no entries', async () => {
  const p = parser();
  assert.deepEqual(await collect(parsePostqueueText(linesOf('Mail queue is empty\n'), p)), []);
  assert.equal(p.summary.empty, true);
  assert.equal(p.summary.trailerRequests, null);
});

test('an unreadable maildrop file (Postfix < 3.1) keeps the submitting uid', async () => {
  const text = '-Queue ID- --Size-- ----Arrival Time---- -Sender/Recipient-------\n9C3D5C0C1F0     1208 Sat Feb 22 11:58:02  (maildrop queue, sender UID 4079)\n\n-- 1 Kbytes in 1 Request.\n';
  const [e] = await collect(parsePostqueueText(linesOf(text), parser()));
  assert.equal(e!.queueName, 'maildrop');
  assert.equal(e!.sender, '');
  assert.equal(e!.submitterUid, 4079);
});

test('the long-queue-ID layout parses', async () => {
  const p = parser(new Date(2024, 2, 6));
  const entries = await collect(parsePostqueueText(linesOf(readFixture('long-ids-mailq.txt')), p));
  assert.deepEqual(entries.map((e) => [e.queueId, e.queueName, e.recipients.map((r) => r.address)]), [
    ['4Tpmf90sf8zPjgM', 'deferred', ['kim.lee@aol.example']],
    ['4TpmgJ4dz5zPjgN', 'active', ['tomnagy91@gmail.example']],
  ]);
  assert.deepEqual(entries[0]!.arrivalTime, new Date(2024, 2, 5, 8, 0, 1));
  assert.equal(entries[0]!.recipients[0]!.delayReason, 'connect to mx.aol.example[192.0.2.7]:25: Connection timed out');
  assert.equal(p.summary.junkLines, 0);
});

test('junk, invalid IDs and over-long lines are counted, a listing cut without trailer still ends its entry', async () => {
  const skipped = new SkipTally();
  const p = parser(NOW, skipped);
  const lines = [
    { text: 'postqueue: warning: Mail system is down -- accessing queue directly', cut: false },
    { text: '../etc/x   744 Fri Feb 21 09:02:09  a@b', cut: false },
    { text: 'ab2c4561da6     744 Fri Feb 21 09:02:09  a@b', cut: false },
    { text: 'AB2C4561DA6     744 Fri Feb 21 09:02:09  a@b', cut: false },
    { text: '                                         ' + 'x'.repeat(100), cut: true },
    { text: '                                         c@d', cut: false },
    { text: 'some words here', cut: false },
  ];
  const entries = [];
  for (const l of lines) {
    const e = p.push(l);
    if (e) entries.push(e);
  }
  const last = p.end();
  if (last) entries.push(last);
  assert.equal(entries.length, 1);
  assert.deepEqual(entries[0]!.recipients, [{ address: 'c@d' }]);
  assert.equal(p.summary.junkLines, 5);
  assert.equal(p.summary.trailerRequests, null);
  assert.deepEqual(Object.fromEntries(skipped.list().map((s) => [s.reason, s.count])), {
    'not part of a queue entry': 2,
    'invalid queue ID': 1,
    'line longer than the line limit': 1,
    'not a recipient, reason or entry line': 1,
  });
});

// a hang guard, not a speed target: the bare-address pattern tried every "@" as the split
// point and took seconds on these 64 KiB lines
test('hostile 64 KiB lines inside an entry are read in one pass: "@@@...(", "a@a@...", spaces, dashes', { timeout: 30_000 }, () => {
  const p = parser(NOW, new SkipTally());
  p.push({ text: 'AB2C4561DA6     744 Fri Feb 21 09:02:09  a@b', cut: false });
  for (const text of ['@'.repeat(65536) + '(', 'a@'.repeat(32768) + ' x', '@'.repeat(65536), ' '.repeat(65536) + 'x', '-'.repeat(65536), 'AB2C4561DA6' + ' '.repeat(65536) + 'x']) {
    p.push({ text, cut: false });
  }
  const entry = p.end();
  assert.ok(entry);
  // "@@@...@" is one token with an "@" inside (kept, cut to 2,000 characters); the indented
  // line is a recipient "x"; the rest is junk (parentheses, spaces inside, no "@")
  assert.deepEqual(entry.recipients.map((r) => r.address.length), [2000, 1]);
});

test('a bare recipient is one token with something before and after an "@"', () => {
  for (const yes of ['a@b', 'x@@y', '@a@b', 'user+tag@example.com']) assert.equal(isBareAddress(yes), true, yes);
  for (const no of ['@ab', 'ab@', '@', 'a b@c', 'a@(b)', '', 'ab']) assert.equal(isBareAddress(no), false, no);
});
