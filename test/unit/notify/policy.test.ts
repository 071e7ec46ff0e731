import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decide } from '../../../src/notify/policy';
import { DEFAULT_NOTIFY_CONFIG, policyFor, type NotifyConfig } from '../../../src/notify/notify-config';
import { localSpamSource } from './report-fixture';

const policy = DEFAULT_NOTIFY_CONFIG.policy;

const rows: [string, Parameters<typeof localSpamSource>[0], 'auto' | 'approval' | 'never'][] = [
  ['spam at the automatic score goes out by itself', { verdict: 'spam', score: 8 }, 'auto'],
  ['spam above it goes out by itself', { verdict: 'spam', score: 15 }, 'auto'],
  ['spam below the automatic score waits for approval', { verdict: 'spam', score: 6 }, 'approval'],
  ['suspicious waits for approval', { verdict: 'suspicious', score: 4 }, 'approval'],
  ['normal never gets a notice', { verdict: 'normal', score: 0 }, 'never'],
  ['normal never gets a notice, whatever its score', { verdict: 'normal', score: 99 }, 'never'],
];
for (const [name, source, expected] of rows) {
  test(name, () => assert.equal(decide(localSpamSource(source), policy).decision, expected));
}

test('a policy without suspicious in its approval list sends suspicious sources nothing', () => {
  assert.equal(decide(localSpamSource({ verdict: 'suspicious', score: 4 }), { ...policy, approvalFor: ['spam'] }).decision, 'never');
});

test('a switched-off policy sends nothing', () => {
  assert.equal(decide(localSpamSource(), { ...policy, enabled: false }).decision, 'never');
});

test('the server\'s settings override the defaults and the reseller\'s override the server\'s', () => {
  const config: NotifyConfig = {
    ...DEFAULT_NOTIFY_CONFIG,
    servers: { web01: { autoMinScore: 10, copyReseller: true } },
    resellers: { agentur: { autoMinScore: 20, rateLimit: { perCustomer: 1, windowHours: 24 } }, stiller: { enabled: false } },
  };
  assert.equal(policyFor(config, 'web02', null).autoMinScore, 8);
  assert.equal(policyFor(config, 'web01', null).autoMinScore, 10);
  const p = policyFor(config, 'web01', 'agentur');
  assert.equal(p.autoMinScore, 20);
  assert.equal(p.copyReseller, true);
  assert.equal(p.rateLimit.perCustomer, 1);
  assert.equal(decide(localSpamSource({ score: 11 }), p).decision, 'approval');
  assert.equal(decide(localSpamSource(), policyFor(config, 'web01', 'stiller')).decision, 'never');
});
