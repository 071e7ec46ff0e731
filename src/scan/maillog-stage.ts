/**
 * The mail log as a second witness: messages the queue no longer holds (delivered,
 * bounced, expired) are added to the tracer; a message the queue already showed is not
 * counted again. SASL failures are kept for the login assessment, as a digest (their times
 * per login and network, sasl-failure-digest.ts), so a big log does not keep one object each.
 *
 * What counts as one message: one queue file's lifetime. Short queue IDs are reused (an
 * inode number plus microseconds), so the log's message and the queue's are the same
 * only when the ID matches *and* the times agree (queue-log-merge.ts); two log messages
 * with one ID are two messages. A copy Postfix made for an alias or `.forward`
 * (`forwarded as ID`) is the original's message: its recipients are added to the
 * original's source, it is not counted a second time.
 */
import type { Host } from '../host/host';
import type { Progress } from './scan-options';
import type { SkipTally } from '../collect/skip-tally';
import { mailLogPaths, streamMailLog, type MailLogFile, type PostfixLogSettings } from '../collect/maillog';
import { SpamtraceError } from '../errors';
import { MAX_GROUPS, SaslFailureDigest } from '../trace/correlate/sasl-failure-digest';
import { traceMessageOfLog } from '../trace/maillog-message';
import type { SocketOwners } from '../domain/smtp-owner';
import type { SourceTracer } from '../trace/source-tracer';
import { isQueuedCopy, type QueuedIndex } from './queue-log-merge';
import type { SubmissionLog } from './submission-log';

export interface MailLogSummary {
  files: { path: string; bytes: number; read: boolean; why?: string }[];
  /** messages in the window the log told about (alias/.forward copies not included) */
  messages: number;
  /** of those, already counted from the queue (same queue ID, same lifetime) */
  alsoInQueue: number;
  /** of those, added from the log alone (no longer in the queue) */
  fromLogOnly: number;
  /** copies local(8) re-sent for an alias or .forward: counted under their original, not again */
  forwardedCopies: number;
  saslFailures: number;
  /** what postconf said: where Postfix writes its own log, and its syslog_name */
  postfix: PostfixLogSettings;
}

export interface MailLogStageInput {
  /** --maillog: exactly these */
  paths: string[] | null;
  /** the configuration's mailLogs, read after Postfix's own maillog_file */
  defaultPaths: string[] | null;
  since: Date | null;
  until: Date | null;
  now: Date;
  postfix: PostfixLogSettings;
  /** the scanned host's zone (minutes east of UTC) for year-less syslog times; null: this machine's */
  utcOffsetMinutes?: number | null;
}

export async function readMailLogInto(
  host: Host,
  input: MailLogStageInput,
  sink: { tracer: SourceTracer; submissions: SubmissionLog; queued: QueuedIndex; owners?: SocketOwners },
  skipped: SkipTally,
  progress: Progress,
): Promise<{ summary: MailLogSummary; failures: SaslFailureDigest }> {
  const summary: MailLogSummary = { files: [], messages: 0, alsoInQueue: 0, fromLogOnly: 0, forwardedCopies: 0, saslFailures: 0, postfix: input.postfix };
  const failures = new SaslFailureDigest();
  const files: MailLogFile[] = [];
  const options = {
    ...(input.paths ? { paths: input.paths } : {}),
    ...(input.defaultPaths ? { defaultPaths: input.defaultPaths } : {}),
    ...(input.since ? { since: input.since } : {}),
    ...(input.until ? { until: input.until } : {}),
    now: input.now,
    postfix: input.postfix,
    ...(input.utcOffsetMinutes !== undefined && input.utcOffsetMinutes !== null ? { utcOffsetMinutes: input.utcOffsetMinutes } : {}),
  };
  for await (const event of streamMailLog(host, options, skipped)) {
    if (event.kind === 'file') {
      files.push(event.file);
      continue;
    }
    if (event.kind === 'sasl-failure') {
      failures.add(event.failure);
      continue;
    }
    const m = event.message;
    // a loopback SMTP submission whose socket owner the policy service recorded is that uid's
    if (sink.owners && m.clientAddress && !m.saslUsername) m.socketUid = sink.owners.ownerOf(m.queueId, m.firstSeen);
    const tm = traceMessageOfLog(m);
    if (m.resentFrom?.via === 'forward') {
      // the original was counted (from the log, or from the queue): only its new recipients
      summary.forwardedCopies++;
      sink.tracer.addCopy(tm);
      continue;
    }
    summary.messages++;
    if (summary.messages % 5000 === 0) progress.update(summary.messages, 0, 'mail-log messages');
    if (isQueuedCopy(sink.queued, m.queueId, tm)) {
      summary.alsoInQueue++;
      continue;
    }
    summary.fromLogOnly++;
    if (tm.examined) {
      const key = sink.tracer.add(tm);
      sink.submissions.record(key, tm);
    } else {
      sink.tracer.addUnexamined(tm);
    }
  }
  summary.files = files.map((f) => ({ path: f.path, bytes: f.bytes, read: f.read, ...(f.why ? { why: f.why } : {}) }));
  summary.saslFailures = failures.total;
  if (failures.notKept > 0) skipped.add('SASL failure', `of a login/network pair past the first ${MAX_GROUPS.toLocaleString('en-US')}: counted, not weighed`, failures.notKept);
  // History was asked for: no log at all (or none readable) must not look like "no spam".
  const usable = files.filter((f) => f.read || (f.why ?? '').startsWith('last written before'));
  if (usable.length === 0) {
    const tried = mailLogPaths(options);
    const why = files.map((f) => `${f.path}: ${f.why ?? 'not read'}`).join('; ');
    throw new SpamtraceError('E_MAILLOG', `no mail log could be read (tried ${tried.join(', ')})${why ? `: ${why}` : ''}`);
  }
  return { summary, failures };
}
