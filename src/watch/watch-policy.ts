/**
 * The circuit breaker's policy: when to trip, what to do, whom never to touch. One JSON
 * file (`/etc/spamtrace/watch.json`, or `--policy FILE`), validated once with every wrong
 * key named, then frozen. Without the file the defaults apply, and the default mode is
 * `dry-run`: a fresh install only reports what it would have done until the admin writes
 * `"mode": "live"` (or starts `watch --live`).
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { SpamtraceError } from '../errors';

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
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' || path !== DEFAULT_POLICY_PATH) {
        throw new SpamtraceError('E_CONFIG', `watch policy ${path}: ${code ?? (e as Error).message}`);
      }
    }
  }
  return Object.freeze({ ...validateWatchPolicy(raw, path ?? '(defaults)'), ...overrides });
}

export function validateWatchPolicy(raw: unknown, where: string): WatchPolicy {
  const bad = (key: string, why: string): never => {
    throw new SpamtraceError('E_CONFIG', `watch policy ${where}: ${key}: ${why}`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) bad('(top)', 'must be a JSON object');
  const o = raw as Record<string, unknown>;
  const p: WatchPolicy = { ...DEFAULT_POLICY, actions: { ...DEFAULT_POLICY.actions }, resellers: {}, allow: [], dnsbl: { ...DEFAULT_POLICY.dnsbl } };
  for (const [k, v] of Object.entries(o)) {
    switch (k) {
      case 'mode':
        if (v !== 'dry-run' && v !== 'live') bad(k, 'is "dry-run" or "live"');
        p.mode = v as WatchPolicy['mode'];
        break;
      case 'windowMinutes':
      case 'minMessages':
      case 'maxMessagesPerMinute':
      case 'maxRecipientsPerMinute':
      case 'serverMaxMessagesPerMinute':
      case 'maxTripsPerHour':
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 1_000_000) bad(k, 'a whole number from 1 to 1000000');
        p[k] = v as number;
        break;
      case 'actions': {
        if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(k, 'an object: local, sasl, smtp-client, loopback-client -> list of actions');
        for (const [kind, list] of Object.entries(v as Record<string, unknown>)) {
          if (!(kind in DEFAULT_POLICY.actions)) bad(`actions.${kind}`, 'unknown kind (local, sasl, smtp-client, loopback-client)');
          if (!Array.isArray(list) || list.some((a) => typeof a !== 'string' || !KNOWN_ACTIONS.has(a))) {
            bad(`actions.${kind}`, `a list of: ${[...KNOWN_ACTIONS].join(', ')}`);
          }
          p.actions[kind as SourceKindPolicy] = [...(list as string[])];
        }
        break;
      }
      case 'resellers': {
        if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(k, 'an object: reseller login -> { minMessages, maxMessagesPerMinute, maxRecipientsPerMinute }');
        const out: Record<string, ResellerThresholds> = Object.create(null) as Record<string, ResellerThresholds>;
        for (const [login, t] of Object.entries(v as Record<string, unknown>)) {
          if (login === '$comment') continue;
          // the panel's login, as the inventory names the reseller (Plesk, Confixx "res1", static file)
          if (!/^[A-Za-z0-9_.][A-Za-z0-9_.@-]{0,63}$/.test(login)) bad(`resellers.${JSON.stringify(login).slice(0, 70)}`, 'not a reseller login (letters, digits, . _ - @, at most 64)');
          if (typeof t !== 'object' || t === null || Array.isArray(t)) bad(`resellers.${login}`, `an object with any of ${RESELLER_KEYS.join(', ')}`);
          const one: ResellerThresholds = {};
          for (const [tk, tv] of Object.entries(t as Record<string, unknown>)) {
            if (!(RESELLER_KEYS as readonly string[]).includes(tk)) bad(`resellers.${login}.${tk}`, `unknown key (a reseller sets ${RESELLER_KEYS.join(', ')})`);
            if (typeof tv !== 'number' || !Number.isInteger(tv) || tv < 1 || tv > 1_000_000) bad(`resellers.${login}.${tk}`, 'a whole number from 1 to 1000000');
            one[tk as (typeof RESELLER_KEYS)[number]] = tv as number;
          }
          out[login] = one;
        }
        p.resellers = out;
        break;
      }
      case 'allow':
        if (!Array.isArray(v) || v.some((a) => typeof a !== 'string' || a.length === 0 || a.length > 320)) bad(k, 'a list of source ids, addresses or @domains');
        p.allow = (v as string[]).map((a) => a.toLowerCase());
        break;
      case 'noticeSender':
      case 'alertTo':
        if (v !== null && (typeof v !== 'string' || !/^[^\s@<>]+@[^\s@<>]+$/.test(v))) bad(k, 'a mail address or null');
        p[k] = v as string | null;
        break;
      case 'dnsbl': {
        if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(k, 'an object: zones, server, intervalMinutes, addresses');
        for (const [dk, dv] of Object.entries(v as Record<string, unknown>)) {
          if (dk === 'zones') {
            if (!Array.isArray(dv) || dv.some((z) => typeof z !== 'string' || !/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(z))) bad('dnsbl.zones', 'a list of DNS zone names');
            p.dnsbl.zones = (dv as string[]).map((z) => z.toLowerCase());
          } else if (dk === 'server') {
            if (dv !== null && (typeof dv !== 'string' || !/^[0-9.]+(:\d{1,5})?$|^\[[0-9a-f:]+\](:\d{1,5})?$/i.test(dv))) bad('dnsbl.server', 'an IP address with an optional :port, or null');
            p.dnsbl.server = dv as string | null;
          } else if (dk === 'intervalMinutes') {
            if (typeof dv !== 'number' || !Number.isInteger(dv) || dv < 1 || dv > 1440) bad('dnsbl.intervalMinutes', 'a whole number from 1 to 1440');
            p.dnsbl.intervalMinutes = dv as number;
          } else if (dk === 'addresses') {
            if (!Array.isArray(dv) || dv.some((a) => typeof a !== 'string' || isIP(a) === 0)) bad('dnsbl.addresses', 'a list of IP addresses');
            p.dnsbl.addresses = [...(dv as string[])];
          } else bad(`dnsbl.${dk}`, 'unknown key');
        }
        break;
      }
      default:
        bad(k, 'unknown key');
    }
  }
  return p;
}
