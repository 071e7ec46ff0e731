/**
 * Checks a parsed config file against the shape in config-types.ts, fills in defaults,
 * and reports every problem at once, each naming its key ("service.listen.port: ...").
 * Unknown keys are errors: a typo ("mailLog") silently ignored would run with the default.
 * "$comment" keys are allowed anywhere, for notes.
 */
import { configError } from './config-error';
import { DEFAULT_CONFIG, type SpamtraceConfig } from './config-types';

type Check = (value: unknown, key: string, problems: string[]) => unknown;

const absPath: Check = (v, key, problems) => {
  if (typeof v === 'string' && v.startsWith('/') && !v.includes('\0') && v.length <= 4096) {
    return v.length > 1 ? v.replace(/\/+$/, '') : v;
  }
  problems.push(`${key}: must be an absolute path, got ${show(v)}`);
  return undefined;
};

const nullable = (inner: Check): Check => (v, key, problems) => (v === null ? null : inner(v, key, problems));

const oneOf = (...allowed: string[]): Check => (v, key, problems) => {
  if (typeof v === 'string' && allowed.includes(v)) return v;
  problems.push(`${key}: must be one of ${allowed.join(', ')}, got ${show(v)}`);
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
  problems.push(`${key}: must be an http(s) URL without credentials (the key goes in plesk.apiKeyFile), got ${show(v)}`);
  return undefined;
};

const fingerprint: Check = (v, key, problems) => {
  if (typeof v === 'string' && /^[0-9A-F]{64}$/i.test(v.replace(/[:\s]/g, ''))) return v;
  problems.push(`${key}: must be a SHA-256 fingerprint (64 hex digits, colons allowed), got ${show(v)}`);
  return undefined;
};

const host: Check = (v, key, problems) => {
  if (typeof v === 'string' && /^(?:[0-9.]+|\[?[0-9a-f:]+\]?|[a-z0-9.-]+)$/i.test(v) && v.length <= 253) return v;
  problems.push(`${key}: must be an IP address or host name, got ${show(v)}`);
  return undefined;
};

const port: Check = (v, key, problems) => {
  if (Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535) return v;
  problems.push(`${key}: must be a whole number from 1 to 65535, got ${show(v)}`);
  return undefined;
};

const userName: Check = (v, key, problems) => {
  if (typeof v === 'string' && /^[a-z_][a-z0-9_-]{0,31}$/.test(v)) return v;
  problems.push(`${key}: must be a system user name, got ${show(v)}`);
  return undefined;
};

const pathList: Check = (v, key, problems) => {
  if (!Array.isArray(v) || v.length === 0) {
    problems.push(`${key}: must be a non-empty list of absolute paths, got ${show(v)}`);
    return undefined;
  }
  return v.map((p, i) => absPath(p, `${key}[${i}]`, problems));
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
};

/** The config, defaults filled in; throws E_CONFIG listing every wrong key. */
export function validateConfig(raw: unknown, source: string): SpamtraceConfig {
  const problems: string[] = [];
  const config = walk(SHAPE, raw, DEFAULT_CONFIG as unknown as Record<string, unknown>, '', problems);
  if (!problems.length && config.panel === 'static' && config.staticFile === null) {
    problems.push('staticFile: must be set when panel is "static"');
  }
  if (problems.length) {
    throw configError(`${source}: ${problems.length} problem${problems.length > 1 ? 's' : ''}: ${problems.join('; ')}`);
  }
  return config as unknown as SpamtraceConfig;
}

function walk(shape: Shape, raw: unknown, defaults: Record<string, unknown>, prefix: string, problems: string[]): Record<string, unknown> {
  const where = prefix ? prefix.slice(0, -1) : '(top level)';
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problems.push(`${where}: must be an object, got ${show(raw)}`);
    return defaults;
  }
  const given = raw as Record<string, unknown>;
  for (const k of Object.keys(given)) {
    // "$comment" is JSON Schema's spelling for a note; JSON itself has no comments.
    if (k === '$comment') continue;
    if (!(k in shape)) problems.push(`${prefix}${k}: unknown key${suggest(k, Object.keys(shape))}`);
  }
  const out: Record<string, unknown> = {};
  for (const [k, check] of Object.entries(shape)) {
    const key = `${prefix}${k}`;
    if (!(k in given)) out[k] = defaults[k];
    else if (typeof check === 'function') out[k] = check(given[k], key, problems);
    else out[k] = walk(check, given[k], defaults[k] as Record<string, unknown>, `${key}.`, problems);
  }
  return out;
}

function suggest(k: string, known: string[]): string {
  const near = known.find((n) => n.toLowerCase().startsWith(k.toLowerCase().slice(0, 4)) || k.toLowerCase().startsWith(n.toLowerCase()));
  return near ? ` (did you mean "${near}"?)` : ` (known here: ${known.join(', ')})`;
}

function show(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
