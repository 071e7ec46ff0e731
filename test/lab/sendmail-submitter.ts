/** Sendmail submissions: `runuser -u USER -- sendmail -i ...`, as a hosting user's PHP script or cron job would. */
import type { BuiltMessage } from './message-builder';
import { pool } from './parallel-pool';
import { run } from './run-program';
import type { SendmailSubmission } from './scenarios';
import { newResult, noteError, type SubmissionResult } from './submission-result';

export const SENDMAIL = '/usr/sbin/sendmail';

export async function runSendmail(sub: SendmailSubmission, msgs: BuiltMessage[], parallel: number): Promise<SubmissionResult> {
  const t0 = Date.now();
  const res = newResult(sub, msgs.length);
  await pool(msgs, parallel, async (m) => {
    const args = ['-u', sub.user, '--', SENDMAIL, '-i', ...(sub.sendmailArgs ?? []), '-f', m.from, '--', ...m.to];
    try {
      const r = await run('runuser', args, { input: m.data, allowFail: true, timeoutMs: 60000 });
      if (r.code === 0) {
        res.submitted++;
        res.recipients += m.to.length;
      } else noteError(res, `sendmail exit ${r.code}: ${r.stderr.trim()}`);
    } catch (e) {
      noteError(res, (e as Error).message);
    }
  });
  res.elapsedMs = Date.now() - t0;
  return res;
}
