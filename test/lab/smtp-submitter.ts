/**
 * SMTP submissions to the lab's Postfix: several messages per connection, several connections
 * at once, with XCLIENT (a "foreign" client address) and AUTH (a stolen login) where the
 * scenario asks for them.
 */
import { LAB_HOSTNAME, SMTP_HOST, SMTP_PORT } from './config';
import type { BuiltMessage } from './message-builder';
import { pool } from './parallel-pool';
import type { SmtpSubmission } from './scenarios';
import { SmtpSession } from './smtp-client';
import { newResult, noteError, type SubmissionResult } from './submission-result';
import { expand, type Rng, type TemplateContext } from './template';

/** The RunScenarioOptions that override an SMTP submission's own settings. */
export interface SmtpOverrides {
  smtpParallel?: number;
  messagesPerConnection?: number;
  /** another loopback listener than the lab's port 25 (the bench's hold listener) */
  smtpPort?: number;
}

export async function runSmtp(sub: SmtpSubmission, msgs: BuiltMessage[], rng: Rng, opts: SmtpOverrides): Promise<SubmissionResult> {
  const t0 = Date.now();
  const res = newResult(sub, msgs.length);
  const perConn = Math.max(1, opts.messagesPerConnection ?? sub.messagesPerConnection ?? 1);
  const chunks: Array<{ msgs: BuiltMessage[]; session: Parameters<typeof SmtpSession.open>[0] }> = [];
  for (let i = 0; i < msgs.length; i += perConn) {
    const part = msgs.slice(i, i + perConn);
    const ctx: TemplateContext = { rng, n: part[0]?.n ?? 1, host: LAB_HOSTNAME };
    const session: Parameters<typeof SmtpSession.open>[0] = { host: SMTP_HOST, port: opts.smtpPort ?? SMTP_PORT, ehlo: expand(sub.helo ?? 'localhost', ctx), timeoutMs: 60000 };
    if (sub.xclient) {
      session.xclient = { addr: expand(sub.xclient.addr, ctx) };
      if (sub.xclient.name !== undefined) session.xclient.name = expand(sub.xclient.name, ctx);
      if (sub.xclient.helo !== undefined) session.xclient.helo = expand(sub.xclient.helo, ctx);
      if (sub.xclient.login !== undefined) session.xclient.extra = { LOGIN: expand(sub.xclient.login, ctx) };
    }
    if (sub.auth) {
      session.auth = { user: expand(sub.auth.user, ctx), password: expand(sub.auth.password, ctx), mechanism: sub.auth.mechanism ?? 'LOGIN' };
    }
    chunks.push({ msgs: part, session });
  }
  await pool(chunks, opts.smtpParallel ?? sub.parallel ?? 4, async (chunk) => {
    let s: SmtpSession;
    try {
      s = await SmtpSession.open(chunk.session);
    } catch (e) {
      for (let i = 0; i < chunk.msgs.length; i++) noteError(res, (e as Error).message);
      return;
    }
    try {
      for (const m of chunk.msgs) {
        const r = await s.send(m);
        if (r.ok) {
          res.submitted++;
          res.recipients += r.acceptedRecipients;
          if (r.queueId) res.queueIds.push(r.queueId);
        } else noteError(res, r.error ?? 'rejected');
      }
    } catch (e) {
      noteError(res, (e as Error).message);
    } finally {
      await s.quit();
    }
  });
  res.elapsedMs = Date.now() - t0;
  return res;
}
