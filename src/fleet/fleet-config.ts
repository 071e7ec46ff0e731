/**
 * The fleet file: which SSH aliases spamtrace scans and what each one is (see
 * src/fleet/README.md). Validated once, frozen. Aliases are the admin's own SSH config
 * aliases; nothing here duplicates HostName/User/Port/keys.
 */
import { promises as fs } from 'node:fs';
import { SpamtraceError } from '../errors';
import { validAlias } from '../host/ssh/ssh-command';
import { jsonNestsDeeperThan, MAX_JSON_DEPTH } from '../config/json-depth';

/** mail: queue and mail log; web: access logs; panel: inventory (subscriptions, users). */
export type FleetRole = 'mail' | 'web' | 'panel';
export const FLEET_ROLES: readonly FleetRole[] = ['mail', 'web', 'panel'];

export interface FleetHost {
  alias: string;
  roles: FleetRole[];
  /**
   * For a mail node whose customers' sites live elsewhere: the alias of the web node
   * (roles web and panel) whose inventory and access logs explain this node's local
   * senders. Null: this node's own (if it has the roles).
   */
  webFrom: string | null;
}

export interface FleetConfig {
  /** ssh -F; null: ~/.ssh/config */
  sshConfig: string | null;
  /** hosts scanned at once (default 4) */
  parallel: number;
  /** per host, connection and scan together (default 900) */
  hostTimeoutSeconds: number;
  hosts: FleetHost[];
}

export const DEFAULT_PARALLEL = 4;
export const DEFAULT_HOST_TIMEOUT_SECONDS = 900;

function fail(where: string, why: string): never {
  throw new SpamtraceError('E_CONFIG', `fleet file ${where}: ${why}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function wholeNumber(where: string, v: unknown, min: number, max: number, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(where, `must be a whole number from ${min} to ${max}`);
  return v;
}

export function parseFleetConfig(value: unknown, source = '(inline)'): FleetConfig {
  if (!isRecord(value)) fail(source, 'must be a JSON object with a "hosts" list');
  const known = new Set(['version', 'sshConfig', 'parallel', 'hostTimeoutSeconds', 'hosts']);
  for (const k of Object.keys(value)) if (!known.has(k)) fail(source, `unknown field "${k.slice(0, 40)}"`);
  if (value['version'] !== undefined && value['version'] !== 1) fail(`${source} version`, 'only version 1 is known');
  const sshConfig = value['sshConfig'];
  if (sshConfig !== undefined && sshConfig !== null && (typeof sshConfig !== 'string' || !sshConfig.startsWith('/'))) fail(`${source} sshConfig`, 'must be an absolute path');
  const list = value['hosts'];
  if (!Array.isArray(list) || list.length === 0) fail(`${source} hosts`, 'must be a non-empty list');
  const hosts: FleetHost[] = [];
  const seen = new Set<string>();
  list.forEach((h, i) => {
    const where = `${source} hosts[${i}]`;
    if (!isRecord(h)) fail(where, 'must be an object { "alias", "roles" }');
    for (const k of Object.keys(h)) if (!['alias', 'roles', 'webFrom'].includes(k)) fail(where, `unknown field "${k.slice(0, 40)}"`);
    const alias = h['alias'];
    if (typeof alias !== 'string' || !validAlias(alias)) fail(`${where}.alias`, 'must be an SSH host alias (letters, digits, . _ - @ : % +)');
    if (seen.has(alias)) fail(`${where}.alias`, `"${alias}" is listed twice`);
    seen.add(alias);
    const roles = h['roles'];
    if (!Array.isArray(roles) || roles.length === 0) fail(`${where}.roles`, 'must list at least one of mail, web, panel');
    for (const r of roles) if (!FLEET_ROLES.includes(r as FleetRole)) fail(`${where}.roles`, `unknown role ${JSON.stringify(r).slice(0, 40)} (mail, web, panel)`);
    const webFrom = h['webFrom'] ?? null;
    if (webFrom !== null && (typeof webFrom !== 'string' || !validAlias(webFrom))) fail(`${where}.webFrom`, 'must be an alias of this file');
    hosts.push({ alias, roles: [...new Set(roles as FleetRole[])], webFrom: webFrom as string | null });
  });
  for (const h of hosts) {
    if (h.webFrom === null) continue;
    const w = hosts.find((x) => x.alias === h.webFrom);
    if (!w) fail(`${source} ${h.alias}.webFrom`, `"${h.webFrom}" is not a host of this file`);
    if (w.alias === h.alias) fail(`${source} ${h.alias}.webFrom`, 'names the host itself');
    if (!h.roles.includes('mail')) fail(`${source} ${h.alias}.webFrom`, 'only a mail node reads another node\'s web logs');
    if (!w.roles.includes('web') || !w.roles.includes('panel')) fail(`${source} ${h.alias}.webFrom`, `"${w.alias}" needs the roles web and panel`);
  }
  return Object.freeze({
    sshConfig: (sshConfig as string | undefined) ?? null,
    parallel: wholeNumber(`${source} parallel`, value['parallel'], 1, 64, DEFAULT_PARALLEL),
    hostTimeoutSeconds: wholeNumber(`${source} hostTimeoutSeconds`, value['hostTimeoutSeconds'], 5, 86_400, DEFAULT_HOST_TIMEOUT_SECONDS),
    hosts: hosts.map((h) => Object.freeze(h)),
  });
}

export async function loadFleetConfig(path: string): Promise<FleetConfig> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (e) {
    throw new SpamtraceError('E_CONFIG', `fleet file ${path} could not be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let value: unknown;
  if (jsonNestsDeeperThan(text)) throw new SpamtraceError('E_CONFIG', `fleet file ${path} is nested more than ${MAX_JSON_DEPTH} levels deep: not a fleet file`);
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new SpamtraceError('E_CONFIG', `fleet file ${path} is not valid JSON: ${(e as Error).message}`);
  }
  return parseFleetConfig(value, path);
}

/** `--hosts all` or named aliases, each checked against the file. */
export function selectHosts(config: FleetConfig, wanted: readonly string[] | 'all'): FleetHost[] {
  if (wanted === 'all') return [...config.hosts];
  const out: FleetHost[] = [];
  for (const a of wanted) {
    const h = config.hosts.find((x) => x.alias === a);
    if (!h) throw new SpamtraceError('E_USAGE', `--hosts: "${a.slice(0, 80)}" is not in the fleet file (known: ${config.hosts.map((x) => x.alias).join(', ')})`);
    if (!out.includes(h)) out.push(h);
  }
  if (out.length === 0) throw new SpamtraceError('E_USAGE', '--hosts needs "all" or at least one alias');
  return out;
}
