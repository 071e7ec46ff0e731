/**
 * The circuit breaker's policy: when to trip, what to do, whom never to touch. One JSON
 * file (`/etc/spamtrace/watch.json`, or `--policy FILE`), validated once with every problem
 * named at its JSON path (the shared checks of src/config/config-check.ts, as `spamtrace
 * config check` prints them), then frozen. Without the file the defaults apply, and the
 * default mode is `dry-run`: a fresh install only reports what it would have done until the admin writes
 * `"mode": "live"` (or starts `watch --live`).
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { SpamtraceError } from '../errors';
import { checkUnknownKeys, ConfigProblems, isRecord, numberIn, parseJsonConfig, show } from '../config/config-check';
import { MAX_JSON_DEPTH } from '../config/json-depth';

export type SourceKindPolicy = 'local' | 'sasl' | 'smtp-client' | 'loopback-client';

export interface WatchPolicy {
  mode: 'dry-run' | 'live';
  /** sliding window the verdict is computed over */
  windowMinutes: number;
  /** a spam verdict trips only with at least this many messages in the window */
  minMessages: number;
  /** per source: trip when more messages (or distinct recipients) than this arrive in one minute, whatever the verdict */
  maxMessagesPerMinute: number;
  maxRecipientsPerMinute: number;
  /** the whole server: over this in one minute, the busiest source not allowed trips */
  serverMaxMessagesPerMinute: number;
  /** at most this many trips in any hour; more are reported, not acted on */
  maxTripsPerHour: number;
  /**
   * Thresholds per reseller (the inventory's reseller of the source's subscription), over
   * the ones above: a reseller whose customers run big newsletters gets higher rates, one
   * with a history of hacked sites a lower `minMessages`. Keys left out keep the server's.
   */
  resellers: Record<string, ResellerThresholds>;
  /** actions per kind of source, in order, through the act engine */
  actions: Record<SourceKindPolicy, string[]>;
  /**
   * Never tripped: source ids as the report names them (`uid:10002`, `user:newsuser`,
   * `sasl:news@example.de`, `client:192.0.2.10`), sender addresses (`newsletter@example.de`)
   * or sender domains (`@mailings.example.de`).
   */
  allow: string[];
  /** also never tripped: Postfix's bounces, root (cron), and the notice sender's uid/address */
  noticeSender: string | null;
  /** admin alert by mail (through the notify transport); null: only the log, the UI and trips.jsonl */
  alertTo: string | null;
  /** blocklist state of the outbound addresses, checked while watching */
  dnsbl: {
    /** DNSBL zones asked; [] turns the check off */
    zones: string[];
    /** the resolver to ask ("127.0.0.1" or "127.0.0.1:5353"); null: the system's. Spamhaus refuses public resolvers */
    server: string | null;
    /** how often the watcher checks (answers are cached by their TTL in between) */
    intervalMinutes: number;
    /** public addresses to check besides the discovered ones (the NAT address) */
    addresses: string[];
  };
}

/** The thresholds a reseller may set for its customers' sources. */
export interface ResellerThresholds {
  minMessages?: number;
  maxMessagesPerMinute?: number;
  maxRecipientsPerMinute?: number;
}

const RESELLER_KEYS = ['minMessages', 'maxMessagesPerMinute', 'maxRecipientsPerMinute'] as const;

/** The thresholds a source is judged by, and whose they are. */
export interface Thresholds {
  minMessages: number;
  maxMessagesPerMinute: number;
  maxRecipientsPerMinute: number;
  /** "server" or "reseller NAME" */
  from: string;
}

export function thresholdsFor(p: Readonly<WatchPolicy>, reseller: string | null): Thresholds {
  const own = reseller !== null ? p.resellers[reseller] : undefined;
  return {
    minMessages: own?.minMessages ?? p.minMessages,
    maxMessagesPerMinute: own?.maxMessagesPerMinute ?? p.maxMessagesPerMinute,
    maxRecipientsPerMinute: own?.maxRecipientsPerMinute ?? p.maxRecipientsPerMinute,
    from: own ? `reseller ${reseller}` : 'server',
  };
}

export const DEFAULT_POLICY_PATH = '/etc/spamtrace/watch.json';
/** position.json, trips.jsonl, status.json, dnsbl.json */
export const DEFAULT_WATCH_DIR = '/var/lib/spamtrace/watch';

export const DEFAULT_POLICY: WatchPolicy = {
  mode: 'dry-run',
  windowMinutes: 10,
  minMessages: 3,
  maxMessagesPerMinute: 300,
  maxRecipientsPerMinute: 1000,
  serverMaxMessagesPerMinute: 2000,
  maxTripsPerHour: 5,
  actions: {
    // hold what is queued, then stop new submissions: sendmail refuses, SMTP gets a 4xx
    local: ['queue-hold', 'block-submit'],
    sasl: ['queue-hold', 'defer-login'],
    'smtp-client': ['queue-hold', 'defer-client'],
    // 127.0.0.1 is every local script and webmail at once: hold its mail, block nothing
    'loopback-client': ['queue-hold'],
  },
  resellers: {},
  allow: [],
  noticeSender: null,
  alertTo: null,
  dnsbl: { zones: ['zen.spamhaus.org', 'bl.spamcop.net', 'b.barracudacentral.org'], server: null, intervalMinutes: 15, addresses: [] },
};

const KNOWN_ACTIONS = new Set(['queue-hold', 'block-submit', 'defer-login', 'block-login', 'defer-client']);

export function loadWatchPolicy(path: string | null, overrides: Partial<WatchPolicy> = {}): Readonly<WatchPolicy> {
  let raw: unknown = {};
  if (path) {
    let text: string | null = null;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' || path !== DEFAULT_POLICY_PATH) {
        throw new SpamtraceError('E_CONFIG', `${path}: cannot read the watch policy: ${code ?? (e as Error).message}`);
      }
    }
    if (text !== null) {
      raw = parseJsonConfig(text, {
        tooDeep: `${path}: not a watch policy: nested more than ${MAX_JSON_DEPTH} levels deep`,
        notJson: (why) => `${path}: not valid JSON: ${why}`,
      });
    }
  }
  return Object.freeze({ ...validateWatchPolicy(raw, path ?? '(defaults)'), ...overrides });
}

const TOP_KEYS = [
  'mode',
  'windowMinutes',
  'minMessages',
  'maxMessagesPerMinute',
  'maxRecipientsPerMinute',
  'serverMaxMessagesPerMinute',
  'maxTripsPerHour',
  'actions',
  'resellers',
  'allow',
  'noticeSender',
  'alertTo',
  'dnsbl',
] as const;
const DNSBL_KEYS = ['zones', 'server', 'intervalMinutes', 'addresses'] as const;
const RESELLER_LOGIN = /^[A-Za-z0-9_.][A-Za-z0-9_.@-]{0,63}$/;
const MAIL = /^[^\s@<>]+@[^\s@<>]+$/;

/**
 * The policy with every problem named at once, each at its JSON path ("resellers.res1.minMessages"),
 * as `spamtrace config check` prints them (src/config/config-check.ts); E_CONFIG when any.
 */
export function validateWatchPolicy(raw: unknown, where: string): WatchPolicy {
  const p: WatchPolicy = { ...DEFAULT_POLICY, actions: { ...DEFAULT_POLICY.actions }, resellers: {}, allow: [], dnsbl: { ...DEFAULT_POLICY.dnsbl } };
  const problems = new ConfigProblems();
  if (!isRecord(raw)) {
    problems.add('', 'must be a JSON object');
    problems.throwIfAny(where, () => `watch policy ${where}: must be a JSON object`);
    return p;
  }
  checkUnknownKeys(raw, '', TOP_KEYS, problems);
  if (raw.mode !== undefined) {
    if (raw.mode === 'dry-run' || raw.mode === 'live') p.mode = raw.mode;
    else problems.add('mode', `must be "dry-run" or "live", got ${show(raw.mode)}`);
  }
  for (const k of ['windowMinutes', 'minMessages', 'maxMessagesPerMinute', 'maxRecipientsPerMinute', 'serverMaxMessagesPerMinute', 'maxTripsPerHour'] as const) {
    p[k] = numberIn(raw[k], k, DEFAULT_POLICY[k], 1, 1_000_000, problems, true);
  }
  if (raw.actions !== undefined) actions(raw.actions, p, problems);
  if (raw.resellers !== undefined) p.resellers = resellers(raw.resellers, problems);
  if (raw.allow !== undefined) {
    if (Array.isArray(raw.allow) && raw.allow.every((a) => typeof a === 'string' && a.length > 0 && a.length <= 320)) p.allow = (raw.allow as string[]).map((a) => a.toLowerCase());
    else problems.add('allow', 'must be a list of source ids, addresses or @domains');
  }
  for (const k of ['noticeSender', 'alertTo'] as const) {
    const v = raw[k];
    if (v === undefined) continue;
    if (v === null || (typeof v === 'string' && MAIL.test(v))) p[k] = v;
    else problems.add(k, `must be a mail address or null, got ${show(v)}`);
  }
  if (raw.dnsbl !== undefined) dnsbl(raw.dnsbl, p, problems);
  problems.throwIfAny(where, () => `watch policy ${where}: ${problems.text()}`);
  return p;
}

function actions(v: unknown, p: WatchPolicy, problems: ConfigProblems): void {
  if (!isRecord(v)) return problems.add('actions', 'must be an object: local, sasl, smtp-client, loopback-client -> list of actions');
  checkUnknownKeys(v, 'actions', Object.keys(DEFAULT_POLICY.actions), problems, () => 'unknown kind (local, sasl, smtp-client, loopback-client)');
  for (const kind of Object.keys(DEFAULT_POLICY.actions) as SourceKindPolicy[]) {
    const list = v[kind];
    if (list === undefined) continue;
    if (Array.isArray(list) && list.every((a) => typeof a === 'string' && KNOWN_ACTIONS.has(a))) p.actions[kind] = [...(list as string[])];
    else problems.add(`actions.${kind}`, `must be a list of: ${[...KNOWN_ACTIONS].join(', ')}`);
  }
}

function resellers(v: unknown, problems: ConfigProblems): Record<string, ResellerThresholds> {
  const out: Record<string, ResellerThresholds> = Object.create(null) as Record<string, ResellerThresholds>;
  if (!isRecord(v)) {
    problems.add('resellers', 'must be an object: reseller login -> { minMessages, maxMessagesPerMinute, maxRecipientsPerMinute }');
    return out;
  }
  for (const [login, t] of Object.entries(v)) {
    if (login === '$comment') continue;
    // the panel's login, as the inventory names the reseller (Plesk, Confixx "res1", static file)
    const at = `resellers.${RESELLER_LOGIN.test(login) ? login : show(login)}`;
    if (!RESELLER_LOGIN.test(login)) {
      problems.add(at, 'not a reseller login (letters, digits, . _ - @, at most 64)');
      continue;
    }
    if (!isRecord(t)) {
      problems.add(at, `must be an object with any of ${RESELLER_KEYS.join(', ')}`);
      continue;
    }
    checkUnknownKeys(t, at, RESELLER_KEYS, problems, () => `unknown key (a reseller sets ${RESELLER_KEYS.join(', ')})`);
    const one: ResellerThresholds = {};
    for (const k of RESELLER_KEYS) {
      if (t[k] === undefined) continue;
      const n = numberIn(t[k], `${at}.${k}`, 0, 1, 1_000_000, problems, true);
      if (n > 0) one[k] = n;
    }
    out[login] = one;
  }
  return out;
}

function dnsbl(v: unknown, p: WatchPolicy, problems: ConfigProblems): void {
  if (!isRecord(v)) return problems.add('dnsbl', 'must be an object: zones, server, intervalMinutes, addresses');
  checkUnknownKeys(v, 'dnsbl', DNSBL_KEYS, problems);
  if (v.zones !== undefined) {
    if (Array.isArray(v.zones) && v.zones.every((z) => typeof z === 'string' && /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(z))) p.dnsbl.zones = (v.zones as string[]).map((z) => z.toLowerCase());
    else problems.add('dnsbl.zones', 'must be a list of DNS zone names');
  }
  if (v.server !== undefined) {
    if (v.server === null || (typeof v.server === 'string' && /^[0-9.]+(:\d{1,5})?$|^\[[0-9a-f:]+\](:\d{1,5})?$/i.test(v.server))) p.dnsbl.server = v.server;
    else problems.add('dnsbl.server', `must be an IP address with an optional :port, or null, got ${show(v.server)}`);
  }
  p.dnsbl.intervalMinutes = numberIn(v.intervalMinutes, 'dnsbl.intervalMinutes', DEFAULT_POLICY.dnsbl.intervalMinutes, 1, 1440, problems, true);
  if (v.addresses !== undefined) {
    if (Array.isArray(v.addresses) && v.addresses.every((a) => typeof a === 'string' && isIP(a) !== 0)) p.dnsbl.addresses = [...(v.addresses as string[])];
    else problems.add('dnsbl.addresses', 'must be a list of IP addresses');
  }
}
