import type { DeferralMatch } from '../domain/report';
import { DEFERRAL_RULES, type DeferralRule } from './rules/deferral-rules';

/** Postfix prints reasons with our own relay's name first; providers answer in the rest. */
export function classifyDeferral(reason: string, rules: readonly DeferralRule[] = DEFERRAL_RULES): DeferralMatch {
  for (const r of rules) {
    if (r.pattern.test(reason)) return { class: r.class, rule: r.id, provider: r.provider, label: r.label };
  }
  return { class: 'other', rule: null, provider: null, label: 'other' };
}
