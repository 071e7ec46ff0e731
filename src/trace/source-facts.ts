/** The numbers the verdict rules read, derived once from a source's running totals. */
import type { DeferralClass } from '../domain/report';
import type { SourceAccumulator } from './source-accumulator';
import type { OriginKind } from '../domain/origin';
import { isBogusHelo, looksDynamic } from './rules/client-names';
import { EVAL_CODE } from './rules/rule-kit';

export interface SourceFacts {
  kind: OriginKind;
  messages: number;
  recipients: number;
  recipientsPerMessage: number;
  freemailShare: number;
  distinctSenders: number;
  fromCompared: number;
  fromMismatch: number;
  /** null when no message's headers were read (mail-log history only) */
  listUnsubscribeShare: number | null;
  deferrals: Record<DeferralClass, number>;
  /** recipients deferred as blocklisted or rate-limited, over all recipients */
  reputationShare: number;
  /** the provider rules behind those deferrals, most frequent first, e.g. "AOL DYN:T1, Yahoo TSS04" */
  topReputationLabels: string;
  bogusHelos: string[];
  dynamicClients: string[];
  evalScripts: number;
  /** judged messages per day over the source's first..last message (at least one day) */
  messagesPerDay: number;
}

export function factsOf(acc: SourceAccumulator): SourceFacts {
  const reputationRules = acc.deferralRules()
    .filter((d) => d.class === 'blocklisted' || d.class === 'rate-limited')
    .sort((a, b) => b.count - a.count || (a.label < b.label ? -1 : 1));
  let evalScripts = 0;
  for (const [script, n] of acc.phpScripts.entries()) if (EVAL_CODE.test(script)) evalScripts += n;
  return {
    kind: acc.origin.kind,
    messages: acc.judged,
    recipients: acc.recipients,
    recipientsPerMessage: acc.judged ? acc.recipients / acc.judged : 0,
    freemailShare: acc.recipients ? acc.freemailRecipients / acc.recipients : 0,
    distinctSenders: acc.senders.size,
    fromCompared: acc.fromCompared,
    fromMismatch: acc.fromMismatch,
    listUnsubscribeShare: acc.headersRead ? acc.listUnsubscribe / acc.headersRead : null,
    deferrals: { ...acc.deferrals },
    reputationShare: acc.recipients ? (acc.deferrals.blocklisted + acc.deferrals['rate-limited']) / acc.recipients : 0,
    topReputationLabels: reputationRules.map((d) => d.label).slice(0, 3).join(', '),
    bogusHelos: [...acc.heloNames.keys()].filter(isBogusHelo),
    dynamicClients: [...acc.clientNames.keys()].filter(looksDynamic),
    evalScripts,
    messagesPerDay: acc.judged / Math.max(1, acc.firstSeen !== null && acc.lastSeen !== null ? (acc.lastSeen - acc.firstSeen) / 86_400_000 : 1),
  };
}
