/**
 * The verdict a second time, once the correlators have spoken: a dropped script that
 * explains a source's mail, or a login very likely stolen, is evidence about the source
 * itself. It matters most where the headers are gone (mail-log history only), where
 * the queue's header rules cannot help. Pure: it reads and amends a report source.
 */
import type { ReportSource } from '../domain/report';
import { verdictForScore } from './verdict';

/** signals of a script nobody meant to publish */
const DROPPED_SIGNALS = new Set(['random-name', 'php-in-upload-dir', 'no-agent-no-referer', 'steady-interval', 'eval-code']);

interface EvidenceRule {
  id: string;
  weight: number;
  test(s: ReportSource): string | null;
}

export const EVIDENCE_RULES: readonly EvidenceRule[] = [
  {
    id: 'dropped-script',
    weight: 4,
    test: (s) => {
      const top = s.scripts?.[0];
      if (!top || s.messages === 0) return null;
      const signs = top.signals.filter((x) => DROPPED_SIGNALS.has(x.id));
      if (signs.length < 2 || top.explainedSubmissions < 0.5 * s.messages) return null;
      return `${top.explainedSubmissions} of ${s.messages} messages followed requests to ${top.urlPath}, which looks dropped (${signs.map((x) => x.id).join(', ')})`;
    },
  },
  {
    id: 'stolen-login',
    weight: 3,
    test: (s) => (s.login?.conclusion === 'stolen' ? `the login's password was very likely stolen (${s.login.reasons.slice(0, 2).join('; ')})` : null),
  },
];

export function applyEvidence(s: ReportSource): void {
  for (const rule of EVIDENCE_RULES) {
    if (s.rules.includes(rule.id)) continue;
    const reason = rule.test(s);
    if (reason === null) continue;
    s.score += rule.weight;
    s.rules.push(rule.id);
    s.reasons = [reason, ...s.reasons.filter((r) => r !== 'nothing unusual')];
  }
  const verdict = verdictForScore(s.score, s.kind !== 'unknown');
  // evidence only ever raises a verdict; the first judgement's caveats stay
  const order = { normal: 0, suspicious: 1, spam: 2 } as const;
  if (order[verdict] > order[s.verdict]) s.verdict = verdict;
}
