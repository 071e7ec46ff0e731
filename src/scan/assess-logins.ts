/**
 * For every SASL source: was the password very likely stolen? Joins what the tracer
 * counted (clients, HELOs, recipients) with the mail log's failed logins.
 */
import type { SaslFailure } from '../domain/maillog';
import type { ReportSource } from '../domain/report';
import { assessSaslLogin } from '../trace/correlate';
import type { SaslFailureDigest } from '../trace/correlate/sasl-failure-digest';
import type { SubmissionLog } from './submission-log';

export function assessLogins(sources: ReportSource[], failures: readonly SaslFailure[] | SaslFailureDigest, log: SubmissionLog): void {
  for (const s of sources) {
    if (s.kind !== 'sasl' || !s.saslUsername) continue;
    const logins = log.loginsOf(s.id);
    const clients = s.clientAddresses.map((address) => ({
      address,
      // reverse names are per source, not per address: only a single client can own them
      names: s.clientAddresses.length === 1 ? s.clientNames : [],
      count: log.loginCountFrom(s.id, address),
    }));
    s.login = assessSaslLogin({
      username: s.saslUsername,
      clients,
      heloNames: s.heloNames,
      recipientsPerMessage: s.messages > 0 ? s.recipients / s.messages : null,
      failures,
      logins,
    });
  }
}
