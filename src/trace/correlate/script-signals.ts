/**
 * What makes a script that sends mail look like a spam dropper rather than a contact
 * form. Each row is one signal in plain words; a script a browser uses as intended
 * (named by a person, in its own folder, visited with a user agent at human intervals)
 * triggers none of them. Values quoted in the texts come from the request and stay
 * untrusted: the renderer escapes them.
 */
import type { ScriptSignal } from '../../domain/findings';
import type { KeyedRequest } from './match-submissions';
import { randomNameReason } from './random-name';
import { uploadDirOf } from './script-path';

export interface ScriptFacts {
  key: string;
  baseName: string;
  /** every request to the script in the input, sorted by time */
  requests: readonly KeyedRequest[];
  /** X-PHP-Originating-Script values of the mails it explains or that name it */
  headerScripts: readonly string[];
}

export interface ScriptSignalRule {
  id: string;
  /** the signal text when it applies, else null */
  test(f: ScriptFacts): string | null;
}

/** Below this many gaps an interval is not "steady", it is a coincidence. */
const MIN_STEADY_GAPS = 5;
const MAX_STEADY_CV = 0.3;
const NO_AGENT_SHARE = 0.8;

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
  {
    id: 'random-name',
    test: (f) => {
      const why = randomNameReason(f.baseName);
      return why ? `file name ${quote(f.baseName)} looks machine-made (${why})` : null;
    },
  },
  {
    id: 'php-in-upload-dir',
    test: (f) => {
      const dir = uploadDirOf(f.key);
      return dir ? `a script in the folder ${quote(dir)}, where only uploaded or generated files belong` : null;
    },
  },
  {
    id: 'no-agent-no-referer',
    test: (f) => {
      const bare = f.requests.filter((r) => isEmpty(r.request.userAgent) && isEmpty(r.request.referer)).length;
      return f.requests.length > 0 && bare >= NO_AGENT_SHARE * f.requests.length
        ? `${bare} of ${f.requests.length} requests sent neither a user agent nor a referer`
        : null;
    },
  },
  {
    id: 'steady-interval',
    test: (f) => {
      const top = topClient(f.requests);
      if (!top || top.times.length < MIN_STEADY_GAPS + 1) return null;
      const sorted = [...top.times].sort((a, b) => a - b);
      const g = gapStats(sorted);
      return g && g.cv <= MAX_STEADY_CV
        ? `one client (${top.client}) requested it ${sorted.length} times at a steady interval of about ${formatSeconds(g.meanSeconds)}`
        : null;
    },
  },
  {
    id: 'eval-code',
    test: (f) => {
      const evals = f.headerScripts.filter((s) => /eval\(\)'d code/i.test(s));
      return evals.length > 0
        ? `PHP says ${evals.length} of its mails came from eval()'d code (${quote(evals[0]!)}): a typical web shell`
        : null;
    },
  },
];

export function scriptSignals(f: ScriptFacts, rules: readonly ScriptSignalRule[] = SCRIPT_SIGNAL_RULES): ScriptSignal[] {
  const out: ScriptSignal[] = [];
  for (const rule of rules) {
    const text = rule.test(f);
    if (text !== null) out.push({ id: rule.id, text });
  }
  return out;
}
