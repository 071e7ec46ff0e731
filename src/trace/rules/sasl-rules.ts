/**
 * Was a mailbox password stolen? The signs, each with a weight, rows of the rule kit
 * (rule-kit.ts) like the verdict rules. Tuned conservatively: no single sign makes "stolen" (the highest weight
 * is below STOLEN_SCORE), and an ordinary office (one network, a normal HELO, at most a
 * few typos) scores below zero.
 *
 * | id                       | weight | applies when                                                    |
 * |--------------------------|-------:|-----------------------------------------------------------------|
 * | brute-force-then-success |     +4 | >= 10 failed logins from the login's networks before success    |
 * | many-networks            |     +3 | used from >= 5 distinct networks (/24, /48)                     |
 * | random-helo              |     +3 | the client greets with random letters ("cisqyltfbn")            |
 * | failures-then-success    |     +2 | 5-9 failed logins from the login's networks before success      |
 * | many-countries           |     +2 | addresses in >= 3 countries (only when the caller knows them)   |
 * | several-networks         |     +1 | used from 3-4 networks                                          |
 * | fast-spread              |     +1 | >= 3 networks within 6 hours                                    |
 * | attacked-login           |     +1 | >= 20 failed logins naming this login, from anywhere            |
 * | dynamic-client           |     +1 | a dynamic / dial-up reverse name, and a random HELO beside it   |
 * | many-recipients          |     +1 | >= 5 recipients per message                                     |
 * | one-network              |     -2 | one network, no random HELO, fewer than 5 failures before success|
 *
 *
 * A dynamic (DSL, cable) address alone is no sign: submitting from a home line is what
 * the submission port is for (issue 13). Beside a bot's random HELO it counts.
 *
 * score >= STOLEN_SCORE: stolen; >= UNCLEAR_SCORE: unclear; below: not-stolen.
 */
import { row, type RuleRow, type Thresholds } from './rule-kit';
import { looksDynamic } from './client-names';

export interface SaslFacts {
  /** distinct networks the login succeeded from, most used first */
  networks: string[];
  /** distinct countries of those addresses, when the caller supplied any */
  countries: string[];
  /** seconds from the first to the last successful use, when times are known */
  spanSeconds: number | null;
  randomHelos: string[];
  clientNames: string[];
  /** failed logins from the login's own networks before its first success */
  failedBeforeFirstSuccess: number;
  /** the network most of those came from, with its count */
  topFailureNetwork: { network: string; count: number } | null;
  /** false when no success time was known, so "before" could not be checked */
  successTimeKnown: boolean;
  /** failures naming this login anywhere, or unnamed ones from its networks */
  failedTotal: number;
  /** failures that named this login explicitly */
  failedNamingLogin: number;
  recipientsPerMessage: number | null;
}

export type SaslRule = RuleRow<SaslFacts, Thresholds>;

export const STOLEN_SCORE = 5;
export const UNCLEAR_SCORE = 2;

const BRUTE_FORCE = 10;
const FAILURES = 5;
const MANY_NETWORKS = 5;

function listed(xs: readonly string[], n = 3): string {
  return xs.length > n ? `${xs.slice(0, n).join(', ')}, …` : xs.join(', ');
}

function duration(seconds: number): string {
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} seconds`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} minutes`;
  return `${Math.round(seconds / 3600)} hours`;
}

function failuresText(f: SaslFacts): string {
  const n = f.failedBeforeFirstSuccess;
  const top = f.topFailureNetwork;
  const where = !top ? '' : top.count === n ? ` from ${top.network}` : ` (${top.count} of them from ${top.network})`;
  // Without success times the order is unknown: say only where they came from.
  const when = f.successTimeKnown ? ' before the first success' : ', from the networks the login was used from';
  return `${n} failed logins${where}${when}`;
}

export const SASL_RULES: readonly SaslRule[] = [
  row({
    id: 'brute-force-then-success',
    weight: 4,
    thresholds: { minFailures: BRUTE_FORCE },
    when: (f: SaslFacts, t) => (f.failedBeforeFirstSuccess >= t.minFailures ? `${failuresText(f)}: the password was guessed` : null),
  }),
  row({
    id: 'many-networks',
    weight: 3,
    thresholds: { minNetworks: MANY_NETWORKS },
    when: (f: SaslFacts, t) => (f.networks.length >= t.minNetworks ? `used from ${f.networks.length} networks (${listed(f.networks)})` : null),
  }),
  row({
    id: 'random-helo',
    weight: 3,
    thresholds: { minHelos: 1 },
    when: (f: SaslFacts, t) => (f.randomHelos.length >= t.minHelos ? `greets with a random HELO (${listed(f.randomHelos)})` : null),
  }),
  row({
    id: 'failures-then-success',
    weight: 2,
    thresholds: { minFailures: FAILURES, maxFailures: BRUTE_FORCE - 1 },
    when: (f: SaslFacts, t) =>
      f.failedBeforeFirstSuccess >= t.minFailures && f.failedBeforeFirstSuccess <= t.maxFailures ? failuresText(f) : null,
  }),
  row({
    id: 'many-countries',
    weight: 2,
    thresholds: { minCountries: 3 },
    when: (f: SaslFacts, t) => (f.countries.length >= t.minCountries ? `addresses in ${f.countries.length} countries' ranges (${listed(f.countries, 5)})` : null),
  }),
  row({
    id: 'several-networks',
    weight: 1,
    thresholds: { minNetworks: 3, maxNetworks: MANY_NETWORKS - 1 },
    when: (f: SaslFacts, t) =>
      f.networks.length >= t.minNetworks && f.networks.length <= t.maxNetworks ? `used from ${f.networks.length} networks (${listed(f.networks)})` : null,
  }),
  row({
    id: 'fast-spread',
    weight: 1,
    thresholds: { minNetworks: 3, maxSeconds: 6 * 3600 },
    when: (f: SaslFacts, t) =>
      f.networks.length >= t.minNetworks && f.spanSeconds !== null && f.spanSeconds <= t.maxSeconds
        ? `${f.networks.length} networks within ${duration(f.spanSeconds)}`
        : null,
  }),
  row({
    id: 'attacked-login',
    weight: 1,
    thresholds: { minNamed: 20 },
    when: (f: SaslFacts, t) => (f.failedNamingLogin >= t.minNamed ? `${f.failedNamingLogin} failed logins named this login` : null),
  }),
  row({
    id: 'dynamic-client',
    weight: 1,
    thresholds: { minClients: 1 },
    when: (f: SaslFacts, t) => {
      const dyn = f.clientNames.filter(looksDynamic);
      return dyn.length >= t.minClients && f.randomHelos.length > 0 ? `connects from a dynamic/dial-up address (${listed(dyn, 2)})` : null;
    },
  }),
  row({
    id: 'many-recipients',
    weight: 1,
    thresholds: { minPerMessage: 5 },
    when: (f: SaslFacts, t) =>
      f.recipientsPerMessage !== null && f.recipientsPerMessage >= t.minPerMessage
        ? `${Math.round(f.recipientsPerMessage * 10) / 10} recipients per message`
        : null,
  }),
  row({
    id: 'one-network',
    weight: -2,
    thresholds: { networks: 1, maxFailures: FAILURES - 1 },
    when: (f: SaslFacts, t) =>
      f.networks.length === t.networks && f.randomHelos.length === 0 && f.failedBeforeFirstSuccess <= t.maxFailures
        ? `used from one network only (${f.networks[0]}) with a normal HELO`
        : null,
  }),
];
