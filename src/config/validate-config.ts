/**
 * Checks a parsed config file against the shape in config-types.ts, fills in defaults,
 * and reports every problem at once, each naming its key ("service.listen.port: ...").
 * Unknown keys are errors: a typo ("mailLog") silently ignored would run with the default.
 * "$comment" keys are allowed anywhere, for notes.
 */
import { isIP } from 'node:net';
import { DEFAULT_CONFIG, type SpamtraceConfig } from './config-types';
import { absolutePath, checkUnknownKeys, ConfigProblems, isRecord, show } from './config-check';

type Check = (value: unknown, key: string, problems: ConfigProblems) => unknown;

const absPath: Check = (v, key, problems) => absolutePath(v, key, problems);

const nullable = (inner: Check): Check => (v, key, problems) => (v === null ? null : inner(v, key, problems));

const oneOf = (...allowed: string[]): Check => (v, key, problems) => {
  if (typeof v === 'string' && allowed.includes(v)) return v;
  problems.add(key, `must be one of ${allowed.join(', ')}, got ${show(v)}`);
  return undefined;
};

const httpUrl: Check = (v, key, problems) => {
  try {
    if (typeof v === 'string') {
      const u = new URL(v);
      if ((u.protocol === 'https:' || u.protocol === 'http:') && !u.username && !u.password) return v.replace(/\/+$/, '');
    }
  } catch {
    // fall through to the message
  }
  problems.add(key, `must be an http(s) URL without credentials (the key goes in plesk.apiKeyFile), got ${show(v)}`);
  return undefined;
};

const fingerprint: Check = (v, key, problems) => {
  if (typeof v === 'string' && /^[0-9A-F]{64}$/i.test(v.replace(/[:\s]/g, ''))) return v;
  problems.add(key, `must be a SHA-256 fingerprint (64 hex digits, colons allowed), got ${show(v)}`);
  return undefined;
};

const host: Check = (v, key, problems) => {
  if (typeof v === 'string' && /^(?:[0-9.]+|\[?[0-9a-f:]+\]?|[a-z0-9.-]+)$/i.test(v) && v.length <= 253) return v;
  problems.add(key, `must be an IP address or host name, got ${show(v)}`);
  return undefined;
};

const port: Check = (v, key, problems) => {
  if (Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535) return v;
  problems.add(key, `must be a whole number from 1 to 65535, got ${show(v)}`);
  return undefined;
};

const userName: Check = (v, key, problems) => {
  if (typeof v === 'string' && /^[a-z_][a-z0-9_-]{0,31}$/.test(v)) return v;
  problems.add(key, `must be a system user name, got ${show(v)}`);
  return undefined;
};

const pathList: Check = (v, key, problems) => {
  if (!Array.isArray(v) || v.length === 0) {
    problems.add(key, `must be a non-empty list of absolute paths, got ${show(v)}`);
    return undefined;
  }
  return v.map((p, i) => absPath(p, `${key}[${i}]`, problems));
};

const zoneList: Check = (v, key, problems) => {
  if (Array.isArray(v) && v.length <= 20 && v.every((z) => typeof z === 'string' && /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(z))) return v.map((z: string) => z.toLowerCase());
  problems.add(key, `must be a list of DNS zone names ("zen.spamhaus.org"), [] for none, got ${show(v)}`);
  return undefined;
};

const resolverAddress: Check = (v, key, problems) => {
  if (typeof v === 'string' && /^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:]+\])(:\d{1,5})?$/i.test(v)) return v;
  problems.add(key, `must be an IP address with an optional :port ("127.0.0.1:53", "[::1]:53") or null, got ${show(v)}`);
  return undefined;
};

const ipList: Check = (v, key, problems) => {
  if (Array.isArray(v) && v.every((a) => typeof a === 'string' && isIP(a) !== 0)) return [...v];
  problems.add(key, `must be a list of IP addresses, got ${show(v)}`);
  return undefined;
};

type Shape = { [k: string]: Check | Shape };

const SHAPE: Shape = {
  panel: oneOf('auto', 'plesk', 'confixx', 'filesystem', 'static'),
  plesk: {
    url: httpUrl,
    apiKeyFile: absPath,
    tls: { caFile: nullable(absPath), fingerprint256: nullable(fingerprint) },
  },
  confixx: { confFile: absPath, dbPasswordFile: nullable(absPath) },
  roots: { vhosts: absPath, confixx: absPath },
  staticFile: nullable(absPath),
  mailLogs: pathList,
  service: {
    listen: { host, port },
    panelSecretFile: absPath,
    panelUser: userName,
  },
  store: { path: absPath },
  dnsbl: { zones: zoneList, server: nullable(resolverAddress), addresses: ipList, cacheFile: absPath },
};

/** The config, defaults filled in; throws E_CONFIG listing every wrong key. */
export function validateConfig(raw: unknown, source: string): SpamtraceConfig {
  const problems = new ConfigProblems();
  const config = walk(SHAPE, raw, DEFAULT_CONFIG as unknown as Record<string, unknown>, '', problems);
  if (!problems.count && config.panel === 'static' && config.staticFile === null) problems.add('staticFile', 'must be set when panel is "static"');
  problems.throwIfAny(source, (p) => `${source}: ${p.count} problem${p.count > 1 ? 's' : ''}: ${p.text()}`);
  return config as unknown as SpamtraceConfig;
}

function walk(shape: Shape, raw: unknown, defaults: Record<string, unknown>, at: string, problems: ConfigProblems): Record<string, unknown> {
  if (!isRecord(raw)) {
    problems.add(at || '(top level)', `must be an object, got ${show(raw)}`);
    return defaults;
  }
  checkUnknownKeys(raw, at, Object.keys(shape), problems);
  const out: Record<string, unknown> = {};
  for (const [k, check] of Object.entries(shape)) {
    const key = at ? `${at}.${k}` : k;
    if (!(k in raw)) out[k] = defaults[k];
    else if (typeof check === 'function') out[k] = check(raw[k], key, problems);
    else out[k] = walk(check, raw[k], defaults[k] as Record<string, unknown>, key, problems);
  }
  return out;
}
