import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assessSaslLogin, SASL_RULES, STOLEN_SCORE, type SaslLoginInput } from '../../../../src/trace/correlate';
import type { SaslFailure } from '../../../../src/domain/maillog';

const T0 = Date.UTC(2026, 10, 27, 6, 0, 0);
const at = (minutes: number): Date => new Date(T0 + minutes * 60_000);
let line = 0;
function failure(minutes: number, clientAddress: string, username: string | null = null): SaslFailure {
  line += 1;
  return { time: at(minutes), clientAddress, clientName: null, method: 'LOGIN', username, file: '/var/log/mail.log', line };
}

const OFFICE: SaslLoginInput = {
  username: 'buchhaltung@example.de',
  clients: [{ address: '212.18.5.34', names: ['mail.kanzlei-example.de'], count: 14 }, { address: '212.18.5.40', names: [], count: 3 }],
  heloNames: ['DESKTOP-4F7QK2L', '[192.168.1.5]'],
  recipientsPerMessage: 1.3,
  failures: [],
  logins: [{ time: at(60), clientAddress: '212.18.5.34' }, { time: at(300), clientAddress: '212.18.5.40' }],
};

test('one office network with a normal HELO and no failures is not stolen', () => {
  const a = assessSaslLogin(OFFICE);
  assert.equal(a.conclusion, 'not-stolen');
  assert.equal(a.networks, 1);
  assert.equal(a.randomHelo, false);
  assert.equal(a.failedBeforeFirstSuccess, 0);
  assert.deepEqual(a.reasons, ['in its favour: used from one network only (212.18.5.0/24) with a normal HELO']);
  assert.equal(a.clients[0]!.address, '212.18.5.34');
});

test('an office user who mistyped the password three times is still not stolen', () => {
  const a = assessSaslLogin({ ...OFFICE, failures: [failure(50, '212.18.5.34'), failure(51, '212.18.5.34'), failure(52, '212.18.5.34')] });
  assert.equal(a.conclusion, 'not-stolen');
  assert.equal(a.failedBeforeFirstSuccess, 3);
  assert.equal(a.failedTotal, 3);
});

test('the seed case: one dynamic address, a random HELO and eight recipients per message is stolen', () => {
  const a = assessSaslLogin({
    username: 'kontakt@xxx.de',
    clients: [{ address: '93.120.196.244', names: ['93-120-196-244.dynamic.mts-nn.ru'], count: 1 }],
    heloNames: ['cisqyltfbn'],
    recipientsPerMessage: 8,
    failures: [],
  });
  assert.equal(a.conclusion, 'stolen');
  assert.equal(a.randomHelo, true);
  assert.ok(a.reasons.includes('greets with a random HELO (cisqyltfbn)'));
  assert.ok(a.reasons.includes('8 recipients per message'));
});

test('42 failed logins from one network before the first success and a random HELO is stolen, and says where', () => {
  const failures = Array.from({ length: 42 }, (_, i) => failure(i * 0.5, `45.155.205.${10 + (i % 5)}`));
  failures.push(failure(5, '203.0.113.9')); // another mailbox's attacker, unnamed: not this login's
  failures.push(failure(200, '45.155.205.11')); // after the success: counted in total only
  const a = assessSaslLogin({
    username: 'info@example.de',
    clients: [{ address: '45.155.205.12', names: [], count: 30 }],
    heloNames: ['xwqmrtpl'],
    recipientsPerMessage: 3,
    failures,
    logins: [{ time: at(30), clientAddress: '45.155.205.12' }],
  });
  assert.equal(a.failedBeforeFirstSuccess, 42);
  assert.equal(a.failedTotal, 43);
  assert.equal(a.conclusion, 'stolen');
  assert.equal(a.reasons[0], '42 failed logins from 45.155.205.0/24 before the first success: the password was guessed');
});

test('a brute force alone, from the network that later succeeded, is unclear rather than stolen', () => {
  const failures = Array.from({ length: 42 }, (_, i) => failure(i, '212.18.5.34'));
  const a = assessSaslLogin({ ...OFFICE, failures });
  assert.equal(a.conclusion, 'unclear');
});

test('used from six networks in three countries within two hours is stolen', () => {
  const addrs: [string, string][] = [
    ['45.155.205.12', 'RU'], ['91.92.109.4', 'BG'], ['185.100.87.3', 'RO'], ['2a0d:5600:24:1::9', 'RU'], ['193.32.162.70', 'RO'], ['5.188.62.140', 'RU'],
  ];
  const a = assessSaslLogin({
    username: 'shop@example.de',
    clients: addrs.map(([address, country]) => ({ address, names: [], count: 5, country })),
    heloNames: ['DESKTOP-ABC'],
    recipientsPerMessage: 2,
    failures: [],
    logins: addrs.map(([address], i) => ({ time: at(i * 20), clientAddress: address })),
  });
  assert.equal(a.networks, 6);
  assert.equal(a.conclusion, 'stolen');
  assert.ok(a.reasons.some((r) => r.startsWith('used from 6 networks')));
  assert.ok(a.reasons.includes("addresses in 3 countries' ranges (BG, RO, RU)"));
  assert.ok(a.reasons.includes('6 networks within 2 hours'));
});

test('a phone roaming over a few carrier networks with a normal HELO is at most unclear', () => {
  const a = assessSaslLogin({
    username: 'chef@example.de',
    clients: ['80.187.1.5', '80.187.77.9', '80.187.100.3', '80.187.140.8', '80.187.201.1'].map((address) => ({ address, names: [], count: 2 })),
    heloNames: ['iPhone'],
    recipientsPerMessage: 1,
    failures: [],
    logins: [{ time: at(0), clientAddress: '80.187.1.5' }, { time: at(600), clientAddress: '80.187.201.1' }],
  });
  assert.notEqual(a.conclusion, 'stolen');
});

test('failures that name another mailbox do not count; failures that name this one count wherever they came from', () => {
  const a = assessSaslLogin({
    ...OFFICE,
    failures: [
      failure(10, '212.18.5.34', 'someone@else.de'),
      failure(11, '198.51.100.7', 'Buchhaltung@example.de'),
      failure(12, '198.51.100.7', null),
    ],
  });
  assert.equal(a.failedTotal, 1);
  assert.equal(a.failedBeforeFirstSuccess, 0);
});

test('without login times the failures from its networks are counted and the reason says the order is unknown', () => {
  const failures = Array.from({ length: 12 }, (_, i) => failure(i, '212.18.5.99'));
  const a = assessSaslLogin({ ...OFFICE, logins: undefined, failures });
  assert.equal(a.failedBeforeFirstSuccess, 12);
  assert.match(a.reasons[0]!, /^12 failed logins from 212\.18\.5\.0\/24, from the networks the login was used from/);
});

test('no single rule can make a login stolen on its own', () => {
  for (const rule of SASL_RULES) assert.ok(rule.weight < STOLEN_SCORE, rule.id);
});

test('hostile and unparseable client addresses do not throw and count no network', () => {
  const a = assessSaslLogin({
    username: 'x@example.de',
    clients: [{ address: 'unknown', names: ['\u001b[31m'], count: 1 }, { address: '1::2::3', count: NaN }],
    heloNames: [],
    recipientsPerMessage: null,
    failures: [failure(1, 'garbage')],
  });
  assert.equal(a.networks, 0);
  assert.equal(a.failedTotal, 0);
  assert.equal(a.conclusion, 'not-stolen');
});
