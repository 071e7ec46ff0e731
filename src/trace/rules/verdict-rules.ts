/**
 * The signals that make a source look like spam (positive weight) or like ordinary
 * bulk mail (negative weight). Each row speaks for itself in plain words, so every
 * verdict carries its reasons. Tuned so that one signal alone never makes "spam":
 * accusing an innocent customer is worse than missing a quiet one.
 */
import type { SourceFacts } from '../source-facts';
import { pct, row, type RuleRow, type Thresholds } from './rule-kit';
import { isRandomHelo } from './client-names';

export type VerdictRule = RuleRow<SourceFacts, Thresholds>;

/**
 * What an ordinary login looks like: one envelope sender, a few recipients per message,
 * an office's daily volume. For such a login, writing mostly to freemail is ordinary
 * (customers use GMX, web.de, T-Online), and not held against it on its own.
 */
export const ORDINARY_LOGIN = { maxRecipientsPerMessage: 5, maxMessagesPerDay: 200 } as const;

export function isOrdinaryLogin(f: SourceFacts): boolean {
  return (
    f.kind === 'sasl' &&
    f.distinctSenders === 1 &&
    f.fromMismatch === 0 &&
    f.recipientsPerMessage < ORDINARY_LOGIN.maxRecipientsPerMessage &&
    f.messagesPerDay <= ORDINARY_LOGIN.maxMessagesPerDay
  );
}

export const VERDICT_RULES: readonly VerdictRule[] = [
  row({
    id: 'php-eval',
    weight: 5,
    thresholds: { minMessages: 1 },
    when: (f: SourceFacts, t) =>
      f.evalScripts >= t.minMessages ? `PHP says the mail came from eval()'d code (${f.evalScripts} messages): a typical web shell` : null,
  }),
  row({
    id: 'random-senders',
    weight: 3,
    thresholds: { minSenders: 5, minShare: 0.5 },
    when: (f: SourceFacts, t) =>
      f.distinctSenders >= t.minSenders && f.distinctSenders >= t.minShare * f.messages
        ? `${f.distinctSenders} different envelope senders in ${f.messages} messages`
        : null,
  }),
  row({
    id: 'sender-from-mismatch',
    weight: 2,
    thresholds: { minCompared: 1, minShare: 0.5 },
    when: (f: SourceFacts, t) =>
      f.fromCompared >= t.minCompared && f.fromMismatch >= t.minShare * f.fromCompared
        ? `envelope sender and From header name different domains in ${f.fromMismatch} of ${f.fromCompared} examined messages`
        : null,
  }),
  row({
    // an ordinary login writing to its customers at GMX or web.de is not a spammer (issue 13)
    id: 'freemail-targets',
    weight: 2,
    thresholds: { minRecipients: 5, minShare: 0.7 },
    when: (f: SourceFacts, t) =>
      f.recipients >= t.minRecipients && f.freemailShare >= t.minShare && !isOrdinaryLogin(f)
        ? `${pct(f.freemailShare)} of ${f.recipients} recipients are at freemail providers`
        : null,
  }),
  row({
    id: 'many-recipients-per-message',
    weight: 2,
    thresholds: { minPerMessage: 5, minFreemailShare: 0.5, maxUnsubscribeShare: 0.5 },
    when: (f: SourceFacts, t) =>
      f.recipientsPerMessage >= t.minPerMessage && f.freemailShare >= t.minFreemailShare && f.listUnsubscribeShare !== null && f.listUnsubscribeShare < t.maxUnsubscribeShare
        ? `${f.recipientsPerMessage.toFixed(1)} recipients per message, no unsubscribe link`
        : null,
  }),
  row({
    // Inbound mail for hosted domains is never judged (direction.ts); mail without a login
    // for freemail providers is relayed.
    id: 'unauthenticated-relay',
    weight: 3,
    thresholds: { minRecipients: 5, minFreemailShare: 0.3 },
    when: (f: SourceFacts, t) =>
      f.kind === 'smtp-client' && f.recipients >= t.minRecipients && f.freemailShare >= t.minFreemailShare
        ? `relays mail without a login to freemail providers (${pct(f.freemailShare)} of ${f.recipients} recipients)`
        : null,
  }),
  row({
    id: 'reputation-deferrals',
    weight: 2,
    thresholds: { minDeferred: 3, minShare: 0.5 },
    when: (f: SourceFacts, t) =>
      f.deferrals.blocklisted + f.deferrals['rate-limited'] >= t.minDeferred && f.reputationShare >= t.minShare
        ? `${pct(f.reputationShare)} of recipients deferred for the server's reputation (${f.topReputationLabels})`
        : null,
  }),
  row({
    id: 'unknown-users',
    weight: 1,
    thresholds: { minUnknown: 3, minShare: 0.3 },
    when: (f: SourceFacts, t) =>
      f.deferrals['unknown-user'] >= t.minUnknown && f.deferrals['unknown-user'] >= t.minShare * f.recipients
        ? `${f.deferrals['unknown-user']} recipients unknown at the receiving side (a harvested list)`
        : null,
  }),
  row({
    // a login's mail program greets with the PC's name; only random letters count against it
    id: 'bogus-helo',
    weight: 2,
    thresholds: { minHelos: 1 },
    when: (f: SourceFacts, t) => {
      const helos = f.kind === 'sasl' ? f.bogusHelos.filter(isRandomHelo) : f.bogusHelos;
      return helos.length >= t.minHelos ? `client greets with a non-hostname HELO (${helos.slice(0, 3).join(', ')})` : null;
    },
  }),
  row({
    // Authenticated submission from a home DSL line is what the submission port is for:
    // a dynamic address alone never counts against a login (issue 13); with a bot's
    // random HELO it does. A client without a login always.
    id: 'dynamic-client',
    weight: 1,
    thresholds: { minClients: 1 },
    when: (f: SourceFacts, t) =>
      f.dynamicClients.length >= t.minClients && (f.kind !== 'sasl' || f.bogusHelos.some(isRandomHelo))
        ? `client connects from a dynamic/dial-up address (${f.dynamicClients.slice(0, 2).join(', ')})`
        : null,
  }),
  row({
    // an ordinary login's steady office volume is not a signal on its own
    id: 'volume',
    weight: 1,
    thresholds: { minMessages: 20, minRecipients: 100 },
    when: (f: SourceFacts, t) =>
      (f.messages >= t.minMessages || f.recipients >= t.minRecipients) && !isOrdinaryLogin(f) ? `${f.messages} messages to ${f.recipients} recipients` : null,
  }),
  row({
    id: 'unsubscribe-link',
    weight: -3,
    thresholds: { minShare: 0.8 },
    when: (f: SourceFacts, t) =>
      f.listUnsubscribeShare !== null && f.listUnsubscribeShare >= t.minShare ? 'carries List-Unsubscribe like a newsletter' : null,
  }),
  row({
    id: 'one-consistent-sender',
    weight: -1,
    thresholds: { minMessagesWithoutHeaders: 2 },
    when: (f: SourceFacts, t) => {
      if (f.distinctSenders !== 1 || f.fromMismatch > 0) return null;
      if (f.fromCompared > 0) return 'one envelope sender, matching the From header';
      // mail-log history has no headers: the one envelope sender is all there is to go by
      return f.listUnsubscribeShare === null && f.messages >= t.minMessagesWithoutHeaders ? `one envelope sender for all ${f.messages} messages (headers not seen)` : null;
    },
  }),
];

export const SPAM_SCORE = 6;
export const SUSPICIOUS_SCORE = 3;
