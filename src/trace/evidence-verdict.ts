/**
 * The verdict a second time, once the correlators have spoken: a dropped script that
 * explains a source's mail, or a login very likely stolen, is evidence about the source
 * itself (rows: rules/evidence-rules.ts). It matters most where the headers are gone
 * (mail-log history only), where the queue's header rules cannot help. Pure: it reads
 * and amends a report source.
 */
import type { ReportSource } from '../domain/report';
import { EVIDENCE_RULES } from './rules/evidence-rules';
import { worseVerdict } from './rules/rule-kit';
import { verdictForScore } from './verdict';

export { EVIDENCE_RULES } from './rules/evidence-rules';

export function applyEvidence(s: ReportSource): void {
  for (const rule of EVIDENCE_RULES) {
    if (s.rules.includes(rule.id)) continue;
    const reason = rule.test(s);
    if (reason === null) continue;
    s.score += rule.weight;
    s.rules.push(rule.id);
    s.reasons = [reason, ...s.reasons.filter((r) => r !== 'nothing unusual')];
  }
  // evidence only ever raises a verdict; the first judgement's caveats stay
  s.verdict = worseVerdict(s.verdict, verdictForScore(s.score, s.kind !== 'unknown'));
}
