/**
 * The signals that make a source look like spam (positive weight) or like ordinary
 * bulk mail (negative weight). Each row speaks for itself in plain words, so every
 * verdict carries its reasons. Tuned so that one signal alone never makes "spam":
 * accusing an innocent customer is worse than missing a quiet one.
 */
import type { SourceFacts } from '../source-facts';

export interface VerdictRule {
  id: string;
  weight: number;
  /** the reason in plain words when the rule applies, else null */
  test(f: SourceFacts): string | null;
}

const pct = (x: number): string => `${Math.round(x * 100)}%`;

/** A HELO that is neither a dotted hostname nor an address literal: typical of bots. */
export function isBogusHelo(helo: string): boolean {
  if (/^\[.*\]$/.test(helo)) return false;
  return !/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(helo);
}

/**
 * A mail program behind a login greets with the PC's name ("DESKTOP-4F7QK2L",
 * "anna-laptop", "[192.168.1.5]"); a spam bot with a stolen password with random
 * lower-case letters ("cisqyltfbn"). Only the latter counts against a login.
 */
export function isRandomHelo(helo: string): boolean {
  return /^[a-z]{6,20}$/.test(helo) && !/^(localhost|mailserver|webmail|outlook|thunderbird)$/.test(helo);
}

/** Reverse names ISPs give dial-up and dynamic addresses. */
export function looksDynamic(name: string): boolean {
  return /\b(dynamic|dyn|dsl|adsl|dhcp|pool|ppp|cable|dial|client|broadband)\b/i.test(name.replace(/[-_.]/g, ' ')) ||
    /\d{1,3}[-.]\d{1,3}[-.]\d{1,3}[-.]\d{1,3}/.test(name);
}

export const VERDICT_RULES: readonly VerdictRule[] = [
  {
    id: 'php-eval',
    weight: 5,
    test: (f) => (f.evalScripts > 0 ? `PHP says the mail came from eval()'d code (${f.evalScripts} messages): a typical web shell` : null),
  },
  {
    id: 'random-senders',
    weight: 3,
    test: (f) =>
      f.distinctSenders >= 5 && f.distinctSenders >= 0.5 * f.messages
        ? `${f.distinctSenders} different envelope senders in ${f.messages} messages`
        : null,
  },
  {
    id: 'sender-from-mismatch',
    weight: 2,
    test: (f) =>
      f.fromCompared >= 1 && f.fromMismatch >= 0.5 * f.fromCompared
        ? `envelope sender and From header name different domains in ${f.fromMismatch} of ${f.fromCompared} examined messages`
        : null,
  },
  {
    id: 'freemail-targets',
    weight: 2,
    test: (f) =>
      f.recipients >= 5 && f.freemailShare >= 0.7 ? `${pct(f.freemailShare)} of ${f.recipients} recipients are at freemail providers` : null,
  },
  {
    id: 'many-recipients-per-message',
    weight: 2,
    test: (f) =>
      f.recipientsPerMessage >= 5 && f.freemailShare >= 0.5 && f.listUnsubscribeShare !== null && f.listUnsubscribeShare < 0.5
        ? `${f.recipientsPerMessage.toFixed(1)} recipients per message, no unsubscribe link`
        : null,
  },
  {
    // Inbound mail from other servers arrives without a login too, but not addressed to
    // gmail.com or aol.com: mail for freemail providers from an unauthenticated client is relayed.
    id: 'unauthenticated-relay',
    weight: 3,
    test: (f) =>
      f.kind === 'smtp-client' && f.recipients >= 5 && f.freemailShare >= 0.3
        ? `relays mail without a login to freemail providers (${pct(f.freemailShare)} of ${f.recipients} recipients)`
        : null,
  },
  {
    id: 'reputation-deferrals',
    weight: 2,
    test: (f) =>
      f.deferrals.blocklisted + f.deferrals['rate-limited'] >= 3 && f.reputationShare >= 0.5
        ? `${pct(f.reputationShare)} of recipients deferred for the server's reputation (${f.topReputationLabels})`
        : null,
  },
  {
    id: 'unknown-users',
    weight: 1,
    test: (f) =>
      f.deferrals['unknown-user'] >= 3 && f.deferrals['unknown-user'] >= 0.3 * f.recipients
        ? `${f.deferrals['unknown-user']} recipients unknown at the receiving side (a harvested list)`
        : null,
  },
  {
    id: 'bogus-helo',
    weight: 2,
    test: (f) => {
      const helos = f.kind === 'sasl' ? f.bogusHelos.filter(isRandomHelo) : f.bogusHelos;
      return helos.length > 0 ? `client greets with a non-hostname HELO (${helos.slice(0, 3).join(', ')})` : null;
    },
  },
  {
    id: 'dynamic-client',
    weight: 1,
    test: (f) => (f.dynamicClients.length > 0 ? `client connects from a dynamic/dial-up address (${f.dynamicClients.slice(0, 2).join(', ')})` : null),
  },
  {
    id: 'volume',
    weight: 1,
    test: (f) => (f.messages >= 20 || f.recipients >= 100 ? `${f.messages} messages to ${f.recipients} recipients` : null),
  },
  {
    id: 'unsubscribe-link',
    weight: -3,
    test: (f) =>
      f.listUnsubscribeShare !== null && f.listUnsubscribeShare >= 0.8 ? 'carries List-Unsubscribe like a newsletter' : null,
  },
  {
    id: 'one-consistent-sender',
    weight: -1,
    test: (f) => {
      if (f.distinctSenders !== 1 || f.fromMismatch > 0) return null;
      if (f.fromCompared > 0) return 'one envelope sender, matching the From header';
      // mail-log history has no headers: the one envelope sender is all there is to go by
      return f.listUnsubscribeShare === null && f.messages >= 2 ? `one envelope sender for all ${f.messages} messages (headers not seen)` : null;
    },
  },
];

export const SPAM_SCORE = 6;
export const SUSPICIOUS_SCORE = 3;
