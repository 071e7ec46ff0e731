import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasPolicyCheck, insertPolicyCheck, policyElement, policyEndpoint, postfixVersion } from '../../../src/act/policy-hook';
import { removeElement } from '../../../src/act/submit-users';

test('the target is a loopback endpoint, nothing else reaches main.cf', () => {
  assert.deepEqual(policyEndpoint('127.0.0.1:10029'), { host: '127.0.0.1', port: 10029, endpoint: 'inet:127.0.0.1:10029' });
  assert.deepEqual(policyEndpoint('10029'), { host: '127.0.0.1', port: 10029, endpoint: 'inet:127.0.0.1:10029' });
  assert.equal(policyEndpoint('[::1]:10029').endpoint, 'inet:[::1]:10029');
  for (const bad of ['0.0.0.0:10029', '192.0.2.1:10029', '127.0.0.1:0', '127.0.0.1:70000', '127.0.0.300:25', 'unix:/tmp/x', '127.0.0.1:10029, permit', '-h', '']) {
    assert.throws(() => policyEndpoint(bad), /not a loopback policy endpoint/, bad);
  }
});

test('the check goes first with DUNNO as its default, and comes out leaving the admin\'s list as it was', () => {
  const ep = 'inet:127.0.0.1:10029';
  const empty = insertPolicyCheck('', ep);
  assert.equal(empty.value, `check_policy_service { ${ep}, timeout=10s, try_limit=1, default_action=DUNNO }`);
  const admin = 'check_client_access hash:/etc/postfix/eod, reject_unauth_pipelining';
  const added = insertPolicyCheck(admin, ep);
  assert.equal(added.changed, true);
  assert.ok(added.value.startsWith(`check_policy_service ${policyElement(ep)}, `));
  assert.ok(added.value.endsWith(admin));
  assert.equal(hasPolicyCheck(added.value, ep), true);
  assert.equal(insertPolicyCheck(added.value, ep).changed, false, 'not twice');
  assert.equal(removeElement(added.value, 'check_policy_service', policyElement(ep)).value, admin);
  assert.equal(removeElement(empty.value, 'check_policy_service', policyElement(ep)).value, '');
});

test('an admin\'s own check of the same endpoint, in either form, counts as there', () => {
  assert.equal(hasPolicyCheck('check_policy_service inet:127.0.0.1:10029', 'inet:127.0.0.1:10029'), true);
  assert.equal(hasPolicyCheck('check_policy_service { inet:127.0.0.1:10029, timeout=3s }', 'inet:127.0.0.1:10029'), true);
  assert.equal(hasPolicyCheck('check_policy_service inet:127.0.0.1:12340', 'inet:127.0.0.1:10029'), false);
});

test('the version decides: client and server ports are in policy requests from 3.2 on', () => {
  assert.deepEqual(postfixVersion('3.7.11'), [3, 7]);
  assert.deepEqual(postfixVersion('3.10-20240905'), [3, 10]);
  assert.deepEqual(postfixVersion('2.11.3'), [2, 11]);
  assert.equal(postfixVersion('unknown'), null);
});
