import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blockSubmitUser, unblockSubmitUser, removeElement } from '../../../src/act/submit-users';

test('blocking a user on the default list puts "!user" in front of static:anyone', () => {
  assert.deepEqual(blockSubmitUser('static:anyone', 'web274'), { value: '!web274, static:anyone', changed: true });
});

test("the admin's own entries are kept, in their order, after the new exclusion", () => {
  const r = blockSubmitUser('root, admin  hash:/etc/postfix/submitters,static:anyone', 'web274');
  assert.equal(r.value, '!web274, root, admin  hash:/etc/postfix/submitters,static:anyone');
});

test('a user the admin explicitly allows is still blocked, because the first match wins', () => {
  const r = blockSubmitUser('web274, static:anyone', 'web274');
  assert.equal(r.changed, true);
  assert.equal(r.value, '!web274, web274, static:anyone');
});

test('blocking twice changes nothing the second time', () => {
  const once = blockSubmitUser('static:anyone', 'web274').value;
  const twice = blockSubmitUser(once, 'web274');
  assert.equal(twice.changed, false);
  assert.equal(twice.value, once);
});

test('an empty list already denies everyone: nothing to add', () => {
  const r = blockSubmitUser('', 'web274');
  assert.equal(r.changed, false);
  assert.match(r.reason ?? '', /nobody may submit/);
});

test('blocking another user does not take an existing exclusion for a similar name as ours', () => {
  const r = blockSubmitUser('!web2740, static:anyone', 'web274');
  assert.equal(r.value, '!web274, !web2740, static:anyone');
});

test('unblocking takes out exactly our "!user" and leaves the rest as the admin wrote it', () => {
  assert.equal(unblockSubmitUser('!web274, static:anyone', 'web274').value, 'static:anyone');
  assert.equal(unblockSubmitUser('!newsuser, !web274, static:anyone', 'web274').value, '!newsuser, static:anyone');
  assert.equal(unblockSubmitUser('root, !web274', 'web274').value, 'root');
  assert.equal(unblockSubmitUser('!web274', 'web274').value, '');
});

test('unblocking a user who is not in the list changes nothing', () => {
  const r = unblockSubmitUser('static:anyone', 'web274');
  assert.equal(r.changed, false);
  assert.equal(r.value, 'static:anyone');
});

test('a list element in braces is one element and survives a removal next to it', () => {
  const r = removeElement('!web274, { check_policy_service inet:127.0.0.1:9 }, static:anyone', '!web274');
  assert.equal(r.value, '{ check_policy_service inet:127.0.0.1:9 }, static:anyone');
});
