import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SourceTracer } from '../../../src/trace/source-tracer';
import type { TraceMessage } from '../../../src/trace/trace-message';
import { MapUserDirectory } from '../../../src/collect/users/passwd';
import type { Origin } from '../../../src/domain/origin';

const users = new MapUserDirectory([
  { login: 'web274', uid: 4079, gid: 4079, gecos: '', home: '/var/www/web274', shell: '/bin/false' },
  { login: 'newsuser', uid: 10002, gid: 10002, gecos: '', home: '/var/www/vhosts/news-example.de', shell: '/bin/false' },
]);

const AOL = 'host 127.0.0.1[127.0.0.1] refused to talk to me: 421 4.7.1 : (DYN:T1) http://postmaster.info.aol.com/errors/421dynt1.html';
let seq = 0;
function msg(p: Partial<TraceMessage> & { origin: Origin }): TraceMessage {
  seq += 1;
  return {
    queueId: `A${seq.toString(16).toUpperCase().padStart(9, '0')}`,
    queueName: 'deferred',
    arrivalTime: new Date(Date.UTC(2026, 10, 27, 8, 0, seq)),
    sender: 'someone@example.de',
    recipients: ['a@example.org'],
    delayReasons: [],
    fromAddress: null,
    subject: null,
    listUnsubscribe: false,
    examined: true,
    ...p,
  };
}

test('a web user sending to AOL from random senders with a foreign From is spam, named by its login', () => {
  const t = new SourceTracer();
  for (let i = 0; i < 30; i++) {
    t.add(msg({ origin: { kind: 'local', uid: 4079 }, sender: `user${i}@tauernresidence.at`, recipients: [`r${i}@aol.com`], delayReasons: [AOL], fromAddress: 'xxx@xxx.de' }));
  }
  const [s] = t.finish(users);
  assert.equal(s!.id, 'uid:4079');
  assert.equal(s!.user, 'web274');
  assert.equal(s!.verdict, 'spam');
  assert.equal(s!.messages, 30);
  assert.equal(s!.deferrals.blocklisted, 30);
  assert.ok(s!.rules.includes('random-senders'));
  assert.ok(s!.reasons.some((r) => r.includes('AOL DYN:T1')));
});

test('a stolen mailbox login with a bogus HELO from a dynamic address is spam even without deferrals', () => {
  const t = new SourceTracer();
  t.add(msg({
    origin: { kind: 'sasl', username: 'kontakt@xxx.de', clientAddress: '93.120.196.244', clientName: '93-120-196-244.dynamic.mts-nn.ru', helo: 'cisqyltfbn' },
    sender: 'gaf@xxx.de', fromAddress: 'gaf@xxx.de',
    recipients: ['a@gmail.com', 'b@yahoo.com', 'c@yahoo.com', 'd@gmail.com', 'e@yahoo.com', 'f@gmail.com', 'g@gmail.com', 'h@rediffmail.com'],
  }));
  const [s] = t.finish(users);
  assert.equal(s!.id, 'sasl:kontakt@xxx.de');
  assert.equal(s!.verdict, 'spam');
  assert.deepEqual(s!.clientAddresses, ['93.120.196.244']);
  assert.ok(s!.rules.includes('bogus-helo'));
  assert.ok(s!.rules.includes('dynamic-client'));
});

test('a newsletter with List-Unsubscribe to freemail addresses is normal even when AOL defers it', () => {
  const t = new SourceTracer();
  for (let i = 0; i < 6; i++) {
    const recipients = Array.from({ length: 50 }, (_, j) => `n${i}-${j}@${['gmail.com', 'gmx.de', 'web.de', 'aol.com', 't-online.de'][j % 5]}`);
    t.add(msg({
      origin: { kind: 'local', uid: 10002 }, sender: 'news@news-example.de', fromAddress: 'news@news-example.de', listUnsubscribe: true,
      recipients, delayReasons: recipients.filter((r) => r.endsWith('aol.com')).map(() => AOL),
    }));
  }
  const [s] = t.finish(users);
  assert.equal(s!.verdict, 'normal');
  assert.equal(s!.recipients, 300);
  assert.ok(s!.rules.includes('unsubscribe-link'));
});

test('a handful of contact form mails and a cron mail are normal', () => {
  const t = new SourceTracer();
  for (let i = 0; i < 5; i++) t.add(msg({ origin: { kind: 'local', uid: 10003, phpScript: { uid: 10003, script: 'contact.php' } }, sender: 'www@form-example.de', fromAddress: 'visitor@gmail.com', recipients: ['owner@form-example.de'] }));
  t.add(msg({ origin: { kind: 'local', uid: 0 }, sender: 'root@lab', recipients: ['root@lab'], subject: 'Cron <root@lab> backup' }));
  const sources = t.finish(users);
  assert.equal(sources.length, 2);
  for (const s of sources) assert.equal(s.verdict, 'normal', `${s.id}: ${s.reasons.join('; ')}`);
});

test('a PHP eval()d-code script name alone is enough for suspicion', () => {
  const t = new SourceTracer();
  t.add(msg({ origin: { kind: 'local', uid: 4079, phpScript: { uid: 4079, script: "x.php(2) : eval()'d code" } } }));
  const [s] = t.finish(users);
  assert.notEqual(s!.verdict, 'normal');
  assert.ok(s!.rules.includes('php-eval'));
});

test('listed-only messages join the one examined source with their sender domain, and say so', () => {
  const t = new SourceTracer();
  t.add(msg({ origin: { kind: 'local', uid: 4079 }, sender: 'mollie@tauernresidence.at', recipients: ['x@aol.com'], delayReasons: [AOL], fromAddress: 'xxx@xxx.de' }));
  for (let i = 0; i < 4; i++) t.addUnexamined(msg({ origin: { kind: 'unknown', why: 'not examined' }, examined: false, sender: `s${i}@tauernresidence.at`, recipients: [`y${i}@aol.com`], delayReasons: [AOL] }));
  t.addUnexamined(msg({ origin: { kind: 'unknown', why: 'not examined' }, examined: false, sender: 'other@elsewhere.example', recipients: ['z@aol.com'], delayReasons: [AOL] }));
  const sources = t.finish(users);
  const uid = sources.find((s) => s.id === 'uid:4079')!;
  assert.equal(uid.messages, 5);
  assert.equal(uid.inferredMessages, 4);
  assert.equal(uid.verdict, 'spam');
  assert.ok(uid.reasons.some((r) => r.includes('only listed')));
  const other = sources.find((s) => s.kind === 'unknown')!;
  assert.equal(other.messages, 1);
  assert.notEqual(other.verdict, 'spam', 'nobody is accused without an origin');
});

test('sources come out worst first', () => {
  const t = new SourceTracer();
  t.add(msg({ origin: { kind: 'local', uid: 0 } }));
  for (let i = 0; i < 30; i++) t.add(msg({ origin: { kind: 'smtp-client', clientAddress: '192.0.2.77', helo: 'x' }, sender: `r${i}@spam.example`, recipients: [`v${i}@yahoo.com`] }));
  const sources = t.finish(users);
  assert.equal(sources[0]!.id, 'client:192.0.2.77');
  assert.equal(sources[0]!.verdict, 'spam');
});

test('an unauthenticated client relaying to freemail addresses is called a relay', () => {
  const t = new SourceTracer();
  for (let i = 0; i < 10; i++) t.add(msg({ origin: { kind: 'smtp-client', clientAddress: '192.0.2.77', helo: 'mail.example.net' }, sender: `r${i}@spam.example`, recipients: [`v${i}@gmail.com`, `w${i}@customer-domain.example`] }));
  const [s] = t.finish(users);
  assert.ok(s!.rules.includes('unauthenticated-relay'), s!.reasons.join('; '));
  assert.equal(s!.verdict, 'spam');
});

test('inbound mail from a big provider to hosted domains, many senders, is not called spam', () => {
  const t = new SourceTracer();
  for (let i = 0; i < 30; i++) {
    t.add(msg({ origin: { kind: 'smtp-client', clientAddress: '209.85.128.41', clientName: 'mail-wm1-f41.google.com', helo: 'mail-wm1-f41.google.com' }, sender: `person${i}@gmail.com`, fromAddress: `person${i}@gmail.com`, recipients: [`info@customer${i % 7}.example`] }));
  }
  const [s] = t.finish(users);
  assert.notEqual(s!.verdict, 'spam', s!.reasons.join('; '));
});

test('bounces this server generated are explained, never judged as a sender', () => {
  const t = new SourceTracer();
  for (let i = 0; i < 50; i++) t.add(msg({ origin: { kind: 'unknown', why: 'a bounce or notice this server generated itself (null sender)' }, sender: '', recipients: [`forged${i}@gmail.com`] }));
  const [s] = t.finish(users);
  assert.equal(s!.id, 'unknown:bounces');
  assert.equal(s!.verdict, 'normal');
  assert.match(s!.reasons[0]!, /bounces this server generated/);
});

test('one invitation sent through a login from home, with the PC as HELO, is not called spam', () => {
  const t = new SourceTracer();
  t.add(msg({
    origin: { kind: 'sasl', username: 'anna@customer.de', clientAddress: '198.51.100.7', clientName: 'p5dc3a7b9.dip0.t-ipconnect.de', helo: 'DESKTOP-4F7QK2L' },
    sender: 'anna@customer.de', fromAddress: 'anna@customer.de',
    recipients: ['a@gmail.com', 'b@gmx.de', 'c@web.de', 'd@gmail.com', 'e@gmx.de', 'f@web.de', 'g@gmail.com', 'h@t-online.de'],
  }));
  const [s] = t.finish(users);
  assert.notEqual(s!.verdict, 'spam', s!.reasons.join('; '));
  assert.ok(!s!.rules.includes('bogus-helo'));
});

test('listed messages with a forged sender domain but other targets are not pinned on the examined customer', () => {
  const t = new SourceTracer();
  t.add(msg({ origin: { kind: 'local', uid: 10002 }, sender: 'info@customer.de', fromAddress: 'info@customer.de', recipients: ['friend@gmail.com'] }));
  for (let i = 0; i < 6; i++) t.addUnexamined(msg({ origin: { kind: 'unknown', why: 'not examined' }, examined: false, sender: `rnd${i}@customer.de`, recipients: [`x${i}@aol.com`], delayReasons: [AOL] }));
  const sources = t.finish(users);
  const customer = sources.find((s) => s.id === 'uid:10002')!;
  assert.equal(customer.messages, 1);
  assert.equal(customer.verdict, 'normal');
  assert.equal(sources.find((s) => s.kind === 'unknown')!.messages, 6);
});

test('mail-log history (no headers): header rules stay silent, one envelope sender still counts in its favour', () => {
  const t = new SourceTracer();
  for (let i = 0; i < 6; i++) {
    const recipients = Array.from({ length: 50 }, (_, k) => `r${i}-${k}@${k % 10 < 7 ? 'gmx.de' : 'news-example.de'}`);
    t.add(msg({ origin: { kind: 'local', uid: 10002 }, sender: 'newsletter@news-example.de', recipients, headersRead: false }));
  }
  const [s] = t.finish(users);
  assert.equal(s!.verdict, 'normal', s!.reasons.join('; '));
  assert.ok(!s!.rules.includes('many-recipients-per-message'), 'no "no unsubscribe link" claim without headers');
  assert.ok(s!.rules.includes('one-consistent-sender'));
  assert.match(s!.reasons.join('; '), /headers not seen/);
});

test('an examined message whose pasted postcat lost its sender and recipients is connected to its listing (issue 13)', () => {
  const t = new SourceTracer();
  // postcat (anonymised before pasting): another sender, no recipients
  const key = t.add(msg({ origin: { kind: 'sasl', username: 'kontakt@xxx.de', clientAddress: '93.120.196.244' }, sender: 'x@anonymised.invalid', recipients: [] }));
  // the mailq listing of the same queue ID
  t.addListingOf(key, { sender: 'gaf@xxx.de', recipients: ['a@gmail.com', 'b@yahoo.com'] }, 0);
  for (let i = 0; i < 5; i++) {
    t.addUnexamined(msg({ origin: { kind: 'unknown', why: 'not examined (only listed)' }, examined: false, sender: `s${i}@xxx.de`, recipients: [`r${i}@gmail.com`] }));
  }
  t.addUnexamined(msg({ origin: { kind: 'unknown', why: 'not examined (only listed)' }, examined: false, sender: 'z@xxx.de', recipients: ['r@other.example'] }));
  const byId = new Map(t.finish(users).map((s) => [s.id, s]));
  const s = byId.get('sasl:kontakt@xxx.de')!;
  assert.equal(s.messages, 6);
  assert.equal(s.inferredMessages, 5);
  assert.equal(s.recipients, 2 + 5);
  // a listed message to a domain the source never wrote to stays unattributed
  assert.equal(byId.get('unknown:sender-domain:xxx.de')!.messages, 1);
});
