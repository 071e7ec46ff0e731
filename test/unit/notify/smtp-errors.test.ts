import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifySmtpError } from '../../../src/notify/smtp-errors';
import { backoffMs } from '../../../src/notify/deliver-notices';

function err(message: string, fields: Record<string, unknown>): Error {
  return Object.assign(new Error(message), fields);
}

const rows: [string, Error, boolean][] = [
  ['550 unknown user is permanent', err('Recipient command failed: 550 5.1.1 no such user', { code: 'EENVELOPE', responseCode: 550, response: '550 5.1.1 no such user' }), true],
  ['554 after DATA is permanent', err('Message failed: 554 5.7.1 rejected', { code: 'EMESSAGE', responseCode: 554 }), true],
  ['450 greylisting is temporary', err('Recipient command failed: 450 4.2.0 greylisted', { code: 'EENVELOPE', responseCode: 450 }), false],
  ['421 at the greeting is temporary', err('421 too busy', { code: 'EPROTOCOL', responseCode: 421 }), false],
  ['a refused connection is temporary', err('connect ECONNREFUSED 127.0.0.1:25', { code: 'ESOCKET' }), false],
  ['a timeout is temporary', err('Connection timeout', { code: 'ETIMEDOUT' }), false],
  ['a 535 login failure is the hoster\'s configuration: temporary', err('Invalid login: 535 5.7.8 bad credentials', { code: 'EAUTH', responseCode: 535 }), false],
];
for (const [name, e, permanent] of rows) test(name, () => assert.equal(classifySmtpError(e).permanent, permanent));

test('the server\'s reply is kept on one line for the admin', () => {
  const c = classifySmtpError(err('x', { responseCode: 550, response: '550-5.1.1 first\r\n550 5.1.1 second' }));
  assert.equal(c.response, '550-5.1.1 first 550 5.1.1 second');
});

test('retries wait longer each time and then keep the last pause', () => {
  const steps = [60, 300, 900];
  assert.deepEqual([1, 2, 3, 4, 9].map((n) => backoffMs(steps, n)), [60_000, 300_000, 900_000, 900_000, 900_000]);
});
