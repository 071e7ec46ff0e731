/**
 * The one shape of every rule table in this folder (verdict, SASL login, evidence,
 * script signals) and the one scorer that runs them. A row is data: an id, a weight,
 * its thresholds as named numbers, and the reason in plain words built from the facts
 * and those thresholds. Rows never throw; a row that does not apply answers null.
 *
 * Also defined once here: the order of verdicts, and the pattern of PHP's
 * X-PHP-Originating-Script for code run through eval() (a web shell's mark).
 */
import type { Verdict } from '../../domain/report';

export type Thresholds = Readonly<Record<string, number>>;

export interface RuleRow<F, T extends Thresholds = Thresholds> {
  readonly id: string;
  /** added to the score when the row applies; 0 for a signal that is only named */
  readonly weight: number;
  /** the numbers the row compares against, by name (shown in docs and tests) */
  readonly thresholds: T;
  /** the reason in plain words when the row applies, else null */
  test(f: F): string | null;
}

/** Defines a row; `when` gets the row's own thresholds, so the reason text quotes them. */
export function row<F, T extends Thresholds>(def: { id: string; weight: number; thresholds: T; when(f: F, t: T): string | null }): RuleRow<F, T> {
  const { id, weight, thresholds, when } = def;
  return Object.freeze({ id, weight, thresholds: Object.freeze({ ...thresholds }), test: (f: F) => when(f, thresholds) });
}

export interface RuleHit {
  id: string;
  weight: number;
  reason: string;
}

export interface Scored {
  score: number;
  /** the rows that applied: against first (heaviest first), then in favour (heaviest first); table order breaks ties */
  hits: RuleHit[];
}

/** Runs every row on the facts: the only scorer. */
export function scoreRows<F>(rows: readonly RuleRow<F, Thresholds>[], facts: F): Scored {
  const hits: RuleHit[] = [];
  for (const r of rows) {
    const reason = r.test(facts);
    if (reason !== null) hits.push({ id: r.id, weight: r.weight, reason });
  }
  hits.sort((a, b) => Number(a.weight < 0) - Number(b.weight < 0) || Math.abs(b.weight) - Math.abs(a.weight));
  return { score: hits.reduce((s, h) => s + h.weight, 0), hits };
}

/** normal < suspicious < spam */
export const VERDICT_RANK: Readonly<Record<Verdict, number>> = Object.freeze({ normal: 0, suspicious: 1, spam: 2 });

export function worseVerdict(a: Verdict, b: Verdict): Verdict {
  return VERDICT_RANK[b] > VERDICT_RANK[a] ? b : a;
}

/** PHP names code run through eval() `x.php(2) : eval()'d code`: a web shell's mark. */
export const EVAL_CODE = /eval\(\)'d code/i;

export const pct = (x: number): string => `${Math.round(x * 100)}%`;
