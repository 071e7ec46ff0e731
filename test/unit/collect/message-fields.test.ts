import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFromHeader } from '../../../src/collect/queue/message-fields';
import { deriveMessageFields, innerPickupUidOf, pickupUidOf } from '../../../src/trace/message-fields';
import { parsePostcat } from '../../../src/collect/queue/postcat-parser';
import { SkipTally } from '../../../src/collect/skip-tally';
import type { QueuedMessage } from '../../../src/domain/queue';
import { LocalHost } from '../../../src/host/local-host';
import { collect, fixture, linesOf, readFixture } from './fake-host';

async function messages(name: string): Promise<Map<string, QueuedMessage>> {
  const ms = await collect(parsePostcat(linesOf(readFixture(name)), { skipped: new SkipTally() }));
  return new Map(ms.map((m) => [m.queueId, m]));
}

test('the seed\'s AB2C4561DA6 was submitted by uid 4079 through pickup', async () => {
  const f = deriveMessageFields((await messages('../../../examples/seed/postcat.txt')).get('AB2C4561DA6')!);
  assert.equal(f.pickupUid, 4079);
  assert.equal(f.subject, 'Re: Good day');
  assert.deepEqual(f.from, { display: 'xxx', address: 'xxx@xxx.de' });
  assert.equal(f.fromAddress, 'xxx@xxx.de');
  assert.equal(f.fromDomain, 'xxx.de');
  assert.equal(f.messageId, '20140221080209.AB2C4561DA6@xxx.xxx.de');
  assert.equal(f.listUnsubscribe, false);
  assert.equal(f.phpScript, null);
});

test('the seed\'s 5942C8948326 came in by SMTP: no pickup uid, empty subject', async () => {
  const f = deriveMessageFields((await messages('../../../examples/seed/postcat.txt')).get('5942C8948326')!);
  assert.equal(f.pickupUid, null);
  assert.equal(f.subject, '');
  assert.deepEqual(f.from, { display: 'ny fyha', address: 'gaf@xxx.de' });
});

test('X-PHP-Originating-Script gives uid and script, also for eval()\'d code', async () => {
  const ms = await messages('postcat-batch.txt');
  assert.deepEqual(deriveMessageFields(ms.get('3F1A22C0B1E')!).phpScript, { uid: 4079, script: 'xmlrpclAag.php' });
  const shell = deriveMessageFields(ms.get('8E55F2C0B41')!);
  assert.deepEqual(shell.phpScript, { uid: 33, script: "x.php(2) : eval()'d code" });
  assert.equal(shell.pickupUid, 33);
  assert.equal(shell.subject, '\u{1F4B0} Win now');
});

test('encoded subjects are decoded; newsletter and bounce headers are read', async () => {
  const ms = await messages('postcat-batch.txt');
  assert.equal(deriveMessageFields(ms.get('41C7D2C0B2A')!).subject, 'Grüße aus Tirol');
  const news = deriveMessageFields(ms.get('6A0B3C0B3F1')!);
  assert.equal(news.listUnsubscribe, true);
  assert.equal(news.precedence, 'bulk');
  assert.equal(news.pickupUid, null);
  const bounce = deriveMessageFields(ms.get('7D21E2C0B40')!);
  assert.equal(bounce.autoSubmitted, 'auto-replied');
  assert.equal(bounce.pickupUid, null); // "Received: by host (Postfix)" without a userid
  assert.deepEqual(bounce.from, { display: 'Mail Delivery System', address: 'MAILER-DAEMON@mail.hoster.example' });
});

test('a forged Received further down and a second X-PHP-Originating-Script are not believed', async () => {
  const skipped = new SkipTally();
  const lines = new LocalHost('t').readLines(fixture('postcat-hostile.txt'));
  const [m] = await collect(parsePostcat(lines, { skipped: new SkipTally() }));
  const f = deriveMessageFields(m!, skipped);
  assert.equal(f.pickupUid, 4079); // not the "from userid 0" below it
  assert.deepEqual(f.phpScript, { uid: 4079, script: 'wp-conf1g.php' });
  assert.equal(skipped.list()[0]!.reason, "more than one in a message: the first (PHP's own) kept");
  assert.equal(f.subject, '<script>alert(1)</script>[2J Gewinn exe.gpj');
  assert.deepEqual(f.from, { display: 'Your Bank[31m', address: 'service@phish.example' });
});

test('only the topmost Received header counts, even when a later one is a pickup line', () => {
  const headers = [
    { name: 'received', value: 'from evil (unknown [192.0.2.1]) by mx (Postfix) with ESMTP id X' },
    { name: 'received', value: 'by web01 (Postfix, from userid 4079) id Y' },
  ];
  assert.equal(pickupUidOf(headers), null);
  assert.equal(pickupUidOf([{ name: 'received', value: 'by web01 (Postfix, from userid 99999999999) id Y' }]), null);
});

test('From headers in their common shapes', () => {
  assert.deepEqual(parseFromHeader('Shop <newsletter@shop.example>'), { display: 'Shop', address: 'newsletter@shop.example' });
  assert.deepEqual(parseFromHeader('"Doe, John \\"JD\\"" <jd@x.example>'), { display: 'Doe, John "JD"', address: 'jd@x.example' });
  assert.deepEqual(parseFromHeader('jd@x.example (John Doe)'), { display: 'John Doe', address: 'jd@x.example' });
  assert.deepEqual(parseFromHeader('support@paypal.example'), { display: '', address: 'support@paypal.example' });
  assert.deepEqual(parseFromHeader('=?UTF-8?B?UMOkdGVy?= <p@x.example>, other@y.example'), { display: 'Päter', address: 'p@x.example' });
  assert.deepEqual(parseFromHeader('"a <fake@bank.example>" <real@evil.example>'), { display: 'a <fake@bank.example>', address: 'real@evil.example' });
  assert.equal(parseFromHeader('undisclosed recipients'), null);
  assert.equal(parseFromHeader('<>'), null);
});

test('a requeued message: the pickup line below the topmost one is read, only directly below', () => {
  const requeued = [
    { name: 'received', value: 'by lab.spamtrace.test (Postfix, from userid 103)\n\tid 4B1C91682AE; Sat, 28 Nov 2026 23:12:01 +0000' },
    { name: 'received', value: 'by lab.spamtrace.test (Postfix, from userid 4079)\n\tid 3364616829B; Sat, 28 Nov 2026 23:11:43 +0000' },
    { name: 'subject', value: 'x' },
  ];
  assert.equal(innerPickupUidOf(requeued), 4079);
  // a forged pickup line further down the sender's own headers is not "directly below"
  const forged = [requeued[0]!, { name: 'to', value: 'a@b' }, requeued[1]!];
  assert.equal(innerPickupUidOf(forged), null);
  // a topmost line that is not pickup's: nothing
  assert.equal(innerPickupUidOf([{ name: 'received', value: 'from mail.example (mail.example [192.0.2.1]) by lab' }, requeued[1]!]), null);
});
