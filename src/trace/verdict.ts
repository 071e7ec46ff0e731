import type { Verdict } from '../domain/report';
import { scoreRows } from './rules/rule-kit';
import { SPAM_SCORE, SUSPICIOUS_SCORE, VERDICT_RULES, type VerdictRule } from './rules/verdict-rules';
import type { SourceFacts } from './source-facts';

export interface VerdictResult {
  verdict: Verdict;
  score: number;
  /** plain-word reasons of every rule that applied, strongest first */
  reasons: string[];
  rules: string[];
}

/** The score thresholds, once: without an origin there is nobody to call a spammer. */
export function verdictForScore(score: number, originKnown: boolean): Verdict {
  if (score >= SPAM_SCORE) return originKnown ? 'spam' : 'suspicious';
  return score >= SUSPICIOUS_SCORE ? 'suspicious' : 'normal';
}

export function judge(facts: SourceFacts, options: { originKnown: boolean }, rules: readonly VerdictRule[] = VERDICT_RULES): VerdictResult {
  const { score, hits } = scoreRows(rules, facts);
  const verdict = verdictForScore(score, options.originKnown);
  const reasons = hits.map((h) => (h.weight < 0 ? `in its favour: ${h.reason}` : h.reason));
  // Without an origin there is nobody to accuse: say what is known, ask for the evidence.
  if (!options.originKnown && score >= SPAM_SCORE) {
    reasons.push('origin unknown: examine these messages with postcat to find who sent them');
  }
  if (hits.length === 0) reasons.push('nothing unusual');
  return { verdict, score, reasons, rules: hits.map((h) => h.id) };
}
