import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueFileReader } from '../../../src/collect/queue/queue-file-reader';
import { PostcatParser } from '../../../src/collect/queue/postcat-parser';
import { ByteNames, UNREAD_HEADER, type ReadSelection } from '../../../src/collect/queue/read-selection';
import { SkipTally } from '../../../src/collect/skip-tally';
import type { QueuedMessage } from '../../../src/domain/queue';
import { ORIGIN_READS, originOfQueued } from '../../../src/trace/queued-origin';
import { deriveMessageFields } from '../../../src/trace/message-fields';
import { encodeRecords, simpleQueueFile, sizeRecord, type RecordSpec } from '../../helpers/queue-file-writer';

const dir = mkdtempSync(join(tmpdir(), 'spamtrace-rs-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
let n = 0;

function readFile(bytes: Buffer, reads?: ReadSelection, maxHeaders?: number) {
  const path = join(dir, `f${n++}`);
  writeFileSync(path, bytes);
  const skipped = new SkipTally();
  const parser = new PostcatParser({ skipped, ...(reads ? { reads } : {}), ...(maxHeaders ? { maxHeaders } : {}) });
  const r = new QueueFileReader(skipped, reads).read(path, 'deferred/A/AB2C4561DA6', parser);
  assert.equal(r.outcome, 'read');
  return { message: r.message!, skipped: skipped.list() };
}

function readPrinted(lines: string[], reads?: ReadSelection): QueuedMessage {
  const p = new PostcatParser({ skipped: new SkipTally(), utcOffsetMinutes: 0, ...(reads ? { reads } : {}) });
  let out: QueuedMessage | null = null;
  for (const l of lines) out = p.push(l) ?? out;
  return out ?? p.end()!;
}

/** What a selection should leave of a fully read message. */
function projected(m: QueuedMessage, reads: ReadSelection): QueuedMessage {
  return {
    ...m,
    attributes: Object.fromEntries(Object.entries(m.attributes).filter(([k]) => reads.attributes.has(k))),
    headers: m.headers.map((h) => (reads.headerValues.has(h.name) ? h : UNREAD_HEADER)),
  };
}

// a forwarded copy (local(8)'s Received, Delivered-To, then the original pickup's Received):
// the positions the tracer reads sit between headers it does not read
const FORWARDED = {
  arrival: 1_392_973_329,
  attributes: [
    ['log_ident', 'AB2C4561DA6'],
    ['rewrite_context', 'local'],
    ['dsn_orig_rcpt', 'rfc822;a1@aol.com'],
    ['server_port', '25'],
    ['client_address_type', '2'],
  ] as [string, string][],
  sender: 'x1@web274-example.de',
  recipients: ['a1@aol.com', 'b2@yahoo.com'],
  headers: [
    'Received: by host.example (Postfix) id 4F2A1C0B1E; Fri, 21 Feb 2014 09:02:09 +0100',
    'Delivered-To: info@kunde-beispiel.de',
    'DELIVERED-TO: alias@kunde-beispiel.de',
    'Received: by host.example (Postfix, from userid 4079)',
    '\tid 3C2B1A0F9E; Fri, 21 Feb 2014 09:02:08 +0100 (CET)',
    'Date: Fri, 21 Feb 2014 09:02:08 +0100',
    'To: undisclosed-recipients:;',
    '\tanother folded line of an unread header',
    'X-PHP-Originating-Script: 4079:xmlrpclAag.php',
    'Subject: =?UTF-8?B?w6TDtsO8?=',
    'From: "Anna" <anna@web274-example.de>',
    'Message-ID: <1@web274-example.de>',
    'List-Unsubscribe: <mailto:u@example.org>',
    `X-${'n'.repeat(80)}: a name longer than the byte check looks at`,
    'Content-Type: text/plain',
  ],
};

test('ORIGIN_READS: a queue file reads as the full message minus the values nobody reads; origin and fields equal', () => {
  const bytes = simpleQueueFile(FORWARDED);
  const full = readFile(bytes);
  const lean = readFile(bytes, ORIGIN_READS);
  assert.deepEqual(lean.message, projected(full.message, ORIGIN_READS));
  assert.deepEqual(lean.skipped, full.skipped);
  // the positions hold: 13 headers (15 lines, 2 folded) either way, the unread ones empty
  assert.equal(lean.message.headers.length, 13);
  assert.deepEqual(Object.keys(lean.message.attributes), ['rewrite_context']);
  assert.equal(lean.message.headers.filter((h) => h === UNREAD_HEADER).length, 4);
  assert.deepEqual(originOfQueued(lean.message, null), originOfQueued(full.message, null));
  const f = deriveMessageFields(lean.message);
  assert.equal(f.forwardedPickupUid, 4079, 'the original pickup Received below the Delivered-To chain');
  assert.deepEqual(f.phpScript, { uid: 4079, script: 'xmlrpclAag.php' });
  assert.equal(f.subject, 'äöü');
  assert.equal(f.fromAddress, 'anna@web274-example.de');
  assert.equal(f.listUnsubscribe, true);
});

test('ORIGIN_READS: postcat\'s printed text and the queue file give the same lean message', () => {
  const D = 'deferred/A/AB2C4561DA6';
  const printed = readPrinted(
    [
      `*** ENVELOPE RECORDS ${D} ***`,
      'message_arrival_time: Fri Feb 21 09:02:09 2014',
      ...FORWARDED.attributes.map(([k, v]) => `named_attribute: ${k}=${v}`),
      `sender: ${FORWARDED.sender}`,
      ...FORWARDED.recipients.flatMap((r) => [`original_recipient: ${r}`, `recipient: ${r}`]),
      `*** MESSAGE CONTENTS ${D} ***`,
      ...FORWARDED.headers,
      `*** HEADER EXTRACTED ${D} ***`,
      `*** MESSAGE FILE END ${D} ***`,
    ],
    ORIGIN_READS,
  );
  const lean = readFile(simpleQueueFile(FORWARDED), ORIGIN_READS).message;
  assert.deepEqual({ ...lean, messageSize: null }, { ...printed, messageSize: null });
});

test('ORIGIN_READS: an unread header split over L records is skipped whole; the next header is read', () => {
  const long = `X-Mailer: ${'m'.repeat(3000)}`;
  const records: RecordSpec[] = [
    sizeRecord(0, 0),
    ['T', '1700000000 0'],
    ['A', 'client_address=203.0.113.9'],
    ['S', 's@example.org'],
    ['R', 'r@example.org'],
    ['M', ''],
    ['L', long.slice(0, 1000)],
    ['L', 'Subject: this is still the X-Mailer line, not a header'],
    ['N', long.slice(1000)],
    ['N', '\tfolded under X-Mailer'],
    ['N', 'Subject: the real one'],
    ['N', ''],
    ['X', ''],
    ['E', ''],
  ];
  const full = readFile(encodeRecords(records));
  const lean = readFile(encodeRecords(records), ORIGIN_READS);
  assert.deepEqual(lean.message.headers, [UNREAD_HEADER, { name: 'subject', value: 'the real one' }]);
  // the over-long unread value is not checked (not read): the full read counts its cut, the lean one does not
  assert.deepEqual(lean.message, { ...projected(full.message, ORIGIN_READS), damaged: 0 });
  assert.equal(full.message.damaged, 1);
  assert.ok(full.skipped.some((s) => /cut/.test(s.reason)));
  assert.deepEqual(lean.skipped, []);
});

test('ORIGIN_READS: unread headers still count towards the header limit, in the same places', () => {
  const headers = ['Date: x', 'To: y', 'Subject: s', 'Received: by h (Postfix, from userid 33)', 'From: f@example.org'];
  const bytes = simpleQueueFile({ headers });
  const full = readFile(bytes, undefined, 3);
  const lean = readFile(bytes, ORIGIN_READS, 3);
  assert.deepEqual(lean.message, projected(full.message, ORIGIN_READS));
  assert.deepEqual(lean.message.headers, [UNREAD_HEADER, UNREAD_HEADER, { name: 'subject', value: 's' }]);
  assert.deepEqual(lean.skipped, full.skipped);
  assert.equal(lean.message.damaged, 2);
});

test('ORIGIN_READS: attribute names are matched exactly, trimmed ones through the parser as postcat prints them', () => {
  const bytes = simpleQueueFile({
    attributes: [
      ['sasl_username', 'kontakt@kunde-beispiel.de'],
      ['SASL_USERNAME', 'not the same name'],
      [' client_address ', ' 198.51.100.7 '],
      ['client_addresses', 'a longer name'],
      ['helo_name\u0001', 'control byte in the name'],
    ],
  });
  const full = readFile(bytes);
  const lean = readFile(bytes, ORIGIN_READS);
  // a control byte in a name is stripped as from any value, by the parser, in both ways of reading
  assert.deepEqual(lean.message.attributes, { sasl_username: 'kontakt@kunde-beispiel.de', client_address: '198.51.100.7', helo_name: 'control byte in the name' });
  assert.deepEqual(lean.message, projected(full.message, ORIGIN_READS));
});

test('ByteNames: exact bytes, letters folded only when asked', () => {
  const names = new ByteNames(['received', 'x-php-originating-script'], true);
  const b = Buffer.from('RECEIVED|Received-SPF|X-PHP-Originating-Script|receivedx');
  assert.equal(names.has(b, 0, 8), true);
  assert.equal(names.has(b, 9, 21), false);
  assert.equal(names.has(b, 22, 46), true);
  assert.equal(names.has(b, 47, 56), false);
  const exact = new ByteNames(['client_address'], false);
  const c = Buffer.from('client_address CLIENT_ADDRESS');
  assert.equal(exact.has(c, 0, 14), true);
  assert.equal(exact.has(c, 15, 29), false);
});

test('ORIGIN_READS: an over-long attribute is damage only when it is read, in the file and in postcat\'s text alike', () => {
  const long = 'x'.repeat(70_000);
  const bytes = simpleQueueFile({ attributes: [['dsn_envid', long], ['helo_name', long]] });
  const file = readFile(bytes, ORIGIN_READS);
  const D = 'deferred/A/AB2C4561DA6';
  const p = new PostcatParser({ skipped: new SkipTally(), reads: ORIGIN_READS });
  p.push(`*** ENVELOPE RECORDS ${D} ***`);
  for (const [k] of [['dsn_envid'], ['helo_name']]) p.push({ text: `named_attribute: ${k}=${long.slice(0, 1000)}`, cut: true });
  p.push('sender: s@example.org');
  p.push(`*** MESSAGE CONTENTS ${D} ***`);
  p.push(`*** HEADER EXTRACTED ${D} ***`);
  const printed = p.push(`*** MESSAGE FILE END ${D} ***`)!;
  // helo_name is read: its cut counts once either way; dsn_envid is not read: not counted
  assert.equal(file.message.damaged, 1);
  assert.equal(printed.damaged, 1);
});
