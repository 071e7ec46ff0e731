/**
 * Reads and checks the notify settings once; unknown keys are errors (a typo silently
 * ignored would send with the default), every problem is reported at once (E_CONFIG).
 */
import { readFileSync } from 'node:fs';
import { configError } from '../config/config-error';
import { DEFAULT_NOTIFY_CONFIG, DEFAULT_NOTIFY_CONFIG_PATH, type NoticePolicy, type NotifyConfig, type TransportConfig } from './notify-config';
import { parseMailbox } from './address';
import { jsonNestsDeeperThan, MAX_JSON_DEPTH } from '../config/json-depth';

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
  let raw: unknown;
  if (jsonNestsDeeperThan(text)) throw configError(`${location.path}: not a notify config: nested more than ${MAX_JSON_DEPTH} levels deep`);
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw configError(`${location.path}: not valid JSON: ${(e as Error).message}`);
  }
  return validateNotifyConfig(raw, location.path);
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function validateNotifyConfig(raw: unknown, source: string): NotifyConfig {
  const p: string[] = [];
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
  if (raw.from === undefined) p.push('from: required (the address notices come from)');
  if (p.length) throw configError(`${source}: ${p.join('; ')}`);
  return cfg;
}

function keys(o: Obj, at: string, allowed: string[], p: string[]): void {
  for (const k of Object.keys(o)) if (k !== '$comment' && !allowed.includes(k)) p.push(`${at}${k}: unknown key`);
}

function text(v: unknown, key: string, dflt: string, p: string[]): string {
  if (v === undefined) return dflt;
  if (typeof v === 'string' && v.length > 0 && v.length <= 200 && !/[\x00-\x1f\x7f]/.test(v)) return v;
  p.push(`${key}: must be a short single-line string`);
  return dflt;
}

function num(v: unknown, key: string, dflt: number, min: number, max: number, p: string[]): number {
  if (v === undefined) return dflt;
  if (typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max) return v;
  p.push(`${key}: must be a number from ${min} to ${max}`);
  return dflt;
}

function bool(v: unknown, key: string, dflt: boolean, p: string[]): boolean {
  if (v === undefined) return dflt;
  if (typeof v === 'boolean') return v;
  p.push(`${key}: must be true or false`);
  return dflt;
}

function mailbox(v: unknown, key: string, p: string[]): string | null {
  if (v === null) return null;
  if (typeof v === 'string' && parseMailbox(v)) return v;
  p.push(`${key}: must be an email address, optionally with a name ("Support <abuse@example.com>")`);
  return null;
}

function transport(v: unknown, p: string[]): TransportConfig {
  if (v === undefined) return DEFAULT_NOTIFY_CONFIG.transport;
  if (!isObj(v)) {
    p.push('transport: must be an object');
    return DEFAULT_NOTIFY_CONFIG.transport;
  }
  if (v.kind === 'sendmail') {
    keys(v, 'transport.', ['kind', 'path'], p);
    const path = v.path === undefined ? '/usr/sbin/sendmail' : v.path;
    if (typeof path !== 'string' || !path.startsWith('/')) p.push('transport.path: must be an absolute path');
    return { kind: 'sendmail', path: String(path) };
  }
  if (v.kind !== 'smtp') {
    p.push('transport.kind: must be "smtp" or "sendmail"');
    return DEFAULT_NOTIFY_CONFIG.transport;
  }
  keys(v, 'transport.', ['kind', 'host', 'port', 'secure', 'requireTls', 'tls', 'auth', 'name', 'timeoutSeconds'], p);
  const host = typeof v.host === 'string' && /^[a-z0-9.:[\]-]{1,253}$/i.test(v.host) ? v.host : (p.push('transport.host: must be a host name or IP address'), '');
  const secure = bool(v.secure, 'transport.secure', false, p);
  const port = num(v.port, 'transport.port', secure ? 465 : 25, 1, 65535, p);
  const tls = isObj(v.tls) ? v.tls : {};
  if (v.tls !== undefined && !isObj(v.tls)) p.push('transport.tls: must be an object');
  keys(tls, 'transport.tls.', ['rejectUnauthorized', 'servername'], p);
  let auth: { user: string; passwordFile: string } | null = null;
  if (v.auth !== undefined && v.auth !== null) {
    if (isObj(v.auth) && typeof v.auth.user === 'string' && typeof v.auth.passwordFile === 'string' && v.auth.passwordFile.startsWith('/')) {
      keys(v.auth, 'transport.auth.', ['user', 'passwordFile'], p);
      auth = { user: v.auth.user, passwordFile: v.auth.passwordFile };
    } else {
      p.push('transport.auth: must be { "user": "...", "passwordFile": "/absolute/path" } (the password lives in its own 0600 file)');
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

function policy(v: unknown, at: string, p: string[]): Partial<NoticePolicy> {
  if (v === undefined) return {};
  if (!isObj(v)) {
    p.push(`${at}: must be an object`);
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
    else p.push(`${at}.approvalFor: must be a list of "spam" and "suspicious" ("normal" never gets a notice)`);
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
    } else p.push(`${at}.rateLimit: must be an object`);
  }
  return out;
}

function policyMap(v: unknown, at: string, p: string[]): Record<string, Partial<NoticePolicy>> {
  if (v === undefined) return {};
  if (!isObj(v)) {
    p.push(`${at}: must be an object keyed by name`);
    return {};
  }
  const out: Record<string, Partial<NoticePolicy>> = Object.create(null);
  for (const [k, x] of Object.entries(v)) if (k !== '$comment') out[k] = policy(x, `${at}.${k}`, p);
  return out;
}

function retry(v: unknown, p: string[]): NotifyConfig['retry'] {
  const d = DEFAULT_NOTIFY_CONFIG.retry;
  if (v === undefined) return d;
  if (!isObj(v)) {
    p.push('retry: must be an object');
    return d;
  }
  keys(v, 'retry.', ['maxAttempts', 'backoffSeconds'], p);
  let backoff = d.backoffSeconds;
  if (v.backoffSeconds !== undefined) {
    if (Array.isArray(v.backoffSeconds) && v.backoffSeconds.length > 0 && v.backoffSeconds.every((x) => typeof x === 'number' && x >= 0)) backoff = v.backoffSeconds as number[];
    else p.push('retry.backoffSeconds: must be a non-empty list of seconds');
  }
  return { maxAttempts: num(v.maxAttempts, 'retry.maxAttempts', d.maxAttempts, 1, 100, p), backoffSeconds: backoff };
}
