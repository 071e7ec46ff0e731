import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PostcatParser, parseAsctime, parsePostcat, parseSectionPath } from '../../../src/collect/queue/postcat-parser';
import { SkipTally } from '../../../src/collect/skip-tally';
import type { QueuedMessage } from '../../../src/domain/queue';
import { LocalHost } from '../../../src/host/local-host';
import { collect, fixture, linesOf, readFixture } from './fake-host';

async function parse(text: string, skipped = new SkipTally()): Promise<QueuedMessage[]> {
  return collect(parsePostcat(linesOf(text), { skipped }));
}

/** Every string a message carries, for "nothing hostile got through" checks. */
function strings(m: QueuedMessage): string[] {
  return [
    m.queueId,
    m.sender,
    ...m.recipients.flatMap((r) => [r.address, r.original ?? '']),
    ...Object.entries(m.attributes).flat(),
    ...m.headers.flatMap((h) => [h.name, h.value]),
  ];
}

test('the seed postcat output yields both messages, complete', async () => {
  const skipped = new SkipTally();
  const ms = await parse(readFixture('../../../examples/seed/postcat.txt'), skipped);
  assert.deepEqual(ms.map((m) => [m.queueId, m.queueName, m.damaged]), [
    ['AB2C4561DA6', 'deferred', 0],
    ['5942C8948326', 'active', 0],
  ]);
  assert.equal(skipped.total(), 0);
});

test('AB2C4561DA6: envelope, recipient from the extracted segment, headers unfolded, body not kept', async () => {
  const [m] = await parse(readFixture('../../../examples/seed/postcat.txt'));
  assert.equal(m!.sender, 'mollie_lester@tauernresidence.at');
  assert.equal(m!.messageSize, 744);
  assert.deepEqual(m!.arrivalTime, new Date(2014, 1, 21, 9, 2, 9));
  assert.deepEqual(m!.attributes, { rewrite_context: 'local' });
  assert.deepEqual(m!.recipients, [{ address: 'mbarney555@aol.com', done: false }]);
  assert.equal(m!.headers.length, 11);
  assert.deepEqual(m!.headers[0], { name: 'received', value: 'by xxx.xxx.de (Postfix, from userid 4079)\tid AB2C4561DA6; Fri, 21 Feb 2014 09:02:09 +0100 (CET)' });
  assert.deepEqual(m!.headers[3], { name: 'from', value: '"xxx" <xxx@xxx.de>' });
  assert.ok(m!.headers.every((h) => !h.value.includes('not shown in the article')));
});

test('5942C8948326: SASL login, client, HELO and 8 recipients of which 4 are done', async () => {
  const [, m] = await parse(readFixture('../../../examples/seed/postcat.txt'));
  assert.equal(m!.attributes.sasl_method, 'LOGIN');
  assert.equal(m!.attributes.sasl_username, 'kontakt@xxx.de');
  assert.equal(m!.attributes.client_address, '93.120.196.244');
  assert.equal(m!.attributes.client_name, '93-120-196-244.dynamic.mts-nn.ru');
  assert.equal(m!.attributes.helo_name, 'cisqyltfbn');
  assert.equal(m!.attributes.rewrite_context, 'remote');
  assert.equal(m!.sender, 'gaf@xxx.de');
  assert.equal(m!.messageSize, 934);
  assert.equal(m!.recipients.length, 8);
  assert.equal(m!.recipients.filter((r) => r.done).length, 4);
  assert.deepEqual(m!.recipients[0], { address: 'tomnagy91@gmail.com', done: true });
  assert.deepEqual(m!.recipients[1], { address: 'hingkik@yahoo.com', done: false });
  assert.equal(m!.headers.length, 15);
  assert.equal(m!.headers.filter((h) => h.name === 'x-no-relay').length, 8);
  assert.equal(m!.headers.find((h) => h.name === 'subject')!.value, '');
});

test('a batch of postcat -e -h output yields every message in order', async () => {
  const ms = await parse(readFixture('postcat-batch.txt'));
  assert.deepEqual(ms.map((m) => `${m.queueName}/${m.queueId}`), [
    'deferred/3F1A22C0B1E', 'deferred/41C7D2C0B2A', 'active/5942C8948326', 'hold/6A0B3C0B3F1', 'deferred/7D21E2C0B40', 'deferred/8E55F2C0B41',
  ]);
  assert.ok(ms.every((m) => m.damaged === 0));
  assert.equal(ms[4]!.sender, ''); // a bounce: "sender: " with the null address
  assert.deepEqual(ms[5]!.recipients, [{ address: 'x1@mail.example', done: false }]);
});

test('long queue IDs in section headers are read', async () => {
  const ms = await parse(readFixture('long-ids-postcat.txt'));
  assert.deepEqual(ms.map((m) => [m.queueId, m.queueName]), [['4Tpmf90sf8zPjgM', 'deferred'], ['4TpmgJ4dz5zPjgN', 'active']]);
});

test('output cut mid-message yields the part, marked damaged, without the half line', async () => {
  const skipped = new SkipTally();
  const ms = await parse(readFixture('postcat-truncated.txt'), skipped);
  assert.equal(ms.length, 2);
  assert.equal(ms[0]!.damaged, 0);
  const cut = ms[1]!;
  assert.equal(cut.queueId, '5942C8948326');
  assert.ok(cut.damaged >= 1);
  assert.equal(cut.attributes.sasl_method, 'LOGIN');
  assert.equal(cut.attributes.sasl_username, undefined); // "kontakt@kanz" is not evidence
  const reasons = skipped.list().map((s) => s.reason);
  assert.ok(reasons.includes('message cut off before MESSAGE FILE END (output truncated or postcat died)'));
  assert.ok(reasons.includes('last line of a cut-off output dropped (probably incomplete)'));
});

test('the hostile fixture: no control characters, bounded sizes, no fake messages', async () => {
  const skipped = new SkipTally();
  const lines = new LocalHost('t').readLines(fixture('postcat-hostile.txt'));
  const ms = await collect(parsePostcat(lines, { skipped }));
  assert.deepEqual(ms.map((m) => m.queueId), ['B0A7E5C0C12', 'C1D2E3C0C13']);
  for (const m of ms) {
    for (const s of strings(m)) {
      assert.doesNotMatch(s, /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e]/);
      assert.ok(s.length <= 2_000);
    }
    assert.ok(m.headers.length <= 100);
  }
  const [a, b] = ms as [QueuedMessage, QueuedMessage];
  assert.equal(a.sender, 'wp]0;owned@customer-shop.example');
  assert.equal(a.attributes.sasl_username, undefined); // the fake section in the body
  assert.deepEqual(a.recipients, [{ address: 'victim@example.org', done: false }]);
  assert.ok(a.damaged >= 1); // the 1 MB header line
  assert.equal(a.headers.find((h) => h.name === 'x-long')!.value.length, 2_000);
  assert.equal(b.headers.length, 100);
  assert.ok(b.damaged >= 53); // 52 headers dropped, the conflicting rewrite_context
  const reasons = Object.fromEntries(skipped.list().map((s) => [s.reason, s.count]));
  assert.equal(reasons['section marker inside a message body ignored'], 6);
  assert.equal(reasons['conflicting values for named_attribute rewrite_context'], 1);
  assert.equal(reasons['header beyond 100 per message not kept'], 52);
  assert.equal(reasons['header line longer than the line limit, cut'], 1);
  assert.ok(reasons['line outside any message']! >= 2);
});

test('a body line that looks like a new section counts only for an ID the batch asked for', async () => {
  const text = [
    '*** ENVELOPE RECORDS deferred/A/AB2C4561DA6 ***',
    'sender: a@b',
    '*** MESSAGE CONTENTS deferred/A/AB2C4561DA6 ***',
    'Subject: x',
    '',
    'body',
    '*** ENVELOPE RECORDS deferred/5/5942C8948326 ***',
    'sender: c@d',
    'recipient: e@f',
  ].join('\n');
  const without = await parse(text);
  assert.deepEqual(without.map((m) => m.queueId), ['AB2C4561DA6']);
  const skipped = new SkipTally();
  const withIds = await collect(parsePostcat(linesOf(text), { skipped, expectedIds: new Set(['AB2C4561DA6', '5942C8948326']) }));
  assert.deepEqual(withIds.map((m) => [m.queueId, m.sender]), [['AB2C4561DA6', 'a@b'], ['5942C8948326', 'c@d']]);
});

test('an attribute named __proto__ stays data', async () => {
  const [m] = await parse('*** ENVELOPE RECORDS active/AB2C4561DA6 ***\nnamed_attribute: __proto__=polluted\nnamed_attribute: constructor=x\n*** MESSAGE FILE END active/AB2C4561DA6 ***\n');
  assert.equal(Object.getPrototypeOf(m!.attributes), Object.prototype);
  assert.equal(Object.getOwnPropertyDescriptor(m!.attributes, '__proto__')!.value, 'polluted');
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('original_recipient is kept only when it differs from the recipient', async () => {
  const [m] = await parse('*** ENVELOPE RECORDS active/AB2C4561DA6 ***\noriginal_recipient: Alias@x\nrecipient: real@y\noriginal_recipient: same@z\ndone_recipient: same@z\n*** MESSAGE FILE END active/AB2C4561DA6 ***\n');
  assert.deepEqual(m!.recipients, [{ address: 'real@y', done: false, original: 'Alias@x' }, { address: 'same@z', done: true }]);
});

test('header count and value length follow the options', async () => {
  const headers = Array.from({ length: 10 }, (_, i) => `X-H${i}: ${'v'.repeat(50)}\n\tfolded`).join('\n');
  const text = `*** ENVELOPE RECORDS active/AB2C4561DA6 ***\n*** MESSAGE CONTENTS active/AB2C4561DA6 ***\n${headers}\n*** HEADER EXTRACTED active/AB2C4561DA6 ***\n*** MESSAGE FILE END active/AB2C4561DA6 ***\n`;
  const [m] = await collect(parsePostcat(linesOf(text), { skipped: new SkipTally(), maxHeaders: 3, maxHeaderValueChars: 20 }));
  assert.equal(m!.headers.length, 3);
  assert.ok(m!.headers.every((h) => h.value.length === 20));
  assert.equal(m!.damaged, 7 + 3);
});

test('junk before, between and inside messages is counted, never thrown', async () => {
  const skipped = new SkipTally();
  const p = new PostcatParser({ skipped });
  const got: QueuedMessage[] = [];
  for (const l of ['garbage', '\u0000\u00ff', '*** ENVELOPE RECORDS deferred/A/AB2C4561DA6 ***', 'not a record', 'message_size: many', 'message_arrival_time: yesterday', 'named_attribute: novalue', '*** MESSAGE CONTENTS deferred/B/B00000000000 ***', '*** MESSAGE FILE END deferred/A/AB2C4561DA6 ***', '*** ENVELOPE RECORDS deferred/X/not-an-id ***', 'sender: x', '*** MESSAGE FILE END deferred/X/not-an-id ***']) {
    const m = p.push(l);
    if (m) got.push(m);
  }
  const last = p.end();
  if (last) got.push(last);
  assert.equal(got.length, 1);
  assert.equal(got[0]!.damaged, 5);
  assert.equal(skipped.list().find((s) => s.reason === 'section for a name that is not a queue ID skipped')!.count, 1);
  assert.equal(skipped.list().find((s) => s.reason === 'line outside any message')!.count, 2);
});

test('section paths give queue name and ID', () => {
  assert.deepEqual(parseSectionPath('deferred/A/AB2C4561DA6'), { queueName: 'deferred', queueId: 'AB2C4561DA6' });
  assert.deepEqual(parseSectionPath('active/5942C8948326'), { queueName: 'active', queueId: '5942C8948326' });
  assert.deepEqual(parseSectionPath('/var/spool/postfix/hold/AB2C4561DA6'), { queueName: 'hold', queueId: 'AB2C4561DA6' });
  assert.deepEqual(parseSectionPath('saved/AB2C4561DA6'), { queueName: 'unknown', queueId: 'AB2C4561DA6' });
  assert.equal(parseSectionPath('stdin'), null);
  assert.equal(parseSectionPath('deferred/A/../x'), null);
});

test('postcat\'s asctime dates are read in local time, or at a given offset', () => {
  assert.deepEqual(parseAsctime('Tue Mar  5 08:00:01 2024'), new Date(2024, 2, 5, 8, 0, 1));
  assert.equal(parseAsctime('Fri Feb 21 09:02:09 2014', 60)!.toISOString(), '2014-02-21T08:02:09.000Z');
  assert.equal(parseAsctime('Feb 21 09:02:09 2014'), null);
});
