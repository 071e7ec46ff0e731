import { test } from 'node:test';
import assert from 'node:assert/strict';
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { collectMailLog, streamMailLog } from '../../../../src/collect/maillog/maillog-collector';
import { SkipTally } from '../../../../src/collect/skip-tally';
import { LocalHost } from '../../../../src/host/local-host';
import { readMaillogFixture, tempLogDir, writeLog } from './maillog-files';

const host = new LocalHost('test');
const NOW = new Date(2026, 10, 29, 12, 0, 0);

async function readLab(options: { since?: Date; until?: Date } = {}) {
  const t = tempLogDir();
  try {
    const path = writeLog(t.dir, 'mail.log', readMaillogFixture('lab-mixed.mail.log'), new Date(2026, 10, 28, 22, 41));
    const skipped = new SkipTally();
    const r = await collectMailLog(host, { paths: [path], now: NOW, ...options }, skipped);
    return { ...r, skipped, path };
  } finally {
    t.cleanup();
  }
}

test('the lab mail log: a PHP spam message is joined from pickup, cleanup, qmgr and smtp lines', async () => {
  const r = await readLab();
  const m = r.messages.find((x) => x.queueId === '0714016817F')!;
  assert.equal(m.pickupUid, 4079);
  assert.equal(m.sender, 'news2431@web274-example.de');
  assert.equal(m.messageId, '20261128224013.0714016817F@lab.spamtrace.test');
  assert.equal(m.size, 624);
  assert.equal(m.nrcpt, 1);
  assert.equal(m.clientAddress, null);
  assert.equal(m.firstSeen.getTime(), new Date(2026, 10, 28, 22, 40, 13).getTime());
  assert.equal(m.deliveries.length, 1);
  assert.equal(m.deliveries[0]!.recipient, 'fdquithww@yahoo.com');
  assert.equal(m.deliveries[0]!.status, 'deferred');
  assert.equal(m.deliveries[0]!.dsn, '4.7.0');
  assert.match(m.deliveries[0]!.reason!, /\[TSS04\]/);
  assert.equal(m.removed, false);
  assert.equal(m.file, r.path);
  assert.ok(m.line > 0);
  assert.deepEqual(r.skipped.list(), []);
});

test('the lab mail log: the stolen login, its bounce, the newsletter and the cron forward', async () => {
  const r = await readLab();
  const byId = new Map(r.messages.map((m) => [m.queueId, m]));
  const login = byId.get('4497A1681D9')!;
  assert.equal(login.saslUsername, 'kontakt@kunde-beispiel.de');
  assert.equal(login.saslMethod, 'LOGIN');
  assert.equal(login.clientAddress, '93.120.196.244');
  assert.equal(login.clientName, '93-120-196-244.dynamic.mts-nn.ru');
  assert.equal(login.deliveries.length, 8);
  assert.deepEqual(count(login.deliveries.map((d) => d.status)), { bounced: 2, deferred: 6 });

  const bounce = byId.get('5563C1681F2')!;
  assert.equal(bounce.sender, '');
  assert.equal(bounce.removed, true);

  const news = byId.get('7487B16822C')!;
  assert.equal(news.pickupUid, 10002);
  assert.equal(news.nrcpt, 50);
  assert.deepEqual(count(news.deliveries.map((d) => d.status)), { sent: 30, deferred: 15, bounced: 5 });

  const cron = byId.get('9765316825E')!;
  assert.equal(cron.pickupUid, 0);
  assert.equal(cron.removed, true);
  const copy = byId.get('9C41B168265')!;
  assert.deepEqual(copy.resentFrom, { queueId: '9765316825E', via: 'forward' });
  assert.equal(copy.pickupUid, 0, 'the forwarded copy is counted under the original submitter');
  assert.equal(copy.sender, 'root@lab.spamtrace.test');

  assert.equal(byId.get('5BB4A1681FC')!.clientAddress, '192.0.2.77');
  assert.equal(byId.get('8C923168244')!.clientAddress, '127.0.0.1');
  assert.equal(r.messages.length, 8);
});

test('the lab mail log: five SASL LOGIN failures with the login name Postfix 3.7 appends', async () => {
  const r = await readLab();
  assert.equal(r.saslFailures.length, 5);
  const f = r.saslFailures[0]!;
  assert.deepEqual({ ...f, time: f.time.getTime(), file: undefined }, {
    time: new Date(2026, 10, 28, 22, 40, 13).getTime(),
    clientAddress: '45.155.205.233',
    clientName: 'unknown',
    method: 'LOGIN',
    username: 'kontakt@kunde-beispiel.de',
    file: undefined,
    line: f.line,
  });
});

test('rotated .2.gz, .1 and the live file are read oldest first; a message split across two files is one message, across New Year', async () => {
  const t = tempLogDir();
  try {
    writeLog(t.dir, 'mail.log.2.gz', [
      'Dec 31 23:58:00 mx postfix/pickup[100]: 3F1A22C0B1E: uid=4079 from=<a@web274-example.de>',
      'Dec 31 23:58:00 mx postfix/cleanup[101]: 3F1A22C0B1E: message-id=<x@y>',
      'Dec 31 23:58:00 mx postfix/qmgr[102]: 3F1A22C0B1E: from=<a@web274-example.de>, size=700, nrcpt=1 (queue active)',
      'Dec 31 23:58:01 mx postfix/smtp[103]: 3F1A22C0B1E: to=<b@aol.com>, relay=mx.aol.com[64.12.88.163]:25, delay=1, delays=0/0/1/0, dsn=4.7.1, status=deferred (host mx.aol.com[64.12.88.163] refused to talk to me: 421 4.7.1 : (DYN:T1))',
    ], new Date(2024, 11, 31, 23, 59, 0));
    writeLog(t.dir, 'mail.log.1', [
      'Dec 31 23:59:59 mx postfix/anvil[9]: statistics: max connection rate 1/60s',
      'Jan  1 00:30:00 mx postfix/qmgr[102]: 3F1A22C0B1E: from=<a@web274-example.de>, size=700, nrcpt=1 (queue active)',
      'Jan  1 00:30:01 mx postfix/smtp[104]: 3F1A22C0B1E: to=<b@aol.com>, relay=mx.aol.com[64.12.88.163]:25, delay=1921, delays=1920/0/1/0, dsn=2.0.0, status=sent (250 ok)',
      'Jan  1 00:30:01 mx postfix/qmgr[102]: 3F1A22C0B1E: removed',
    ], new Date(2025, 0, 1, 6, 25, 0));
    writeLog(t.dir, 'mail.log', ['Jan  2 08:00:00 mx postfix/master[1]: daemon started -- version 3.7.11, configuration /etc/postfix'], new Date(2025, 0, 2, 8, 0, 0));
    const r = await collectMailLog(host, { paths: [join(t.dir, 'mail.log')], now: new Date(2025, 0, 2, 9) }, new SkipTally());
    assert.deepEqual(r.files.map((f) => [f.path.slice(t.dir.length + 1), f.read, f.lines]), [['mail.log.2.gz', true, 4], ['mail.log.1', true, 4], ['mail.log', true, 1]]);
    assert.equal(r.messages.length, 1);
    const m = r.messages[0]!;
    assert.equal(m.firstSeen.getTime(), new Date(2024, 11, 31, 23, 58, 0).getTime());
    assert.equal(m.lastSeen.getTime(), new Date(2025, 0, 1, 0, 30, 1).getTime());
    assert.ok(m.file.endsWith('mail.log.2.gz'));
    assert.equal(m.line, 1);
    assert.deepEqual(m.deliveries.map((d) => d.status), ['deferred', 'sent']);
    assert.equal(m.removed, true);
  } finally {
    t.cleanup();
  }
});

test('RFC 3339 lines and syslog_name prefixes (postfix/submission/smtpd, postfix-out/smtp) on RHEL\'s maillog', async () => {
  const t = tempLogDir();
  try {
    const path = writeLog(t.dir, 'maillog', [
      '2024-02-05T09:02:09.123456+01:00 web01.hoster.example postfix/submission/smtpd[2231]: 5942C8948326: client=93-120-196-244.dynamic.mts-nn.ru[93.120.196.244], sasl_method=LOGIN, sasl_username=kontakt@xxx.de',
      '2024-02-05T09:02:09.200000+01:00 web01 postfix/cleanup[2232]: 5942C8948326: message-id=<abc@xxx.de>',
      '2024-02-05T09:02:09.300000+01:00 web01 postfix-out/qmgr[2233]: 5942C8948326: from=<kontakt@xxx.de>, size=1210, nrcpt=2 (queue active)',
      '2024-02-05T09:02:10.000000+01:00 web01 postfix-out/smtp[2234]: 5942C8948326: to=<a@gmail.com>, relay=gmail-smtp-in.l.google.com[142.250.1.27]:25, delay=0.9, delays=0.1/0/0.3/0.5, dsn=4.7.28, status=deferred (host gmail-smtp-in.l.google.com[142.250.1.27] said: 421-4.7.28 unusual rate of unsolicited mail (in reply to end of DATA command))',
      '2024-02-05T09:02:10.000000+01:00 web01 postfix-out/smtp[2234]: 5942C8948326: to=<b@yahoo.com>, relay=mta5.am0.yahoodns.net[67.195.204.72]:25, delay=0.9, delays=0.1/0/0.3/0.5, dsn=4.7.0, status=deferred (host mta5.am0.yahoodns.net[67.195.204.72] refused to talk to me: 421 4.7.0 [TSS04] Messages from 1.2.3.4 temporarily deferred)',
    ], new Date(2024, 1, 5, 12));
    const r = await collectMailLog(host, { paths: [path], now: new Date(2024, 1, 6) }, new SkipTally());
    const m = r.messages[0]!;
    assert.equal(m.firstSeen.toISOString(), '2024-02-05T08:02:09.123Z');
    assert.equal(m.saslUsername, 'kontakt@xxx.de');
    assert.equal(m.sender, 'kontakt@xxx.de');
    assert.deepEqual(m.deliveries.map((d) => d.dsn), ['4.7.28', '4.7.0']);
  } finally {
    t.cleanup();
  }
});

test('syslog lines with space-padded days from rsyslog, and a deferral retried hourly keeps only its latest attempt', async () => {
  const t = tempLogDir();
  try {
    const lines = ['Feb  5 09:02:09 mx postfix/pickup[1]: AB2C4561DA6: uid=4079 from=<mollie@web274-example.de>'];
    for (let h = 9; h < 20; h++) {
      lines.push(`Feb  5 ${String(h).padStart(2, '0')}:30:00 mx postfix/smtp[2]: AB2C4561DA6: to=<mbarney555@aol.com>, relay=mailin-03.mx.aol.com[64.12.88.163]:25, delay=${(h - 9) * 3600 + 1700}, delays=0/0/0/0, dsn=4.7.1, status=deferred (host mailin-03.mx.aol.com[64.12.88.163] refused to talk to me: 421 4.7.1 : (DYN:T1) attempt ${h})`);
    }
    const path = writeLog(t.dir, 'mail.log', lines, new Date(2024, 1, 5, 20));
    const r = await collectMailLog(host, { paths: [path], now: new Date(2024, 1, 6) }, new SkipTally());
    const m = r.messages[0]!;
    assert.equal(m.firstSeen.getTime(), new Date(2024, 1, 5, 9, 2, 9).getTime());
    assert.equal(m.deliveries.length, 1);
    assert.match(m.deliveries[0]!.reason!, /attempt 19$/);
  } finally {
    t.cleanup();
  }
});

test('junk, other programs, NOQUEUE rejects and cut lines are counted, never fatal', async () => {
  const t = tempLogDir();
  try {
    const path = writeLog(t.dir, 'mail.log', [
      'Feb  5 09:00:00 mx postfix/pickup[1]: AB2C4561DA6: uid=33 from=<www-data@shop-example.de>',
      '',
      '\u0000\u0001binary garbage \u00ff',
      'Feb  5 09:00:01 mx dovecot: imap-login: Login: user=<info@shop-example.de>, method=PLAIN, rip=1.2.3.4',
      'Feb  5 09:00:02 mx postfix/smtpd[5]: NOQUEUE: reject: RCPT from unknown[1.2.3.4]: 554 5.7.1 <x@y.z>: Relay access denied; from=<a@b> to=<x@y.z> proto=ESMTP helo=<h>',
      'Feb  5 09:00:03 mx postfix/smtp[6]: AB2C4561DA6: to=<broken',
      'Feb 30 09:00:03 mx postfix/qmgr[6]: AB2C4561DA6: removed',
      'Feb  5 09:00:04',
      `Feb  5 09:00:05 mx postfix/cleanup[7]: AB2C4561DA6: message-id=<${'x'.repeat(3000)}>`,
      'Feb  5 09:00:06 mx postfix/qmgr[8]: AB2C4561DA6: removed',
    ], new Date(2024, 1, 5, 10));
    const skipped = new SkipTally();
    const r = await collectMailLog(host, { paths: [path], now: new Date(2024, 1, 6), maxLineBytes: 1000 }, skipped);
    assert.equal(r.messages.length, 1);
    assert.equal(r.messages[0]!.pickupUid, 33);
    assert.equal(r.messages[0]!.removed, true);
    assert.ok(r.messages[0]!.messageId!.length <= 1000);
    assert.deepEqual(Object.fromEntries(skipped.list().map((s) => [s.reason, s.count])), {
      empty: 1,
      'no syslog or RFC 3339 timestamp': 2,
      'from another program than Postfix': 1,
      'NOQUEUE: an attempt Postfix refused, no message': 1,
      'a delivery line (to=<...>) without the relay/delay/status fields': 1,
      'a date that does not exist': 1,
      'longer than 1000 bytes: read cut': 1,
    });
  } finally {
    t.cleanup();
  }
});

test('the window: old files are not read, messages are kept by arrival, lines after "until" still complete them', async () => {
  const t = tempLogDir();
  try {
    writeLog(t.dir, 'mail.log.1', ['Feb  4 10:00:00 mx postfix/pickup[1]: 1111111111A: uid=1 from=<old@x.de>'], new Date(2024, 1, 4, 11));
    const path = writeLog(t.dir, 'mail.log', [
      // arrived before the window, removed inside it: dropped
      'Feb  5 08:00:00 mx postfix/pickup[1]: 2222222222A: uid=2 from=<before@x.de>',
      'Feb  5 09:30:00 mx postfix/qmgr[2]: 2222222222A: removed',
      // arrived inside, delivered after "until": kept with that delivery
      'Feb  5 10:00:00 mx postfix/pickup[1]: 3333333333A: uid=3 from=<inside@x.de>',
      'Feb  5 10:00:00 mx postfix/smtpd[3]: warning: unknown[1.2.3.4]: SASL LOGIN authentication failed: authentication failure',
      'Feb  5 12:30:00 mx postfix/smtp[4]: 3333333333A: to=<r@aol.com>, relay=none, delay=9000, delays=9000/0/0/0, dsn=4.7.1, status=deferred (later)',
      // arrived after "until": dropped, and so is the late SASL failure
      'Feb  5 12:30:00 mx postfix/pickup[1]: 4444444444A: uid=4 from=<after@x.de>',
      'Feb  5 12:30:01 mx postfix/smtpd[3]: warning: unknown[1.2.3.4]: SASL LOGIN authentication failed: authentication failure',
      // only its retries are in the log: delay= puts its arrival 5 hours back, before the window
      'Feb  5 10:00:00 mx postfix/smtp[4]: 5555555555A: to=<r@aol.com>, relay=none, delay=18000, delays=18000/0/0/0, dsn=4.7.1, status=deferred (old)',
    ], new Date(2024, 1, 5, 13));
    const r = await collectMailLog(host, { paths: [path], now: new Date(2024, 1, 6), since: new Date(2024, 1, 5, 9), until: new Date(2024, 1, 5, 12) }, new SkipTally());
    assert.deepEqual(r.files.map((f) => [f.read, f.why ?? null]), [[false, 'last written before the window starts'], [true, null]]);
    assert.deepEqual(r.messages.map((m) => m.queueId), ['3333333333A']);
    assert.equal(r.messages[0]!.deliveries[0]!.reason, 'later');
    assert.equal(r.saslFailures.length, 1);
  } finally {
    t.cleanup();
  }
});

test('a message of which only "removed" is in the log is counted as skipped, not reported', async () => {
  const t = tempLogDir();
  try {
    const path = writeLog(t.dir, 'mail.log', ['Feb  5 00:00:01 mx postfix/qmgr[2]: AB2C4561DA6: removed'], new Date(2024, 1, 5, 10));
    const skipped = new SkipTally();
    const r = await collectMailLog(host, { paths: [path], now: new Date(2024, 1, 6) }, skipped);
    assert.equal(r.messages.length, 0);
    assert.deepEqual(skipped.list(), [{ what: 'mail log message', reason: 'only its last lines are in the log (it arrived before the oldest line read)', count: 1 }]);
  } finally {
    t.cleanup();
  }
});

test('a reused queue ID after "removed" starts a new message', async () => {
  const t = tempLogDir();
  try {
    const path = writeLog(t.dir, 'mail.log', [
      'Feb  5 09:00:00 mx postfix/pickup[1]: AB2C4561DA6: uid=10 from=<a@x.de>',
      'Feb  5 09:00:01 mx postfix/qmgr[2]: AB2C4561DA6: removed',
      'Feb  5 09:10:00 mx postfix/smtpd[3]: AB2C4561DA6: client=unknown[192.0.2.77]',
      'Feb  5 09:10:01 mx postfix/qmgr[2]: AB2C4561DA6: from=<b@y.de>, size=1, nrcpt=1 (queue active)',
    ], new Date(2024, 1, 5, 10));
    const r = await collectMailLog(host, { paths: [path], now: new Date(2024, 1, 6) }, new SkipTally());
    assert.deepEqual(r.messages.map((m) => [m.pickupUid, m.clientAddress, m.sender, m.removed]), [[10, null, 'a@x.de', true], [null, '192.0.2.77', 'b@y.de', false]]);
  } finally {
    t.cleanup();
  }
});

test('a content filter on loopback: the re-injected copy is counted once, under the login that sent the original', async () => {
  const t = tempLogDir();
  try {
    const path = writeLog(t.dir, 'mail.log', [
      'Feb  5 09:00:00 mx postfix/submission/smtpd[1]: 1A2B3C4D5E6: client=bot.example[203.0.113.5], sasl_method=PLAIN, sasl_username=info@shop-example.de',
      'Feb  5 09:00:00 mx postfix/qmgr[2]: 1A2B3C4D5E6: from=<info@shop-example.de>, size=900, nrcpt=1 (queue active)',
      'Feb  5 09:00:01 mx postfix/smtpd[3]: 7F8E9D0C1B2: client=localhost[127.0.0.1]',
      'Feb  5 09:00:01 mx postfix/qmgr[2]: 7F8E9D0C1B2: from=<info@shop-example.de>, size=1400, nrcpt=1 (queue active)',
      'Feb  5 09:00:01 mx postfix/smtp[4]: 1A2B3C4D5E6: to=<v@gmail.com>, relay=127.0.0.1[127.0.0.1]:10024, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as 7F8E9D0C1B2)',
      'Feb  5 09:00:01 mx postfix/qmgr[2]: 1A2B3C4D5E6: removed',
      'Feb  5 09:00:02 mx postfix/smtp[5]: 7F8E9D0C1B2: to=<v@gmail.com>, relay=gmail-smtp-in.l.google.com[142.250.1.27]:25, delay=1, delays=0/0/0/1, dsn=4.7.0, status=deferred (421-4.7.0 unusual rate of unsolicited mail)',
    ], new Date(2024, 1, 5, 10));
    const skipped = new SkipTally();
    const r = await collectMailLog(host, { paths: [path], now: new Date(2024, 1, 6) }, skipped);
    assert.equal(r.messages.length, 1);
    const m = r.messages[0]!;
    assert.equal(m.queueId, '7F8E9D0C1B2');
    assert.equal(m.saslUsername, 'info@shop-example.de');
    assert.equal(m.clientAddress, '203.0.113.5');
    assert.deepEqual(m.resentFrom, { queueId: '1A2B3C4D5E6', via: 'content-filter' });
    assert.deepEqual(skipped.list(), [{ what: 'mail log message', reason: 'passed through a content filter: counted once, as the copy it re-injected', count: 1 }]);
  } finally {
    t.cleanup();
  }
});

test('Plesk\'s maillog linked to /var/log/maillog is read once; a path that does not exist is listed', async () => {
  const t = tempLogDir();
  try {
    const real = writeLog(t.dir, 'maillog', ['Feb  5 09:00:00 mx postfix/pickup[1]: AB2C4561DA6: uid=10 from=<a@x.de>'], new Date(2024, 1, 5, 10));
    const link = join(t.dir, 'psa-maillog');
    symlinkSync(real, link);
    const skipped = new SkipTally();
    const r = await collectMailLog(host, { paths: [real, link, join(t.dir, 'missing.log')], now: new Date(2024, 1, 6) }, skipped);
    assert.equal(r.messages.length, 1);
    assert.deepEqual(r.files.map((f) => [f.read, f.why ?? null]), [[true, null], [false, `the same log as ${real}`], [false, 'not found (or not a file)']]);
  } finally {
    t.cleanup();
  }
});

test('a truncated .gz rotation yields the lines it held and says it was not read to the end', async () => {
  const t = tempLogDir();
  try {
    const lines: string[] = [];
    for (let i = 0; i < 2000; i++) lines.push(`Feb  5 09:00:00 mx postfix/pickup[1]: ${(0xa0000 + i).toString(16).toUpperCase()}1: uid=${i} from=<a${i}@x.de>`);
    const gz = gzipSync(Buffer.from(lines.join('\n') + '\n'));
    writeFileSync(join(t.dir, 'mail.log.1.gz'), gz.subarray(0, Math.floor(gz.length * 0.6)));
    const skipped = new SkipTally();
    const r = await collectMailLog(host, { paths: [join(t.dir, 'mail.log')], now: new Date(2024, 1, 6) }, skipped);
    const f = r.files[0]!;
    assert.equal(f.read, true);
    assert.match(f.why!, /^read error after \d+ lines/);
    assert.ok(r.messages.length > 100 && r.messages.length < 2000, String(r.messages.length));
    assert.deepEqual(skipped.list(), [{ what: 'mail log file', reason: 'could not be read to the end', count: 1 }]);
  } finally {
    t.cleanup();
  }
});

test('streaming: removed messages come out while the file is still being read, and memory stays flat', async () => {
  const t = tempLogDir();
  try {
    const n = 30_000;
    const lines: string[] = [];
    for (let i = 0; i < n; i++) {
      const id = (0x100000 + i).toString(16).toUpperCase() + 'A';
      const mm = String(Math.floor(i / 600) % 60).padStart(2, '0');
      const ss = String(Math.floor(i / 10) % 60).padStart(2, '0');
      const time = `Feb  5 10:${mm}:${ss}`;
      lines.push(`${time} mx postfix/pickup[1]: ${id}: uid=4079 from=<s${i}@web274-example.de>`);
      lines.push(`${time} mx postfix/qmgr[2]: ${id}: from=<s${i}@web274-example.de>, size=700, nrcpt=1 (queue active)`);
      lines.push(`${time} mx postfix/smtp[3]: ${id}: to=<r${i}@gmx.de>, relay=mx00.emig.gmx.net[212.227.15.9]:25, delay=0.3, delays=0/0/0.1/0.2, dsn=2.0.0, status=sent (250 Requested mail action okay, completed)`);
      lines.push(`${time} mx postfix/qmgr[2]: ${id}: removed`);
    }
    const path = writeLog(t.dir, 'mail.log', lines, new Date(2024, 1, 5, 11));
    let before = 0;
    let total = 0;
    let fileDone = false;
    for await (const e of streamMailLog(host, { paths: [path], now: new Date(2024, 1, 6) }, new SkipTally())) {
      if (e.kind === 'file') fileDone = true;
      if (e.kind === 'message') {
        total += 1;
        if (!fileDone) before += 1;
      }
    }
    assert.equal(total, n);
    // everything removed more than the linger time before the last line was handed out early
    assert.ok(before > n * 0.8, `${before} of ${n} before the end of the file`);
  } finally {
    t.cleanup();
  }
});

function count(xs: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}
