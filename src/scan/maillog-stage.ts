/**
 * The mail log as a second witness: messages the queue no longer holds (delivered,
 * bounced, expired) are added to the tracer; messages the queue already showed are
 * skipped, so nothing is counted twice. SASL failures are kept for the login assessment.
 */
import type { SaslFailure } from '../domain/maillog';
import type { Host } from '../host/host';
import type { Progress } from '../cli/progress';
import type { SkipTally } from '../collect/skip-tally';
import { DEFAULT_MAILLOG_PATHS, streamMailLog, type MailLogFile } from '../collect/maillog';
import { SpamtraceError } from '../errors';
import { traceMessageOfLog } from '../trace/maillog-message';
import type { SourceTracer } from '../trace/source-tracer';
import type { SubmissionLog } from './submission-log';

export interface MailLogSummary {
  files: { path: string; bytes: number; read: boolean; why?: string }[];
  /** messages in the window the log told about */
  messages: number;
  /** of those, already counted from the queue */
  alsoInQueue: number;
  /** of those, added from the log alone (no longer in the queue) */
  fromLogOnly: number;
  saslFailures: number;
}

export interface MailLogStageInput {
  paths: string[] | null;
  since: Date | null;
  until: Date | null;
  now: Date;
}

export async function readMailLogInto(
  host: Host,
  input: MailLogStageInput,
  sink: { tracer: SourceTracer; submissions: SubmissionLog; sourceOf: Map<string, string> },
  skipped: SkipTally,
  progress: Progress,
): Promise<{ summary: MailLogSummary; failures: SaslFailure[] }> {
  const summary: MailLogSummary = { files: [], messages: 0, alsoInQueue: 0, fromLogOnly: 0, saslFailures: 0 };
  const failures: SaslFailure[] = [];
  const files: MailLogFile[] = [];
  const stream = streamMailLog(
    host,
    { ...(input.paths ? { paths: input.paths } : {}), ...(input.since ? { since: input.since } : {}), ...(input.until ? { until: input.until } : {}), now: input.now },
    skipped,
  );
  for await (const event of stream) {
    if (event.kind === 'file') {
      files.push(event.file);
      continue;
    }
    if (event.kind === 'sasl-failure') {
      failures.push(event.failure);
      continue;
    }
    summary.messages++;
    if (summary.messages % 5000 === 0) progress.update(summary.messages, 0, 'mail-log messages');
    const m = event.message;
    if (sink.sourceOf.has(m.queueId)) {
      summary.alsoInQueue++;
      continue;
    }
    const tm = traceMessageOfLog(m);
    summary.fromLogOnly++;
    if (tm.examined) {
      const key = sink.tracer.add(tm);
      sink.sourceOf.set(m.queueId, key);
      sink.submissions.record(key, tm);
    } else {
      sink.tracer.addUnexamined(tm);
    }
  }
  summary.files = files.map((f) => ({ path: f.path, bytes: f.bytes, read: f.read, ...(f.why ? { why: f.why } : {}) }));
  summary.saslFailures = failures.length;
  // History was asked for: no log at all (or none readable) must not look like "no spam".
  const usable = files.filter((f) => f.read || (f.why ?? '').startsWith('last written before'));
  if (usable.length === 0) {
    const tried = input.paths ?? DEFAULT_MAILLOG_PATHS;
    const why = files.map((f) => `${f.path}: ${f.why ?? 'not read'}`).join('; ');
    throw new SpamtraceError('E_MAILLOG', `no mail log could be read (tried ${tried.join(', ')})${why ? `: ${why}` : ''}`);
  }
  return { summary, failures };
}
