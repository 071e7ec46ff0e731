/**
 * Judges one source's window with the scan's own code: the messages become TraceMessages
 * (`traceMessageOfLog`), the SourceTracer counts and scores them with the verdict rules,
 * a login is assessed with the failed logins seen (`assessSaslLogin`) and the evidence
 * rules amend the verdict (`applyEvidence`). So `watch` and `scan --since` reach the same
 * verdict on the same lines; nothing here has rules of its own.
 */
import type { ReportSource } from '../domain/report';
import type { SaslFailure } from '../domain/maillog';
import type { UserDirectory } from '../domain/users';
import { assessSaslLogin } from '../trace/correlate';
import { applyEvidence } from '../trace/evidence-verdict';
import { traceMessageOfLog } from '../trace/maillog-message';
import { SourceTracer } from '../trace/source-tracer';
import type { Window } from './source-windows';

const NO_USERS: UserDirectory = { byUid: () => undefined };

export function judgeWindow(w: Window, failures: readonly SaslFailure[], users: UserDirectory = NO_USERS): ReportSource | null {
  const tracer = new SourceTracer();
  for (const lm of w.messages) tracer.add(traceMessageOfLog(lm.m));
  const s = tracer.finish(users).find((x) => x.id === w.key);
  if (!s) return null;
  if (s.kind === 'sasl' && s.saslUsername) {
    const logins = w.messages
      .filter((lm) => lm.m.clientAddress)
      .map((lm) => ({ time: lm.m.firstSeen, clientAddress: lm.m.clientAddress! }));
    const perClient = new Map<string, number>();
    for (const l of logins) perClient.set(l.clientAddress, (perClient.get(l.clientAddress) ?? 0) + 1);
    s.login = assessSaslLogin({
      username: s.saslUsername,
      clients: s.clientAddresses.map((address) => ({ address, names: s.clientAddresses.length === 1 ? s.clientNames : [], count: perClient.get(address) ?? 0 })),
      heloNames: s.heloNames,
      recipientsPerMessage: s.messages > 0 ? s.recipients / s.messages : null,
      failures,
      logins,
    });
  }
  applyEvidence(s);
  return s;
}
