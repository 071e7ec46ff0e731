import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_ATTRIBUTES, MAX_LINE, PolicyParser } from '../../../../src/watch/policy/policy-protocol';

// an END-OF-MESSAGE request as Postfix 3.7's smtpd sends it (SMTPD_POLICY_README, attribute list)
const EOM = [
  'request=smtpd_access_policy',
  'protocol_state=END-OF-MESSAGE',
  'protocol_name=ESMTP',
  'client_address=127.0.0.1',
  'client_name=localhost',
  'client_port=54321',
  'reverse_client_name=localhost',
  'server_address=127.0.0.1',
  'server_port=25',
  'helo_name=localhost',
  'sender=info@shop-example.de',
  'recipient=',
  'recipient_count=3',
  'queue_id=4F1A22C0B5',
  'instance=1a2b.65f0c1d2.3e4f5.0',
  'size=812',
  'etrn_domain=',
  'stress=',
  'sasl_method=',
  'sasl_username=',
  'sasl_sender=',
  'ccert_subject=',
  'policy_context=',
  'compatibility_level=3.6',
  'mail_version=3.7.11',
  '',
  '',
].join('\n');

test('a request is its name=value lines up to the empty line; only the attributes we use are kept', () => {
  const [r, ...more] = new PolicyParser().feed(EOM);
  assert.equal(more.length, 0);
  assert.equal(r!.damaged, 0);
  assert.equal(r!.attrs.get('protocol_state'), 'END-OF-MESSAGE');
  assert.equal(r!.attrs.get('client_port'), '54321');
  assert.equal(r!.attrs.get('server_port'), '25');
  assert.equal(r!.attrs.get('queue_id'), '4F1A22C0B5');
  assert.equal(r!.attrs.get('sasl_username'), '');
  assert.equal(r!.attrs.has('helo_name'), false, 'unknown and unused attributes are ignored');
});

test('requests split anywhere across reads, with CRLF, come out whole and in order', () => {
  const p = new PolicyParser();
  const two = EOM.replace('queue_id=4F1A22C0B5', 'queue_id=AAAAAA1') + EOM.replace(/\n/g, '\r\n');
  const out = [];
  for (let i = 0; i < two.length; i += 7) out.push(...p.feed(Buffer.from(two.slice(i, i + 7), 'latin1')));
  assert.deepEqual(out.map((r) => r.attrs.get('queue_id')), ['AAAAAA1', '4F1A22C0B5']);
});

test('a repeated attribute keeps its first value', () => {
  const [r] = new PolicyParser().feed('request=smtpd_access_policy\nclient_address=127.0.0.1\nclient_address=10.0.0.1\n\n');
  assert.equal(r!.attrs.get('client_address'), '127.0.0.1');
});

test('hostile input: an endless line, endless attributes and lines without "=" stay bounded and still end in one answerable request', () => {
  const p = new PolicyParser();
  assert.deepEqual(p.feed('request=smtpd_access_policy\nsender=' + 'x'.repeat(10 * 1024 * 1024)), []);
  for (let i = 0; i < 5000; i++) p.feed(`junk${i}=y\n`);
  p.feed('no equals sign\n=empty name\n');
  const [r] = p.feed('\n\n');
  assert.ok(r);
  assert.equal(r.attrs.get('request'), 'smtpd_access_policy');
  assert.equal(r.attrs.has('sender'), false, 'a cut line is not taken');
  assert.ok(r.damaged >= 5000 - MAX_ATTRIBUTES, `damaged ${r.damaged}`);
  assert.ok(r.attrs.size <= 10);
  // and the next request is clean again
  const [next] = p.feed('request=smtpd_access_policy\nqueue_id=AB12C\n\n');
  assert.equal(next!.damaged, 0);
  assert.equal(next!.attrs.get('queue_id'), 'AB12C');
  assert.ok(MAX_LINE <= 4096);
});

test('empty lines between requests are not requests', () => {
  assert.deepEqual(new PolicyParser().feed('\n\n\n'), []);
});
