/**
 * What makes a script that sends mail look like a spam dropper rather than a contact
 * form. Each row is one signal in plain words; a script a browser uses as intended
 * (named by a person, in its own folder, visited with a user agent at human intervals)
 * triggers none of them. Values quoted in the texts come from the request and stay
 * untrusted: the renderer escapes them.
 */
import type { ScriptSignal } from '../../domain/findings';
import type { KeyedRequest } from '../correlate/match-submissions';
import { randomNameReason } from '../correlate/random-name';
import { uploadDirOf } from '../correlate/script-path';
import { EVAL_CODE, row, type RuleRow, type Thresholds } from './rule-kit';

export interface ScriptFacts {
  key: string;
  baseName: string;
  /** every request to the script in the input, sorted by time */
  requests: readonly KeyedRequest[];
  /** X-PHP-Originating-Script values of the mails it explains or that name it */
  headerScripts: readonly string[];
}

/** A signal names what it saw; it carries no weight of its own (weight 0): evidence-rules.ts counts signals. */
export type ScriptSignalRule = RuleRow<ScriptFacts, Thresholds>;

const isEmpty = (v: string | null): boolean => v === null || v.trim() === '' || v.trim() === '-';
const quote = (s: string): string => JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);

/** Mean and coefficient of variation (stdev / mean) of the gaps between sorted times. */
export function gapStats(timesMs: readonly number[]): { meanSeconds: number; cv: number } | null {
  if (timesMs.length < 2) return null;
  const gaps: number[] = [];
  for (let i = 1; i < timesMs.length; i++) gaps.push((timesMs[i]! - timesMs[i - 1]!) / 1000);
  const mean = gaps.reduce((s, g) => s + g, 0) / gaps.length;
  if (mean <= 0) return null;
  const variance = gaps.reduce((s, g) => s + (g - mean) ** 2, 0) / gaps.length;
  return { meanSeconds: mean, cv: Math.sqrt(variance) / mean };
}

function topClient(requests: readonly KeyedRequest[]): { client: string; times: number[] } | null {
  const byClient = new Map<string, number[]>();
  for (const r of requests) {
    const list = byClient.get(r.request.client);
    if (list) list.push(r.timeMs);
    else byClient.set(r.request.client, [r.timeMs]);
  }
  let best: { client: string; times: number[] } | null = null;
  for (const [client, times] of byClient) if (!best || times.length > best.times.length) best = { client, times };
  return best;
}

const formatSeconds = (s: number): string => (s < 10 ? `${Math.round(s * 10) / 10} s` : s < 120 ? `${Math.round(s)} s` : `${Math.round(s / 60)} min`);

export const SCRIPT_SIGNAL_RULES: readonly ScriptSignalRule[] = [
  row({
    id: 'random-name',
    weight: 0,
    thresholds: {},
    when: (f: ScriptFacts) => {
      const why = randomNameReason(f.baseName);
      return why ? `file name ${quote(f.baseName)} looks machine-made (${why})` : null;
    },
  }),
  row({
    id: 'php-in-upload-dir',
    weight: 0,
    thresholds: {},
    when: (f: ScriptFacts) => {
      const dir = uploadDirOf(f.key);
      return dir ? `a script in the folder ${quote(dir)}, where only uploaded or generated files belong` : null;
    },
  }),
  row({
    id: 'no-agent-no-referer',
    weight: 0,
    thresholds: { minShare: 0.8 },
    when: (f: ScriptFacts, t) => {
      const bare = f.requests.filter((r) => isEmpty(r.request.userAgent) && isEmpty(r.request.referer)).length;
      return f.requests.length > 0 && bare >= t.minShare * f.requests.length
        ? `${bare} of ${f.requests.length} requests sent neither a user agent nor a referer`
        : null;
    },
  }),
  row({
    // below minGaps gaps an interval is not "steady", it is a coincidence
    id: 'steady-interval',
    weight: 0,
    thresholds: { minGaps: 5, maxCv: 0.3 },
    when: (f: ScriptFacts, t) => {
      const top = topClient(f.requests);
      if (!top || top.times.length < t.minGaps + 1) return null;
      const sorted = [...top.times].sort((a, b) => a - b);
      const g = gapStats(sorted);
      return g && g.cv <= t.maxCv
        ? `one client (${top.client}) requested it ${sorted.length} times at a steady interval of about ${formatSeconds(g.meanSeconds)}`
        : null;
    },
  }),
  row({
    id: 'eval-code',
    weight: 0,
    thresholds: { minMails: 1 },
    when: (f: ScriptFacts, t) => {
      const evals = f.headerScripts.filter((s) => EVAL_CODE.test(s));
      return evals.length >= t.minMails
        ? `PHP says ${evals.length} of its mails came from eval()'d code (${quote(evals[0]!)}): a typical web shell`
        : null;
    },
  }),
];

export function scriptSignals(f: ScriptFacts, rules: readonly ScriptSignalRule[] = SCRIPT_SIGNAL_RULES): ScriptSignal[] {
  const out: ScriptSignal[] = [];
  for (const rule of rules) {
    const text = rule.test(f);
    if (text !== null) out.push({ id: rule.id, text });
  }
  return out;
}
