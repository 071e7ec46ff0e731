/** What one submission of a scenario did: counts, SMTP queue IDs, the first few errors. */
import type { ExpectedSource, MessageSubmission, Submission } from './scenarios';

export interface SubmissionResult {
  label: string;
  via: Submission['via'];
  /** messages (or log lines) attempted */
  attempted: number;
  /** messages accepted by Postfix (or log lines written) */
  submitted: number;
  failed: number;
  /** recipients of the submitted messages */
  recipients: number;
  /** queue IDs from SMTP "queued as" replies (sendmail does not report them) */
  queueIds: string[];
  /** the first few errors */
  errors: string[];
  elapsedMs: number;
  expect?: ExpectedSource;
}

export function newResult(sub: MessageSubmission, attempted: number): SubmissionResult {
  const r: SubmissionResult = { label: sub.label ?? sub.via, via: sub.via, attempted, submitted: 0, failed: 0, recipients: 0, queueIds: [], errors: [], elapsedMs: 0 };
  if (sub.expect) r.expect = sub.expect;
  return r;
}

export function noteError(r: SubmissionResult, e: string): void {
  r.failed++;
  if (r.errors.length < 5) r.errors.push(e);
}
