/**
 * Was a mailbox login used by its owner or by someone who has the password? Reads the
 * login's successful uses (addresses, reverse names, HELOs, recipients per message) and
 * the mail log's failed AUTH attempts, and concludes stolen / unclear / not-stolen with
 * the reasons (rules and weights: ../rules/sasl-rules.ts).
 *
 * Which failures count for this login: those that name it, and those that name nobody
 * (older Postfix logs no username) but came from a network the login later succeeded
 * from. An unnamed failure from elsewhere may belong to any mailbox on the server and is
 * not held against this one.
 */
import type { SaslAssessment } from '../../domain/findings';
import type { SaslFailure } from '../../domain/maillog';
import { isRandomHelo } from '../rules/client-names';
import { networkOf } from './ip-network';
import { SaslFailureDigest } from './sasl-failure-digest';
import { SASL_RULES, STOLEN_SCORE, UNCLEAR_SCORE, type SaslFacts, type SaslRule } from '../rules/sasl-rules';
import { scoreRows } from '../rules/rule-kit';

export interface SaslClient {
  address: string;
  /** reverse names (client_name / reverse_client_name) */
  names?: readonly string[];
  /** messages (or logins) from this address */
  count: number;
  /** ISO country code, when the caller has a way to know it; never guessed here */
  country?: string | null;
}

/** One successful use of the login: a message it submitted, or an smtpd client= line. */
export interface SaslLogin {
  time: Date;
  clientAddress: string;
}

export interface SaslLoginInput {
  username: string;
  clients: readonly SaslClient[];
  heloNames: readonly string[];
  recipientsPerMessage: number | null;
  /** the mail log's failed logins (a digest of them for big logs: sasl-failure-digest.ts) */
  failures: readonly SaslFailure[] | SaslFailureDigest;
  /** times of successful uses; without them "before the first success" cannot be checked */
  logins?: readonly SaslLogin[];
}

const MAX_LIST = 20;

const validTime = (d: Date): boolean => d instanceof Date && Number.isFinite(d.getTime());

function mergeClients(clients: readonly SaslClient[]): SaslAssessment['clients'] {
  const by = new Map<string, { address: string; names: string[]; count: number }>();
  for (const c of clients) {
    const e = by.get(c.address) ?? { address: c.address, names: [], count: 0 };
    e.count += Number.isFinite(c.count) && c.count > 0 ? c.count : 0;
    for (const n of c.names ?? []) if (n && !e.names.includes(n) && e.names.length < 5) e.names.push(n);
    by.set(c.address, e);
  }
  return [...by.values()].sort((a, b) => b.count - a.count || (a.address < b.address ? -1 : 1));
}

function factsOf(input: SaslLoginInput, clients: SaslAssessment['clients']): SaslFacts {
  const user = input.username.toLowerCase();
  const netCount = new Map<string, number>();
  for (const c of clients) {
    const net = networkOf(c.address);
    if (net) netCount.set(net, (netCount.get(net) ?? 0) + Math.max(1, c.count));
  }
  const logins = (input.logins ?? []).filter((l) => validTime(l.time));
  for (const l of logins) {
    const net = networkOf(l.clientAddress);
    if (net && !netCount.has(net)) netCount.set(net, 1);
  }
  const networks = [...netCount].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([n]) => n);
  const ownNets = new Set(networks);

  let first: number | null = null;
  let last: number | null = null;
  for (const l of logins) {
    const t = l.time.getTime();
    if (first === null || t < first) first = t;
    if (last === null || t > last) last = t;
  }

  const digest = input.failures instanceof SaslFailureDigest ? input.failures : SaslFailureDigest.of(input.failures);
  const { failedTotal, failedNamingLogin, before, beforeByNet } = digest.countsFor(user, ownNets, first);
  const topNet = [...beforeByNet].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0];

  const countries = [...new Set(input.clients.map((c) => c.country?.trim().toUpperCase()).filter((c): c is string => !!c))].sort();
  return {
    networks,
    countries,
    spanSeconds: first !== null && last !== null ? (last - first) / 1000 : null,
    randomHelos: [...new Set(input.heloNames.filter(isRandomHelo))].slice(0, MAX_LIST),
    clientNames: clients.flatMap((c) => c.names),
    failedBeforeFirstSuccess: before,
    topFailureNetwork: topNet ? { network: topNet[0], count: topNet[1] } : null,
    successTimeKnown: first !== null,
    failedTotal,
    failedNamingLogin,
    recipientsPerMessage: input.recipientsPerMessage,
  };
}

/** Judge one SASL login; pure, no I/O. */
export function assessSaslLogin(input: SaslLoginInput, rules: readonly SaslRule[] = SASL_RULES): SaslAssessment {
  const clients = mergeClients(input.clients);
  const facts = factsOf(input, clients);
  const { score, hits } = scoreRows(rules, facts);
  const conclusion = score >= STOLEN_SCORE ? 'stolen' : score >= UNCLEAR_SCORE ? 'unclear' : 'not-stolen';
  const reasons = hits.map((h) => (h.weight < 0 ? `in its favour: ${h.reason}` : h.reason));
  if (reasons.length === 0) reasons.push('nothing unusual about this login');
  return {
    username: input.username,
    clients: clients.slice(0, MAX_LIST),
    networks: facts.networks.length,
    heloNames: [...new Set(input.heloNames)].slice(0, MAX_LIST),
    randomHelo: facts.randomHelos.length > 0,
    recipientsPerMessage: input.recipientsPerMessage,
    failedBeforeFirstSuccess: facts.failedBeforeFirstSuccess,
    failedTotal: facts.failedTotal,
    conclusion,
    reasons,
  };
}
