/**
 * Evidence about a source itself, once the correlators have spoken: a dropped script
 * that explains its mail, or a login very likely stolen. Rows of the rule kit, read from
 * the report source (evidence-verdict.ts applies them).
 */
import type { ReportSource } from '../../domain/report';
import { row, type RuleRow, type Thresholds } from './rule-kit';

export type EvidenceRule = RuleRow<ReportSource, Thresholds>;

/** script signals (script-signal-rules.ts) of a script nobody meant to publish */
export const DROPPED_SIGNALS: ReadonlySet<string> = new Set(['random-name', 'php-in-upload-dir', 'no-agent-no-referer', 'steady-interval', 'eval-code']);

export const EVIDENCE_RULES: readonly EvidenceRule[] = [
  row({
    id: 'dropped-script',
    weight: 4,
    thresholds: { minSignals: 2, minExplainedShare: 0.5 },
    when: (s: ReportSource, t) => {
      const top = s.scripts?.[0];
      if (!top || s.messages === 0) return null;
      const signs = top.signals.filter((x) => DROPPED_SIGNALS.has(x.id));
      if (signs.length < t.minSignals || top.explainedSubmissions < t.minExplainedShare * s.messages) return null;
      return `${top.explainedSubmissions} of ${s.messages} messages followed requests to ${top.urlPath}, which looks dropped (${signs.map((x) => x.id).join(', ')})`;
    },
  }),
  row({
    id: 'stolen-login',
    weight: 3,
    thresholds: {},
    when: (s: ReportSource) => (s.login?.conclusion === 'stolen' ? `the login's password was very likely stolen (${s.login.reasons.slice(0, 2).join('; ')})` : null),
  }),
];
