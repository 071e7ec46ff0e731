/**
 * A message from the mail log as the tracer sees it. Pure: the same rules as the queue
 * (origin.ts), read from the log's own lines instead of envelope records:
 *
 * - `sasl_username=` on smtpd's client line: an SMTP login;
 * - pickup's `uid=N` and no client: a local process (sendmail, PHP mail());
 * - a client without login: an SMTP client, 127.0.0.1/::1 included (a script on this
 *   server speaking SMTP: the log, like the queue file, has no uid for it);
 * - a copy local(8) re-sent for an alias or .forward: the original submitter, `forwarded`;
 * - the null sender and no client: a bounce or notice this server generated.
 *
 * The log has no headers: subject and From are null, List-Unsubscribe unknown (false).
 * A message whose arrival is not in the log (it came in before the oldest file) has no
 * origin: it is marked not examined, so the tracer places it like a listing-only message.
 */
import type { MailLogMessage } from '../domain/maillog';
import type { Origin } from '../domain/origin';
import type { QueueName } from '../domain/queue';
import type { TraceMessage } from './trace-message';
import { withSocketOwner } from './origin';

export function traceMessageOfLog(m: MailLogMessage): TraceMessage {
  const origin = originOfLog(m);
  return {
    queueId: m.queueId,
    queueName: queueNameOf(m),
    arrivalTime: m.firstSeen,
    sender: m.sender ?? '',
    recipients: recipientsOf(m),
    delayReasons: delayReasonsOf(m),
    origin,
    fromAddress: null,
    subject: null,
    listUnsubscribe: false,
    examined: hasArrival(m),
    headersRead: false,
    localRecipients: localRecipientsOf(m),
  };
}

/** Postfix's delivery agents that deliver on this server (an smtp hop to loopback is a filter, not a mailbox). */
const FINAL_AGENTS = new Set(['local', 'virtual', 'lmtp', 'pipe']);

function localRecipientsOf(m: MailLogMessage): string[] {
  const out = new Set<string>();
  for (const d of m.deliveries) if (d.agent && FINAL_AGENTS.has(d.agent)) out.add(d.recipient);
  return [...out];
}

export function originOfLog(m: MailLogMessage): Origin {
  return withSocketOwner(logOrigin(m), m.socketUid ?? null);
}

function logOrigin(m: MailLogMessage): Origin {
  if (m.saslUsername) {
    return {
      kind: 'sasl',
      username: m.saslUsername,
      ...(m.saslMethod ? { method: m.saslMethod } : {}),
      ...(m.clientAddress ? { clientAddress: m.clientAddress } : {}),
      ...(m.clientName ? { clientName: m.clientName } : {}),
      ...(m.helo ? { helo: m.helo } : {}),
    };
  }
  if (m.pickupUid !== null && !m.clientAddress) {
    return { kind: 'local', uid: m.pickupUid, ...(m.resentFrom?.via === 'forward' ? { forwarded: true } : {}) };
  }
  if (m.clientAddress) {
    return {
      kind: 'smtp-client',
      clientAddress: m.clientAddress,
      ...(m.clientName ? { clientName: m.clientName } : {}),
      ...(m.helo ? { helo: m.helo } : {}),
    };
  }
  if (m.sender === '') return { kind: 'unknown', why: 'a bounce or notice this server generated itself (null sender)' };
  if (!hasArrival(m)) return { kind: 'unknown', why: 'it arrived before the oldest mail log line read' };
  return { kind: 'unknown', why: 'no pickup or smtpd client line for it in the mail log' };
}

/** Recipients in the order Postfix first tried them, each once. */
function recipientsOf(m: MailLogMessage): string[] {
  const seen = new Set<string>();
  for (const d of m.deliveries) seen.add(d.recipient);
  return [...seen];
}

/** One reason per recipient that was ever deferred: its latest deferral's reason. */
function delayReasonsOf(m: MailLogMessage): string[] {
  const latest = new Map<string, string>();
  for (const d of m.deliveries) if (d.status === 'deferred' && d.reason) latest.set(d.recipient, d.reason);
  return [...latest.values()];
}

/** Still in the queue at the end of the log, or gone: the log cannot tell active from deferred reliably. */
function queueNameOf(m: MailLogMessage): QueueName {
  if (m.removed) return 'unknown';
  const last = new Map<string, string>();
  for (const d of m.deliveries) last.set(d.recipient, d.status);
  return [...last.values()].includes('deferred') ? 'deferred' : 'unknown';
}

/**
 * The log saw it arrive: pickup, smtpd's client line, or a message-id from cleanup (a
 * bounce or a local(8) copy has only that), or it is a copy whose original arrived.
 */
function hasArrival(m: MailLogMessage): boolean {
  return m.pickupUid !== null || m.clientAddress !== null || m.messageId !== null || m.resentFrom !== undefined;
}
