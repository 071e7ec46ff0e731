import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chooseRestrictionList,
  insertSaslAccessCheck,
  removeSaslAccessCheck,
  hasSaslAccessCheck,
} from '../../../src/act/sasl-restriction';

const MAP = 'hash:/etc/postfix/spamtrace_sasl_access';

test('the check goes first, before permit_mynetworks and permit_sasl_authenticated', () => {
  const r = insertSaslAccessCheck('permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination', MAP);
  assert.equal(r.value, `check_sasl_access ${MAP}, permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination`);
});

test('an empty recipient list gets the check alone', () => {
  assert.equal(insertSaslAccessCheck('', MAP).value, `check_sasl_access ${MAP}`);
});

test('a list that already checks our map is left alone', () => {
  const v = `permit_mynetworks check_sasl_access ${MAP} permit_sasl_authenticated`;
  const r = insertSaslAccessCheck(v, MAP);
  assert.equal(r.changed, false);
  assert.equal(r.value, v);
});

test("another map's check_sasl_access does not count as ours", () => {
  assert.equal(hasSaslAccessCheck('check_sasl_access hash:/etc/postfix/admin_sasl, permit', MAP), false);
});

test('relay restrictions holding permit_sasl_authenticated are chosen when main.cf sets them', () => {
  assert.equal(chooseRestrictionList({ relay: 'permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination', recipient: null }, MAP), 'smtpd_relay_restrictions');
});

test('without relay restrictions in main.cf the recipient restrictions are used', () => {
  assert.equal(chooseRestrictionList({ relay: null, recipient: 'permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination' }, MAP), 'smtpd_recipient_restrictions');
  assert.equal(chooseRestrictionList({ relay: 'permit_mynetworks, reject_unauth_destination', recipient: null }, MAP), 'smtpd_recipient_restrictions');
});

test('when either list already checks our map, nothing is chosen', () => {
  assert.equal(chooseRestrictionList({ relay: null, recipient: `check_sasl_access ${MAP}, permit_mynetworks` }, MAP), null);
});

test('removing the check takes out both words and leaves the rest in order', () => {
  const inserted = insertSaslAccessCheck('permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination', MAP).value;
  assert.equal(removeSaslAccessCheck(inserted, MAP).value, 'permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination');
  assert.equal(removeSaslAccessCheck(`check_sasl_access ${MAP}`, MAP).value, '');
  assert.equal(removeSaslAccessCheck(`permit_mynetworks, check_sasl_access ${MAP}`, MAP).value, 'permit_mynetworks');
});

test("removing leaves another map's check_sasl_access in place", () => {
  const v = `check_sasl_access hash:/etc/postfix/admin_sasl, check_sasl_access ${MAP}, permit_sasl_authenticated`;
  assert.equal(removeSaslAccessCheck(v, MAP).value, 'check_sasl_access hash:/etc/postfix/admin_sasl, permit_sasl_authenticated');
});
