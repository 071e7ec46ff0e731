import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DNSBL_LISTS, interpretAnswer, listOf } from '../../../src/dnsbl/dnsbl-lists';
import { queryName } from '../../../src/dnsbl/dnsbl-query';
import { isPrivate } from '../../../src/dnsbl/outbound-ips';

const zen = listOf('zen.spamhaus.org');

test('every Spamhaus ZEN listing code has its meaning', () => {
  for (const [code, meaning] of Object.entries(zen.codes)) {
    assert.deepEqual(interpretAnswer(zen, [code]), { state: 'listed', meaning: [meaning] });
  }
});

test('Spamhaus 127.255.255.x answers are "cannot check", never listed', () => {
  for (const code of ['127.255.255.252', '127.255.255.254', '127.255.255.255', '127.255.255.1']) {
    const r = interpretAnswer(zen, [code]);
    assert.equal(r.state, 'cannot-check', code);
  }
  assert.match(interpretAnswer(zen, ['127.255.255.254']).meaning[0]!, /public or open resolver/);
});

test('a refusal beside a listing code spoils the whole answer', () => {
  assert.equal(interpretAnswer(zen, ['127.0.0.2', '127.255.255.254']).state, 'cannot-check');
});

test('an answer outside 127/8 (NXDOMAIN rewritten by a resolver) is "cannot check"', () => {
  assert.equal(interpretAnswer(listOf('bl.spamcop.net'), ['203.0.113.5']).state, 'cannot-check');
});

test('every other list answers 127.0.0.2 as a listing', () => {
  for (const l of DNSBL_LISTS) assert.equal(interpretAnswer(l, ['127.0.0.2']).state, 'listed', l.zone);
  assert.deepEqual(interpretAnswer(listOf('dnsbl.example'), ['127.0.0.5']), { state: 'listed', meaning: ['listed (code 127.0.0.5)'] });
});

test('query names: IPv4 octets reversed, IPv6 as 32 nibbles (RFC 5782)', () => {
  assert.equal(queryName('192.0.2.10', 'zen.spamhaus.org'), '10.2.0.192.zen.spamhaus.org');
  assert.equal(queryName('2001:db8::1', 'z.test'), '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.z.test');
  assert.throws(() => queryName('not-an-ip', 'z.test'));
});

test('private addresses are told apart from public ones', () => {
  for (const a of ['10.1.2.3', '172.20.0.1', '192.168.1.1', '100.64.0.1', '127.0.0.1', 'fd00::1', 'fe80::1']) assert.equal(isPrivate(a), true, a);
  for (const a of ['192.0.2.10', '172.32.0.1', '8.8.8.8', '2001:db8::1']) assert.equal(isPrivate(a), false, a);
});
