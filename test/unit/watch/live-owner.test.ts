import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LiveMessages, type LiveMessage } from '../../../src/watch/live-messages';
import { withSocketOwner } from '../../../src/trace/origin';

const T = '2026-12-02T10:00:00Z';
const lines = (id: string, client: string, extra = '') => [
  `${T} mx postfix/smtpd[201]: ${id}: client=localhost[${client}]${extra}`,
  `${T} mx postfix/cleanup[300]: ${id}: message-id=<${id}@shop-example.de>`,
  `${T} mx postfix/qmgr[400]: ${id}: from=<info@shop-example.de>, size=900, nrcpt=2 (queue active)`,
];

function live(owners: Map<string, number> | null): { lm: LiveMessages; arrived: LiveMessage[] } {
  const arrived: LiveMessage[] = [];
  const lm = new LiveMessages({ arrived: (m) => arrived.push(m), changed: () => undefined, failure: () => undefined }, undefined, null, owners ? (id) => owners.get(id) ?? null : null);
  lm.startBatch(new Date(T));
  return { lm, arrived };
}

test('a loopback SMTP message waits for its socket owner and then counts under the uid', () => {
  const owners = new Map<string, number>();
  const { lm, arrived } = live(owners);
  const [client, msgid, qmgr] = lines('4F1A22C0B5', '127.0.0.1');
  lm.line(client!, 'mail.log', 1, 0);
  assert.equal(arrived.length, 0, 'the owner is recorded at end of data, after smtpd logged client=');
  owners.set('4F1A22C0B5', 10004); // the policy service answered
  lm.line(msgid!, 'mail.log', 2, 0);
  lm.line(qmgr!, 'mail.log', 3, 0);
  assert.deepEqual(arrived.map((m) => m.source), ['uid:10004']);
});

test('without an owner it arrives at qmgr\'s line as client:127.0.0.1; a remote client or a login never waits', () => {
  const { lm, arrived } = live(new Map());
  for (const [i, l] of lines('AAAAAA1', '127.0.0.1').entries()) lm.line(l, 'mail.log', i, 0);
  lm.line(lines('AAAAAA2', '203.0.113.9')[0]!, 'mail.log', 9, 0);
  lm.line(lines('AAAAAA3', '127.0.0.1', ', sasl_method=PLAIN, sasl_username=kontakt@xxx.de')[0]!, 'mail.log', 10, 0);
  assert.deepEqual(arrived.map((m) => m.source), ['client:127.0.0.1', 'client:203.0.113.9', 'sasl:kontakt@xxx.de']);
});

test('without the policy service nothing waits (as before)', () => {
  const { lm, arrived } = live(null);
  lm.line(lines('AAAAAA1', '127.0.0.1')[0]!, 'mail.log', 1, 0);
  assert.deepEqual(arrived.map((m) => m.source), ['client:127.0.0.1']);
});

test('only an unauthenticated loopback client is taken over by a socket owner', () => {
  assert.deepEqual(withSocketOwner({ kind: 'smtp-client', clientAddress: '127.0.0.1' }, 10004), { kind: 'local', uid: 10004, via: 'smtp-loopback' });
  assert.deepEqual(withSocketOwner({ kind: 'smtp-client', clientAddress: '::1' }, 10004), { kind: 'local', uid: 10004, via: 'smtp-loopback' });
  assert.deepEqual(withSocketOwner({ kind: 'smtp-client', clientAddress: '203.0.113.9' }, 10004), { kind: 'smtp-client', clientAddress: '203.0.113.9' });
  assert.deepEqual(withSocketOwner({ kind: 'sasl', username: 'a@b.de', clientAddress: '127.0.0.1' }, 10004), { kind: 'sasl', username: 'a@b.de', clientAddress: '127.0.0.1' });
  assert.deepEqual(withSocketOwner({ kind: 'smtp-client', clientAddress: '127.0.0.1' }, null), { kind: 'smtp-client', clientAddress: '127.0.0.1' });
});
