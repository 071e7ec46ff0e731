/**
 * The sendmail transport against a real program: a small shell script standing in for
 * /usr/sbin/sendmail that records its arguments and stdin and exits as told.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendmailNoticeTransport } from '../../../src/notify/sendmail-transport';

function fakeSendmail(t: { after(fn: () => void): void }, exit: number): { path: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'spamtrace-sendmail-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'sendmail');
  writeFileSync(path, `#!/bin/sh\nprintf '%s\\n' "$@" > "${dir}/args"\ncat > "${dir}/message"\necho "sendmail: said ${exit}" >&2\nexit ${exit}\n`);
  chmodSync(path, 0o755);
  return { path, dir };
}

const raw = Buffer.from('From: a@hoster.example\r\nTo: b@example.com\r\nSubject: x\r\n\r\nbody\r\n.\r\nmore\r\n');

test('exit 0: sent; the envelope goes as arguments after -i -f and --, the message on stdin', async (t) => {
  const s = fakeSendmail(t, 0);
  const r = await new SendmailNoticeTransport(s.path).send({ from: 'a@hoster.example', to: 'b@example.com' }, raw, () => true);
  assert.equal(r.result, 'sent');
  assert.deepEqual(readFileSync(join(s.dir, 'args'), 'utf8').trim().split('\n'), ['-i', '-f', 'a@hoster.example', '--', 'b@example.com']);
  assert.equal(readFileSync(join(s.dir, 'message'), 'utf8'), raw.toString());
});

test('exit 75 is temporary, any other failure permanent with sendmail\'s words', async (t) => {
  const temp = await new SendmailNoticeTransport(fakeSendmail(t, 75).path).send({ from: 'a@hoster.example', to: 'b@example.com' }, raw, () => true);
  assert.deepEqual(temp.result === 'failed' && [temp.permanent, temp.response], [false, 'sendmail: said 75']);
  const perm = await new SendmailNoticeTransport(fakeSendmail(t, 67).path).send({ from: 'a@hoster.example', to: 'b@example.com' }, raw, () => true);
  assert.deepEqual(perm.result === 'failed' && [perm.permanent, perm.error], [true, 'sendmail exit 67']);
});

test('a missing sendmail is a temporary, visible failure; a lost lease runs nothing', async (t) => {
  const s = fakeSendmail(t, 0);
  const gone = await new SendmailNoticeTransport(join(s.dir, 'nope')).send({ from: 'a@hoster.example', to: 'b@example.com' }, raw, () => true);
  assert.equal(gone.result === 'failed' && gone.permanent, false);
  const lost = await new SendmailNoticeTransport(s.path).send({ from: 'a@hoster.example', to: 'b@example.com' }, raw, () => false);
  assert.equal(lost.result, 'lease-lost');
  assert.equal(existsSync(join(s.dir, 'args')), false);
});
