/**
 * Was a mailbox password stolen? The signs, each with a weight, like the verdict rules
 * in ../rules/. Tuned conservatively: no single sign makes "stolen" (the highest weight
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
 * | dynamic-client           |     +1 | a client's reverse name is a dial-up / dynamic one              |
 * | many-recipients          |     +1 | >= 5 recipients per message                                     |
 * | one-network              |     -2 | one network, no random HELO, fewer than 5 failures before success|
 *
 * score >= STOLEN_SCORE: stolen; >= UNCLEAR_SCORE: unclear; below: not-stolen.
 */
import { looksDynamic } from '../rules/verdict-rules';

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

export interface SaslRule {
  id: string;
  weight: number;
  test(f: SaslFacts): string | null;
}

export const STOLEN_SCORE = 5;
export const UNCLEAR_SCORE = 2;

const BRUTE_FORCE = 10;
const FAILURES = 5;

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
  {
    id: 'brute-force-then-success',
    weight: 4,
    test: (f) => (f.failedBeforeFirstSuccess >= BRUTE_FORCE ? `${failuresText(f)}: the password was guessed` : null),
  },
  {
    id: 'many-networks',
    weight: 3,
    test: (f) => (f.networks.length >= 5 ? `used from ${f.networks.length} networks (${listed(f.networks)})` : null),
  },
  {
    id: 'random-helo',
    weight: 3,
    test: (f) => (f.randomHelos.length > 0 ? `greets with a random HELO (${listed(f.randomHelos)})` : null),
  },
  {
    id: 'failures-then-success',
    weight: 2,
    test: (f) =>
      f.failedBeforeFirstSuccess >= FAILURES && f.failedBeforeFirstSuccess < BRUTE_FORCE ? failuresText(f) : null,
  },
  {
    id: 'many-countries',
    weight: 2,
    test: (f) => (f.countries.length >= 3 ? `addresses in ${f.countries.length} countries' ranges (${listed(f.countries, 5)})` : null),
  },
  {
    id: 'several-networks',
    weight: 1,
    test: (f) =>
      f.networks.length >= 3 && f.networks.length < 5 ? `used from ${f.networks.length} networks (${listed(f.networks)})` : null,
  },
  {
    id: 'fast-spread',
    weight: 1,
    test: (f) =>
      f.networks.length >= 3 && f.spanSeconds !== null && f.spanSeconds <= 6 * 3600
        ? `${f.networks.length} networks within ${duration(f.spanSeconds)}`
        : null,
  },
  {
    id: 'attacked-login',
    weight: 1,
    test: (f) => (f.failedNamingLogin >= 20 ? `${f.failedNamingLogin} failed logins named this login` : null),
  },
  {
    id: 'dynamic-client',
    weight: 1,
    test: (f) => {
      const dyn = f.clientNames.filter(looksDynamic);
      return dyn.length > 0 ? `connects from a dynamic/dial-up address (${listed(dyn, 2)})` : null;
    },
  },
  {
    id: 'many-recipients',
    weight: 1,
    test: (f) =>
      f.recipientsPerMessage !== null && f.recipientsPerMessage >= 5
        ? `${Math.round(f.recipientsPerMessage * 10) / 10} recipients per message`
        : null,
  },
  {
    id: 'one-network',
    weight: -2,
    test: (f) =>
      f.networks.length === 1 && f.randomHelos.length === 0 && f.failedBeforeFirstSuccess < FAILURES
        ? `used from one network only (${f.networks[0]}) with a normal HELO`
        : null,
  },
];
