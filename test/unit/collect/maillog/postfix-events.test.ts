import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePostfixText } from '../../../../src/collect/maillog/postfix-events';
import { parseSyslogLine } from '../../../../src/collect/maillog/syslog-line';

test('pickup, smtpd client with SASL, cleanup and qmgr lines (real lab lines) become events', () => {
  assert.deepEqual(parsePostfixText('0714016817F: uid=4079 from=<news2431@web274-example.de>'), {
    kind: 'pickup', queueId: '0714016817F', uid: 4079, sender: 'news2431@web274-example.de',
  });
  assert.deepEqual(
    parsePostfixText('4497A1681D9: client=93-120-196-244.dynamic.mts-nn.ru[93.120.196.244], sasl_method=LOGIN, sasl_username=kontakt@kunde-beispiel.de'),
    {
      kind: 'client', queueId: '4497A1681D9', clientName: '93-120-196-244.dynamic.mts-nn.ru', clientAddress: '93.120.196.244',
      saslMethod: 'LOGIN', saslUsername: 'kontakt@kunde-beispiel.de', origQueueId: null,
    },
  );
  assert.deepEqual(parsePostfixText('5BB4A1681FC: client=unknown[192.0.2.77]'), {
    kind: 'client', queueId: '5BB4A1681FC', clientName: 'unknown', clientAddress: '192.0.2.77', saslMethod: null, saslUsername: null, origQueueId: null,
  });
  assert.deepEqual(parsePostfixText('0714016817F: message-id=<20261128224013.0714016817F@lab.spamtrace.test>'), {
    kind: 'message-id', queueId: '0714016817F', messageId: '20261128224013.0714016817F@lab.spamtrace.test',
  });
  assert.deepEqual(parsePostfixText('5563C1681F2: from=<>, size=4226, nrcpt=1 (queue active)'), {
    kind: 'queue-active', queueId: '5563C1681F2', sender: '', size: 4226, nrcpt: 1,
  });
  assert.deepEqual(parsePostfixText('C6B1D1681F2: removed'), { kind: 'removed', queueId: 'C6B1D1681F2' });
});

test('an IPv6 client with port logging and a sasl_sender is read', () => {
  const e = parsePostfixText('4Tpmf90sf8zPjgM: client=mail.example.org[2001:db8::25]:51234, sasl_method=PLAIN, sasl_username=info@shop-example.de, sasl_sender=info@shop-example.de');
  assert.equal(e.kind, 'client');
  assert.ok(e.kind === 'client');
  assert.equal(e.queueId, '4Tpmf90sf8zPjgM');
  assert.equal(e.clientAddress, '2001:db8::25');
  assert.equal(e.saslUsername, 'info@shop-example.de');
});

test('a deferred delivery keeps recipient, relay, dsn, status and the reason with its brackets', () => {
  const e = parsePostfixText(
    '0904616817C: to=<ftamhleb@aol.com>, relay=127.0.0.1[127.0.0.1]:30025, delay=0.04, delays=0.02/0.01/0/0, dsn=4.7.1, status=deferred (host 127.0.0.1[127.0.0.1] refused to talk to me: 421 4.7.1 : (DYN:T1) http://postmaster.info.aol.com/errors/421dynt1.html)',
  );
  assert.deepEqual(e, {
    kind: 'delivery', queueId: '0904616817C', recipient: 'ftamhleb@aol.com', relay: '127.0.0.1[127.0.0.1]:30025', delay: 0.04, dsn: '4.7.1', status: 'deferred',
    reason: 'host 127.0.0.1[127.0.0.1] refused to talk to me: 421 4.7.1 : (DYN:T1) http://postmaster.info.aol.com/errors/421dynt1.html',
  });
});

test('local(8) with orig_to and error(8) with relay=none are deliveries too', () => {
  const local = parsePostfixText('9765316825E: to=<root@lab.spamtrace.test>, orig_to=<root>, relay=local, delay=0.08, delays=0.07/0.01/0/0, dsn=2.0.0, status=sent (forwarded as 9C41B168265)');
  assert.ok(local.kind === 'delivery');
  assert.equal(local.recipient, 'root@lab.spamtrace.test');
  assert.equal(local.reason, 'forwarded as 9C41B168265');
  const error = parsePostfixText('125A616818F: to=<xaqwayjoc@yahoo.com>, relay=none, delay=0.02, delays=0.01/0/0/0, dsn=4.7.0, status=deferred (delivery temporarily suspended: host 127.0.0.1[127.0.0.1] refused to talk to me: 421 4.7.0 [TSS04] Messages from 127.0.0.1 temporarily deferred)');
  assert.ok(error.kind === 'delivery');
  assert.equal(error.relay, 'none');
  assert.match(error.reason!, /^delivery temporarily suspended/);
});

test('hostile text: ">", "=", "]" and "status=" inside the reason and the address do not move the fields', () => {
  const e = parsePostfixText(
    'ABCDEF12345: to=<"a>b=c]"@evil.example>, relay=mx.evil.example[203.0.113.9]:25, delay=1, delays=0.1/0/0.5/0.4, dsn=5.0.0, status=bounced (host said: 550 <x>, relay=fake, delay=0, dsn=2.0.0, status=sent (ok) ] = > (in reply to end of DATA command))',
  );
  assert.ok(e.kind === 'delivery');
  assert.equal(e.recipient, '"a>b=c]"@evil.example');
  assert.equal(e.relay, 'mx.evil.example[203.0.113.9]:25');
  assert.equal(e.status, 'bounced');
  assert.equal(e.reason, 'host said: 550 <x>, relay=fake, delay=0, dsn=2.0.0, status=sent (ok) ] = > (in reply to end of DATA command)');
  const from = parsePostfixText('ABCDEF12345: from=<x>, size=1, nrcpt=1 (queue active)>, size=744, nrcpt=8 (queue active)');
  assert.ok(from.kind === 'queue-active');
  assert.equal(from.sender, 'x>, size=1, nrcpt=1 (queue active)');
  assert.equal(from.nrcpt, 8);
  const pickup = parsePostfixText('ABCDEF12345: uid=33 from=<a> uid=0 from=<b>');
  assert.ok(pickup.kind === 'pickup');
  assert.equal(pickup.uid, 33);
});

test('qmgr giving up is an expiry event', () => {
  assert.deepEqual(parsePostfixText('AB2C4561DA6: from=<mollie@tauernresidence.at>, status=expired, returned to sender'), {
    kind: 'expired', queueId: 'AB2C4561DA6', sender: 'mollie@tauernresidence.at', reason: 'returned to sender',
  });
});

test('SASL failures with and without the login name newer Postfix appends', () => {
  assert.deepEqual(parsePostfixText('warning: unknown[45.155.205.233]: SASL LOGIN authentication failed: authentication failure, sasl_username=kontakt@kunde-beispiel.de'), {
    kind: 'sasl-failure', clientName: 'unknown', clientAddress: '45.155.205.233', method: 'LOGIN', username: 'kontakt@kunde-beispiel.de',
  });
  assert.deepEqual(parsePostfixText('warning: unknown[1.2.3.4]: SASL LOGIN authentication failed: authentication failure'), {
    kind: 'sasl-failure', clientName: 'unknown', clientAddress: '1.2.3.4', method: 'LOGIN', username: null,
  });
  // Dovecot SASL answers with the base64 prompt; the attacker's login name may hold the marker itself
  assert.deepEqual(parsePostfixText('warning: 5-6-7-8.dyn.example[5.6.7.8]:4711: SASL PLAIN authentication failed: UGFzc3dvcmQ6, sasl_username=a, sasl_username=b]x'), {
    kind: 'sasl-failure', clientName: '5-6-7-8.dyn.example', clientAddress: '5.6.7.8', method: 'PLAIN', username: 'a, sasl_username=b]x',
  });
});

test('NOQUEUE rejects are no message; connect lines and other warnings are nothing', () => {
  assert.deepEqual(parsePostfixText('NOQUEUE: reject: RCPT from unknown[1.2.3.4]: 554 5.7.1 <a@b.c>: Relay access denied; from=<x@y> to=<a@b.c> proto=ESMTP helo=<h>'), { kind: 'noqueue' });
  assert.deepEqual(parsePostfixText('connect from unknown[127.0.0.1]'), { kind: 'other' });
  assert.deepEqual(parsePostfixText('warning: hostname x does not resolve to address 1.2.3.4'), { kind: 'other' });
  assert.deepEqual(parsePostfixText('warning: unknown[1.2.3.4]: SASL LOGIN authentication failed'), {
    kind: 'sasl-failure', clientName: 'unknown', clientAddress: '1.2.3.4', method: 'LOGIN', username: null,
  });
  assert.deepEqual(parsePostfixText('daemon started -- version 3.7.11, configuration /etc/postfix'), { kind: 'other' });
});

test('a HELO comes from the end of hold/reject lines, not from a header that imitates it', () => {
  assert.deepEqual(
    parsePostfixText('ABCDEF12345: hold: header Subject: x proto=SMTP helo=<fake> from unknown[1.2.3.4]; from=<a@b> to=<c@d> proto=ESMTP helo=<cisqyltfbn>'),
    { kind: 'helo', queueId: 'ABCDEF12345', helo: 'cisqyltfbn' },
  );
  assert.deepEqual(
    parsePostfixText('ABCDEF12345: reject: header Subject: buy from unknown[1.2.3.4]; from=<a@b> to=<c@d> proto=ESMTP helo=<bot>: 5.7.1 spam'),
    { kind: 'rejected', queueId: 'ABCDEF12345', helo: 'bot' },
  );
});

test('a 32 KiB header of repeated proto= still yields the real HELO', () => {
  // the HELO pattern must not scan `proto=\S+` across such a line (that was quadratic)
  const line = `ABCDEF12345: hold: header Subject: ${'proto='.repeat(5_400)} from=<a@b> to=<c@d> proto=ESMTP helo=<bot>`;
  assert.deepEqual(parsePostfixText(line), { kind: 'helo', queueId: 'ABCDEF12345', helo: 'bot' });
});

test('invalid queue IDs are not queue lines; a broken delivery line is counted as unreadable', () => {
  assert.deepEqual(parsePostfixText('abcdef: removed'), { kind: 'other' });
  assert.deepEqual(parsePostfixText('ABCDEF12345: to=<a@b>, status=sent'), {
    kind: 'unreadable', reason: 'a delivery line (to=<...>) without the relay/delay/status fields',
  });
});

test('syslog_name prefixes and hostnames: Postfix lines are told apart from other programs', () => {
  assert.equal(parseSyslogLine('mx1 postfix/submission/smtpd[2231]: x')!.service, 'smtpd');
  assert.equal(parseSyslogLine('mail.example.de postfix-out/smtp[7]: x')!.service, 'smtp');
  assert.equal(parseSyslogLine('lab postfix/qmgr[18578]: x')!.text, 'x');
  assert.equal(parseSyslogLine('h1 dovecot: imap-login: Login: user=<a>')!.service, null);
  assert.equal(parseSyslogLine('h1 amavis[99]: (99-01) Passed CLEAN')!.service, null);
  assert.equal(parseSyslogLine('h1 evil/thing[1]: x')!.service, null);
  assert.equal(parseSyslogLine('no program here'), null);
});
