import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateNotifyConfig } from '../../../src/notify/load-notify-config';

test('a minimal config gets the defaults: sendmail, automatic from score 8, no reseller copy', () => {
  const c = validateNotifyConfig({ from: 'Support <abuse@hoster.example>' }, 'notify.json');
  assert.equal(c.transport.kind, 'sendmail');
  assert.equal(c.policy.autoMinScore, 8);
  assert.equal(c.policy.copyReseller, false);
});

test('SMTP settings are read with TLS verification on by default', () => {
  const c = validateNotifyConfig({ from: 'abuse@hoster.example', transport: { kind: 'smtp', host: 'mail.hoster.example', port: 587, auth: { user: 'u', passwordFile: '/etc/spamtrace/smtp-password' } } }, 'n');
  assert.equal(c.transport.kind, 'smtp');
  if (c.transport.kind === 'smtp') {
    assert.equal(c.transport.tls.rejectUnauthorized, true);
    assert.equal(c.transport.auth?.passwordFile, '/etc/spamtrace/smtp-password');
  }
});

test('every problem is named at once: unknown key, a threshold below spam, an inline password, no from', () => {
  assert.throws(
    () =>
      validateNotifyConfig(
        { mailFrom: 'x', policy: { autoMinScore: 3 }, transport: { kind: 'smtp', host: 'h', auth: { user: 'u', password: 'secret' } } },
        'notify.json',
      ),
    (e: Error & { code?: string }) => {
      assert.equal(e.code, 'E_CONFIG');
      for (const part of ['mailFrom: unknown key', 'policy.autoMinScore', 'transport.auth', 'from: required']) assert.ok(e.message.includes(part), part);
      assert.ok(!e.message.includes('secret'), 'the password is not echoed');
      return true;
    },
  );
});

test('"normal" cannot be put in the approval list', () => {
  assert.throws(() => validateNotifyConfig({ from: 'a@hoster.example', policy: { approvalFor: ['spam', 'normal'] } }, 'n'), /never gets a notice/);
});
