/**
 * What the act lab tests (local and over SSH) use to see an action's effect on the real lab:
 * the action id `act apply` prints, the queue's count per sender, a real sendmail submission
 * as a lab user and a real SMTP AUTH submission with the stolen mailbox's login.
 * Every program runs with an argument array.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { postqueueJson } from './lab';

/** The stolen-login scenario's mailbox (test/lab/config.ts lists it with the lab's logins). */
export const STOLEN = { login: 'kontakt@kunde-beispiel.de', password: 'Sommer2014' } as const;

/** The id in `act apply`'s "applied as ID;" line; fails the test with the output if missing. */
export function actionIdOf(r: { stdout: string; stderr: string }): string {
  const m = /applied as (\S+);/.exec(r.stdout);
  assert.ok(m, `no action id in: ${r.stdout}${r.stderr}`);
  return m[1]!;
}

/** Messages in one of Postfix's queues (hold, deferred, ...) whose envelope sender matches. */
export async function countInQueue(queue: string, sender: RegExp): Promise<number> {
  return (await postqueueJson()).filter((e) => e.queue_name === queue && sender.test(e.sender)).length;
}

/** A real submission with sendmail as USER, to a recipient the fake MX accepts. */
export function sendmailAs(user: string, subjectTag: string): { code: number | null; stderr: string } {
  const r = spawnSync('runuser', ['-u', user, '--', '/usr/sbin/sendmail', '-i', '-f', `${user}@lab.spamtrace.test`, '--', 'probe@accept.spamtrace.test'], {
    input: `From: ${user}@lab.spamtrace.test\nTo: probe@accept.spamtrace.test\nSubject: ${subjectTag} probe\n\nhello\n`,
    encoding: 'utf8',
  });
  return { code: r.status, stderr: r.stderr };
}

/** A real SMTP AUTH submission (swaks) to 127.0.0.1:25 with the stolen login. */
export function submitWithLogin(subjectTag: string): { code: number | null; out: string } {
  const r = spawnSync(
    'swaks',
    ['--server', '127.0.0.1', '--port', '25', '--auth', 'PLAIN', '--auth-user', STOLEN.login, '--auth-password', STOLEN.password, '--from', STOLEN.login, '--to', 'probe@accept.spamtrace.test', '--header', `Subject: ${subjectTag} login probe`, '--body', 'hello'],
    { encoding: 'utf8', timeout: 30_000 },
  );
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}
