import type { Verdict } from '../domain/report';
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
  const hits: { rule: VerdictRule; reason: string }[] = [];
  for (const rule of rules) {
    const reason = rule.test(facts);
    if (reason !== null) hits.push({ rule, reason });
  }
  hits.sort((a, b) => Math.abs(b.rule.weight) - Math.abs(a.rule.weight));
  const score = hits.reduce((s, h) => s + h.rule.weight, 0);
  const verdict = verdictForScore(score, options.originKnown);
  const reasons = hits.map((h) => (h.rule.weight < 0 ? `in its favour: ${h.reason}` : h.reason));
  // Without an origin there is nobody to accuse: say what is known, ask for the evidence.
  if (!options.originKnown && score >= SPAM_SCORE) {
    reasons.push('origin unknown: examine these messages with postcat to find who sent them');
  }
  if (hits.length === 0) reasons.push('nothing unusual');
  return { verdict, score, reasons, rules: hits.map((h) => h.rule.id) };
}
