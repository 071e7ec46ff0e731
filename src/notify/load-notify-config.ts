/**
 * Reads and checks the notify settings once; unknown keys are errors (a typo silently
 * ignored would send with the default), every problem is reported at once (E_CONFIG).
 */
import { readFileSync } from 'node:fs';
import { configError } from '../config/config-error';
import { DEFAULT_NOTIFY_CONFIG, DEFAULT_NOTIFY_CONFIG_PATH, type NoticePolicy, type NotifyConfig, type TransportConfig } from './notify-config';
import { parseMailbox } from './address';
import { MAX_JSON_DEPTH } from '../config/json-depth';
import { booleanOr, checkUnknownKeys, ConfigProblems, isRecord, numberIn, parseJsonConfig } from '../config/config-check';

export interface NotifyConfigLocation {
  path: string;
  explicit: boolean;
}

export function resolveNotifyConfigPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): NotifyConfigLocation {
  if (flag) return { path: flag, explicit: true };
  if (env.SPAMTRACE_NOTIFY_CONFIG) return { path: env.SPAMTRACE_NOTIFY_CONFIG, explicit: true };
  return { path: DEFAULT_NOTIFY_CONFIG_PATH, explicit: false };
}

/** The settings, or null when the default file is absent (nothing configured). */
export function loadNotifyConfig(location: NotifyConfigLocation): NotifyConfig | null {
  let text: string;
  try {
    text = readFileSync(location.path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !location.explicit) return null;
    throw configError(`${location.path}: cannot read the notify config: ${(e as Error).message}`);
  }
  const raw = parseJsonConfig(text, {
    tooDeep: `${location.path}: not a notify config: nested more than ${MAX_JSON_DEPTH} levels deep`,
    notJson: (why) => `${location.path}: not valid JSON: ${why}`,
  });
  return validateNotifyConfig(raw, location.path);
}

type Obj = Record<string, unknown>;
const isObj = isRecord;
type P = ConfigProblems;

export function validateNotifyConfig(raw: unknown, source: string): NotifyConfig {
  const p = new ConfigProblems();
  const d = DEFAULT_NOTIFY_CONFIG;
  if (!isObj(raw)) throw configError(`${source}: must be a JSON object`);
  keys(raw, '', ['from', 'replyTo', 'hosterName', 'defaultLocale', 'transport', 'windowHours', 'policy', 'servers', 'resellers', 'retry', 'leaseSeconds'], p);
  const cfg: NotifyConfig = {
    from: mailbox(raw.from ?? null, 'from', p) ?? d.from,
    replyTo: raw.replyTo === undefined || raw.replyTo === null ? null : mailbox(raw.replyTo, 'replyTo', p),
    hosterName: text(raw.hosterName, 'hosterName', d.hosterName, p),
    defaultLocale: text(raw.defaultLocale, 'defaultLocale', d.defaultLocale, p),
    transport: transport(raw.transport, p),
    windowHours: num(raw.windowHours, 'windowHours', d.windowHours, 1, 24 * 30, p),
    policy: { ...d.policy, ...policy(raw.policy, 'policy', p) },
    servers: policyMap(raw.servers, 'servers', p),
    resellers: policyMap(raw.resellers, 'resellers', p),
    retry: retry(raw.retry, p),
    leaseSeconds: num(raw.leaseSeconds, 'leaseSeconds', d.leaseSeconds, 1, 86400, p),
  };
  if (raw.from === undefined) p.add('from', 'required (the address notices come from)');
  p.throwIfAny(source, () => `${source}: ${p.text()}`);
  return cfg;
}

function keys(o: Obj, at: string, allowed: string[], p: P): void {
  checkUnknownKeys(o, at.replace(/\.$/, ''), allowed, p);
}

function text(v: unknown, key: string, dflt: string, p: P): string {
  if (v === undefined) return dflt;
  if (typeof v === 'string' && v.length > 0 && v.length <= 200 && !/[\x00-\x1f\x7f]/.test(v)) return v;
  p.add(key, 'must be a short single-line string');
  return dflt;
}

const num = (v: unknown, key: string, dflt: number, min: number, max: number, p: P): number => numberIn(v, key, dflt, min, max, p);
const bool = (v: unknown, key: string, dflt: boolean, p: P): boolean => booleanOr(v, key, dflt, p);

function mailbox(v: unknown, key: string, p: P): string | null {
  if (v === null) return null;
  if (typeof v === 'string' && parseMailbox(v)) return v;
  p.add(key, `must be an email address, optionally with a name ("Support <abuse@example.com>")`);
  return null;
}

function transport(v: unknown, p: P): TransportConfig {
  if (v === undefined) return DEFAULT_NOTIFY_CONFIG.transport;
  if (!isObj(v)) {
    p.add('transport', 'must be an object');
    return DEFAULT_NOTIFY_CONFIG.transport;
  }
  if (v.kind === 'sendmail') {
    keys(v, 'transport.', ['kind', 'path'], p);
    const path = v.path === undefined ? '/usr/sbin/sendmail' : v.path;
    if (typeof path !== 'string' || !path.startsWith('/')) p.add('transport.path', 'must be an absolute path');
    return { kind: 'sendmail', path: String(path) };
  }
  if (v.kind !== 'smtp') {
    p.add('transport.kind', 'must be "smtp" or "sendmail"');
    return DEFAULT_NOTIFY_CONFIG.transport;
  }
  keys(v, 'transport.', ['kind', 'host', 'port', 'secure', 'requireTls', 'tls', 'auth', 'name', 'timeoutSeconds'], p);
  const host = typeof v.host === 'string' && /^[a-z0-9.:[\]-]{1,253}$/i.test(v.host) ? v.host : (p.add('transport.host', 'must be a host name or IP address'), '');
  const secure = bool(v.secure, 'transport.secure', false, p);
  const port = num(v.port, 'transport.port', secure ? 465 : 25, 1, 65535, p);
  const tls = isObj(v.tls) ? v.tls : {};
  if (v.tls !== undefined && !isObj(v.tls)) p.add('transport.tls', 'must be an object');
  keys(tls, 'transport.tls.', ['rejectUnauthorized', 'servername'], p);
  let auth: { user: string; passwordFile: string } | null = null;
  if (v.auth !== undefined && v.auth !== null) {
    if (isObj(v.auth) && typeof v.auth.user === 'string' && typeof v.auth.passwordFile === 'string' && v.auth.passwordFile.startsWith('/')) {
      keys(v.auth, 'transport.auth.', ['user', 'passwordFile'], p);
      auth = { user: v.auth.user, passwordFile: v.auth.passwordFile };
    } else {
      p.add('transport.auth', 'must be { "user": "...", "passwordFile": "/absolute/path" } (the password lives in its own 0600 file)');
    }
  }
  return {
    kind: 'smtp',
    host,
    port,
    secure,
    requireTls: bool(v.requireTls, 'transport.requireTls', false, p),
    tls: {
      rejectUnauthorized: bool(tls.rejectUnauthorized, 'transport.tls.rejectUnauthorized', true, p),
      servername: typeof tls.servername === 'string' ? tls.servername : null,
    },
    auth,
    name: typeof v.name === 'string' ? v.name : null,
    timeoutSeconds: num(v.timeoutSeconds, 'transport.timeoutSeconds', 60, 1, 600, p),
  };
}

function policy(v: unknown, at: string, p: P): Partial<NoticePolicy> {
  if (v === undefined) return {};
  if (!isObj(v)) {
    p.add(at, `must be an object`);
    return {};
  }
  keys(v, `${at}.`, ['enabled', 'autoMinScore', 'approvalFor', 'copyReseller', 'rateLimit'], p);
  const out: Partial<NoticePolicy> = {};
  if (v.enabled !== undefined) out.enabled = bool(v.enabled, `${at}.enabled`, true, p);
  if (v.autoMinScore !== undefined) {
    // Below the spam threshold a notice would accuse on a "suspicious" verdict.
    out.autoMinScore = num(v.autoMinScore, `${at}.autoMinScore`, 8, 6, 1000, p);
  }
  if (v.approvalFor !== undefined) {
    if (Array.isArray(v.approvalFor) && v.approvalFor.every((x) => x === 'spam' || x === 'suspicious')) out.approvalFor = v.approvalFor as NoticePolicy['approvalFor'];
    else p.add(`${at}.approvalFor`, `must be a list of "spam" and "suspicious" ("normal" never gets a notice)`);
  }
  if (v.copyReseller !== undefined) out.copyReseller = bool(v.copyReseller, `${at}.copyReseller`, false, p);
  if (v.rateLimit !== undefined) {
    if (isObj(v.rateLimit)) {
      keys(v.rateLimit, `${at}.rateLimit.`, ['perCustomer', 'windowHours'], p);
      const d = DEFAULT_NOTIFY_CONFIG.policy.rateLimit;
      out.rateLimit = {
        perCustomer: num(v.rateLimit.perCustomer, `${at}.rateLimit.perCustomer`, d.perCustomer, 0, 1000, p),
        windowHours: num(v.rateLimit.windowHours, `${at}.rateLimit.windowHours`, d.windowHours, 1, 24 * 30, p),
      };
    } else p.add(`${at}.rateLimit`, `must be an object`);
  }
  return out;
}

function policyMap(v: unknown, at: string, p: P): Record<string, Partial<NoticePolicy>> {
  if (v === undefined) return {};
  if (!isObj(v)) {
    p.add(at, `must be an object keyed by name`);
    return {};
  }
  const out: Record<string, Partial<NoticePolicy>> = Object.create(null);
  for (const [k, x] of Object.entries(v)) if (k !== '$comment') out[k] = policy(x, `${at}.${k}`, p);
  return out;
}

function retry(v: unknown, p: P): NotifyConfig['retry'] {
  const d = DEFAULT_NOTIFY_CONFIG.retry;
  if (v === undefined) return d;
  if (!isObj(v)) {
    p.add('retry', 'must be an object');
    return d;
  }
  keys(v, 'retry.', ['maxAttempts', 'backoffSeconds'], p);
  let backoff = d.backoffSeconds;
  if (v.backoffSeconds !== undefined) {
    if (Array.isArray(v.backoffSeconds) && v.backoffSeconds.length > 0 && v.backoffSeconds.every((x) => typeof x === 'number' && x >= 0)) backoff = v.backoffSeconds as number[];
    else p.add('retry.backoffSeconds', 'must be a non-empty list of seconds');
  }
  return { maxAttempts: num(v.maxAttempts, 'retry.maxAttempts', d.maxAttempts, 1, 100, p), backoffSeconds: backoff };
}
