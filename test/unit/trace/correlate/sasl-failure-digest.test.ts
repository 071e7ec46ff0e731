import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SaslFailureDigest } from '../../../../src/trace/correlate/sasl-failure-digest';
import { assessSaslLogin } from '../../../../src/trace/correlate';
import type { SaslFailure } from '../../../../src/domain/maillog';

const T0 = Date.UTC(2026, 10, 27, 6, 0, 0);
const at = (minutes: number): Date => new Date(T0 + minutes * 60_000);
const failure = (minutes: number, clientAddress: string, username: string | null): SaslFailure => ({
  time: at(minutes),
  clientAddress,
  clientName: null,
  method: 'LOGIN',
  username,
  file: '/var/log/mail.log',
  line: 1,
});

test('counts per login: named failures anywhere, unnamed ones only from its own networks, "before" by the first success', () => {
  const d = new SaslFailureDigest();
  for (const m of [30, 10, 20]) d.add(failure(m, '93.120.196.12', 'Kontakt@Example.de')); // out of order, mixed case
  d.add(failure(40, '93.120.196.99', null)); // unnamed, same /24
  d.add(failure(5, '5.18.1.7', null)); // unnamed, another network
  d.add(failure(5, '93.120.196.12', 'other@example.de')); // another login
  const c = d.countsFor('kontakt@example.de', new Set(['93.120.196.0/24']), at(25).getTime());
  assert.equal(c.failedTotal, 4);
  assert.equal(c.failedNamingLogin, 3);
  assert.equal(c.before, 2);
  assert.deepEqual([...c.beforeByNet], [['93.120.196.0/24', 2]]);
  assert.equal(d.countsFor('kontakt@example.de', new Set(['93.120.196.0/24']), null).before, 4);
  assert.equal(d.total, 6);
});

test('the assessment from a digest equals the assessment from the list', () => {
  const failures = [failure(1, '93.120.196.12', 'a@example.de'), failure(2, '93.120.196.13', null), failure(3, '5.18.1.7', 'a@example.de'), failure(90, '93.120.196.12', 'a@example.de')];
  const input = { username: 'a@example.de', clients: [{ address: '93.120.196.12', count: 5 }], heloNames: ['abc'], recipientsPerMessage: 3, logins: [{ time: at(60), clientAddress: '93.120.196.12' }] };
  const digest = new SaslFailureDigest();
  for (const f of failures) digest.add(f);
  assert.deepEqual(assessSaslLogin({ ...input, failures: digest }), assessSaslLogin({ ...input, failures }));
});

test('past its cap of login/network pairs a new pair is counted as not kept, known pairs still grow', () => {
  const d = new SaslFailureDigest(2);
  d.add(failure(1, '198.51.100.1', 'a@example.de'));
  d.add(failure(1, '198.51.100.1', 'b@example.de'));
  d.add(failure(1, '198.51.100.1', 'c@example.de'));
  d.add(failure(2, '198.51.100.1', 'a@example.de'));
  assert.equal(d.notKept, 1);
  assert.equal(d.total, 4);
  assert.equal(d.countsFor('a@example.de', new Set(), null).failedTotal, 2);
  assert.equal(d.countsFor('c@example.de', new Set(), null).failedTotal, 0);
});
