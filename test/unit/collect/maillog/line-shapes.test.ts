/**
 * Every line shape a current Postfix writes, read field by field (fixture
 * line-shapes.mail.log, our own lines in each shape; sources in postfix-events.ts).
 * Regression tests for issue 13: each of these lines was lost or misread before.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectMailLog } from '../../../../src/collect/maillog/maillog-collector';
import { parseMailLogLine } from '../../../../src/collect/maillog/log-line';
import { parsePostfixText } from '../../../../src/collect/maillog/postfix-events';
import { parsePostfixLogSettings, readPostfixLogSettings } from '../../../../src/collect/maillog/postfix-log-settings';
import { discoverLogFiles } from '../../../../src/collect/maillog/log-files';
import { YearClock } from '../../../../src/collect/maillog/timestamp';
import { SkipTally } from '../../../../src/collect/skip-tally';
import { LocalHost } from '../../../../src/host/local-host';
import { FakeHost } from '../fake-host';
import { readMaillogFixture, tempLogDir, writeLog } from './maillog-files';

const host = new LocalHost('test');

test("Postfix 3.11's tls= field does not hide a delivery (log_adhoc.c, RELEASE_NOTES-3.11)", () => {
  const e = parsePostfixText('3F1A2B4C5D6: to=<kunde@example.org>, relay=mx.example.org[203.0.113.25]:25, delay=0.9, delays=0.02/0.01/0.73/0.14, tls=dane, dsn=2.1.5, status=sent (250 2.1.5 Ok)');
  assert.deepEqual(e, {
    kind: 'delivery', queueId: '3F1A2B4C5D6', recipient: 'kunde@example.org', relay: 'mx.example.org[203.0.113.25]:25', delay: 0.9, dsn: '2.1.5', status: 'sent', reason: '250 2.1.5 Ok',
  });
  const downgraded = parsePostfixText('7A8B9C0D1E2: to=<b@example.com>, relay=mx.example.com[192.0.2.30]:25, conn_use=2, delay=2.2, delays=0.1/0/1.6/0.5, tls=!dane/requiretls?, dsn=4.7.5, status=deferred (TLS is required)');
  assert.ok(downgraded.kind === 'delivery');
  assert.equal(downgraded.status, 'deferred');
  assert.equal(downgraded.dsn, '4.7.5');
});

test('postsuper -e: status=force-expired is an expiry (qmgr_active.c, RELEASE_NOTES-3.5)', () => {
  assert.deepEqual(parsePostfixText('9C8D7E6F5A4: from=<newsletter@example.de>, status=force-expired, returned to sender'), {
    kind: 'expired', queueId: '9C8D7E6F5A4', sender: 'newsletter@example.de', reason: 'returned to sender',
  });
});

test('a SASL failure with an empty reason, its trailing space trimmed by a log shipper, is still a failure', () => {
  assert.deepEqual(parsePostfixText('warning: unknown[45.155.205.233]: SASL PLAIN authentication failed:'), {
    kind: 'sasl-failure', clientName: 'unknown', clientAddress: '45.155.205.233', method: 'PLAIN', username: null,
  });
  assert.deepEqual(parsePostfixText('warning: unknown[45.155.205.233]: SASL PLAIN authentication failed: '), {
    kind: 'sasl-failure', clientName: 'unknown', clientAddress: '45.155.205.233', method: 'PLAIN', username: null,
  });
});

test('sasl_username=(unavailable) names nobody (smtpd_sasl_glue.c)', () => {
  const e = parsePostfixText('warning: unknown[45.155.205.233]: SASL LOGIN authentication failed: UGFzc3dvcmQ6, sasl_username=(unavailable)');
  assert.ok(e.kind === 'sasl-failure');
  assert.equal(e.username, null);
});

test('a milter rejecting at DATA rejects the message; at RCPT only one recipient (smtpd.c, cleanup_milter.c)', () => {
  assert.deepEqual(
    parsePostfixText('1B2C3D4E5F6: milter-reject: DATA from unknown[203.0.113.99]: 550 5.7.1 Command rejected; from=<x@spam.example> to=<info@example.de> proto=ESMTP helo=<vbnmzxqw>'),
    { kind: 'rejected', queueId: '1B2C3D4E5F6', helo: 'vbnmzxqw' },
  );
  assert.deepEqual(
    parsePostfixText('1B2C3D4E5F6: milter-reject: END-OF-MESSAGE from unknown[203.0.113.99]: 4.7.1 try later; from=<x@spam.example> to=<info@example.de> proto=ESMTP helo=<h.example>'),
    { kind: 'rejected', queueId: '1B2C3D4E5F6', helo: 'h.example' },
  );
  assert.deepEqual(
    parsePostfixText('1B2C3D4E5F6: milter-reject: RCPT from unknown[203.0.113.99]: 550 5.1.1 no such user; from=<x@spam.example> to=<nobody@example.de> proto=ESMTP helo=<h.example>'),
    { kind: 'helo', queueId: '1B2C3D4E5F6', helo: 'h.example' },
  );
});

test('a delivery whose to= lost its angle brackets is counted as unreadable, not dropped', () => {
  const e = parsePostfixText('2C3D4E5F6A7: to=root@example.de, relay=local, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (delivered to mailbox)');
  assert.deepEqual(e, { kind: 'unreadable', reason: 'a delivery line whose to= address is not in angle brackets' });
});

test('the whole shapes fixture: every message, both failures, and the one unreadable line counted', async () => {
  const t = tempLogDir();
  try {
    const path = writeLog(t.dir, 'mail.log', readMaillogFixture('line-shapes.mail.log'), new Date(2026, 2, 3, 11));
    const skipped = new SkipTally();
    const r = await collectMailLog(host, { paths: [path], now: new Date(2026, 2, 4) }, skipped);
    const byId = new Map(r.messages.map((m) => [m.queueId, m]));
    assert.deepEqual([...byId.keys()].sort(), ['1B2C3D4E5F6', '3F1A2B4C5D6', '7A8B9C0D1E2', '9C8D7E6F5A4']);
    assert.deepEqual(byId.get('3F1A2B4C5D6')!.deliveries.map((d) => d.status), ['sent']);
    assert.deepEqual(byId.get('7A8B9C0D1E2')!.deliveries.map((d) => d.status), ['sent', 'deferred']);
    assert.equal(byId.get('7A8B9C0D1E2')!.saslUsername, 'buero@example.de');
    assert.equal(byId.get('9C8D7E6F5A4')!.sender, 'newsletter@example.de');
    assert.equal(byId.get('1B2C3D4E5F6')!.helo, 'vbnmzxqw');
    assert.equal(r.saslFailures.length, 2);
    assert.deepEqual(skipped.list(), [{ what: 'mail log line', count: 1, reason: 'a delivery line whose to= address is not in angle brackets' }]);
  } finally {
    t.cleanup();
  }
});

test('two complete messages with one reused short queue ID a day apart stay two messages', async () => {
  const t = tempLogDir();
  const lines = (day: string, to: string) => [
    `Mar ${day} 09:00:00 web1 postfix/pickup[100]: 4B5C6D7E8F9: uid=4079 from=<info@example.de>`,
    `Mar ${day} 09:00:00 web1 postfix/cleanup[101]: 4B5C6D7E8F9: message-id=<${day}@example.de>`,
    `Mar ${day} 09:00:00 web1 postfix/qmgr[102]: 4B5C6D7E8F9: from=<info@example.de>, size=900, nrcpt=1 (queue active)`,
    `Mar ${day} 09:00:01 web1 postfix/smtp[103]: 4B5C6D7E8F9: to=<${to}>, relay=mx.example.com[192.0.2.30]:25, delay=1, delays=0/0/0.5/0.5, dsn=2.0.0, status=sent (250 ok)`,
    `Mar ${day} 09:00:01 web1 postfix/qmgr[102]: 4B5C6D7E8F9: removed`,
  ];
  try {
    const path = writeLog(t.dir, 'mail.log', [...lines('03', 'a@example.com'), ...lines('04', 'b@example.com')], new Date(2026, 2, 4, 10));
    const r = await collectMailLog(host, { paths: [path], now: new Date(2026, 2, 5) }, new SkipTally());
    assert.equal(r.messages.length, 2);
    assert.deepEqual(r.messages.map((m) => m.deliveries[0]!.recipient), ['a@example.com', 'b@example.com']);
  } finally {
    t.cleanup();
  }
});

test("postconf's maillog_file is read first when no path is given, and syslog_name is asked for", async () => {
  const t = tempLogDir();
  try {
    const path = writeLog(t.dir, 'postfix.log', readMaillogFixture('line-shapes.mail.log'), new Date(2026, 2, 3, 11));
    const fake = new FakeHost((program, args) => (program === 'postconf' && args.join(' ') === '-x maillog_file syslog_name' ? { stdout: `maillog_file = ${path}\nsyslog_name = postfix\n` } : { code: 1 }));
    const settings = await readPostfixLogSettings(fake);
    assert.deepEqual(settings, { maillogFile: path, syslogName: 'postfix' });
    const r = await collectMailLog(fake, { now: new Date(2026, 2, 4), postfix: settings }, new SkipTally());
    assert.equal(r.files[0]!.path, path);
    assert.equal(r.files[0]!.read, true);
    // the syslog defaults (/var/log/mail.log ...) come after it, when this machine has them
    assert.equal(r.messages.filter((m) => m.file === path).length, 4);
  } finally {
    t.cleanup();
  }
});

test('postconf answers: unset, /dev/stdout and odd values give no file; a host without postconf gives nothing', async () => {
  assert.deepEqual(parsePostfixLogSettings('\npostfix\n'), { maillogFile: null, syslogName: 'postfix' });
  assert.deepEqual(parsePostfixLogSettings('/dev/stdout\npostfix-out\n'), { maillogFile: null, syslogName: 'postfix-out' });
  assert.deepEqual(parsePostfixLogSettings('/var/log/../etc/shadow\npost fix\n'), { maillogFile: null, syslogName: null });
  const none = new FakeHost(() => ({ spawnError: { code: 'ENOENT', message: 'not found' } }));
  assert.deepEqual(await readPostfixLogSettings(none), { maillogFile: null, syslogName: null });
  assert.deepEqual(none.calls.map((c) => c.program), ['postconf', '/usr/sbin/postconf']);
});

test("a program under this Postfix's syslog_name is Postfix's even when the daemon is not in our list", () => {
  const clock = new YearClock();
  clock.startFile(new Date(2026, 2, 4));
  const line = 'Mar 03 10:00:01 mx1 mta/newdaemon[9]: 3F1A2B4C5D6: client=mail.example.net[198.51.100.20]';
  assert.deepEqual(parseMailLogLine(line, clock), { kind: 'skip', reason: 'from another program than Postfix' });
  const p = parseMailLogLine(line, clock, 'mta');
  assert.ok(p.kind === 'event');
  assert.equal(p.service, 'newdaemon');
  assert.equal(p.event.kind, 'client');
});

test("Postfix's own maillog_file rotations (.YYYYMMDD-HHMMSS.gz) are found and read oldest first", async () => {
  const t = tempLogDir();
  try {
    writeLog(t.dir, 'postfix.log', ['x'], new Date(2026, 2, 5));
    writeLog(t.dir, 'postfix.log.20260304-000001.gz', ['x'], new Date(2026, 2, 4));
    writeLog(t.dir, 'postfix.log.20260303-000001.gz', ['x'], new Date(2026, 2, 3));
    const files = await discoverLogFiles(host, `${t.dir}/postfix.log`);
    assert.deepEqual(files.map((f) => f.path.slice(t.dir.length + 1)), ['postfix.log.20260303-000001.gz', 'postfix.log.20260304-000001.gz', 'postfix.log']);
  } finally {
    t.cleanup();
  }
});
