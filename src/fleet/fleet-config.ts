/**
 * The fleet file: which SSH aliases spamtrace scans and what each one is (see
 * src/fleet/README.md). Validated once, frozen. Aliases are the admin's own SSH config
 * aliases; nothing here duplicates HostName/User/Port/keys.
 */
import { promises as fs } from 'node:fs';
import { SpamtraceError } from '../errors';
import { validAlias } from '../host/ssh/ssh-command';
import { MAX_JSON_DEPTH } from '../config/json-depth';
import { absolutePath, checkUnknownKeys, ConfigProblems, isRecord, numberIn, parseJsonConfig, pathOf } from '../config/config-check';

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

const unknownField = (k: string): string => `unknown field "${k.slice(0, 40)}"`;

/** The fleet file checked; throws E_CONFIG naming every problem at its JSON path. */
export function parseFleetConfig(value: unknown, source = '(inline)'): FleetConfig {
  const p = new ConfigProblems();
  const config = checkFleet(value, p);
  p.throwIfAny(source, () => `fleet file ${source}: ${p.text()}`);
  return config!;
}

function checkFleet(value: unknown, p: ConfigProblems): FleetConfig | null {
  if (!isRecord(value)) {
    p.add('', 'must be a JSON object with a "hosts" list');
    return null;
  }
  checkUnknownKeys(value, '', ['version', 'sshConfig', 'parallel', 'hostTimeoutSeconds', 'hosts'], p, unknownField);
  if (value['version'] !== undefined && value['version'] !== 1) p.add('version', 'only version 1 is known');
  const sshConfig = value['sshConfig'] ?? null;
  if (sshConfig !== null) absolutePath(sshConfig, 'sshConfig', p, false);
  const list = value['hosts'];
  const hosts: FleetHost[] = [];
  if (!Array.isArray(list) || list.length === 0) p.add('hosts', 'must be a non-empty list');
  else list.forEach((h, i) => checkHost(h, pathOf('hosts', i), hosts, p));
  for (const h of hosts) {
    if (h.webFrom === null) continue;
    const at = `${h.alias}.webFrom`;
    const w = hosts.find((x) => x.alias === h.webFrom);
    if (!w) p.add(at, `"${h.webFrom}" is not a host of this file`);
    else if (w.alias === h.alias) p.add(at, 'names the host itself');
    else if (!h.roles.includes('mail')) p.add(at, 'only a mail node reads another node\'s web logs');
    else if (!w.roles.includes('web') || !w.roles.includes('panel')) p.add(at, `"${w.alias}" needs the roles web and panel`);
  }
  return Object.freeze({
    sshConfig: typeof sshConfig === 'string' ? sshConfig : null,
    parallel: numberIn(value['parallel'], 'parallel', DEFAULT_PARALLEL, 1, 64, p, true),
    hostTimeoutSeconds: numberIn(value['hostTimeoutSeconds'], 'hostTimeoutSeconds', DEFAULT_HOST_TIMEOUT_SECONDS, 5, 86_400, p, true),
    hosts: hosts.map((h) => Object.freeze(h)),
  });
}

function checkHost(h: unknown, where: string, hosts: FleetHost[], p: ConfigProblems): void {
  if (!isRecord(h)) {
    p.add(where, 'must be an object { "alias", "roles" }');
    return;
  }
  checkUnknownKeys(h, where, ['alias', 'roles', 'webFrom'], p, unknownField);
  const alias = h['alias'];
  let ok = true;
  if (typeof alias !== 'string' || !validAlias(alias)) {
    p.add(`${where}.alias`, 'must be an SSH host alias (letters, digits, . _ - @ : % +)');
    ok = false;
  } else if (hosts.some((x) => x.alias === alias)) {
    p.add(`${where}.alias`, `"${alias}" is listed twice`);
    ok = false;
  }
  const roles = h['roles'];
  if (!Array.isArray(roles) || roles.length === 0) {
    p.add(`${where}.roles`, 'must list at least one of mail, web, panel');
    ok = false;
  } else {
    for (const r of roles) {
      if (FLEET_ROLES.includes(r as FleetRole)) continue;
      p.add(`${where}.roles`, `unknown role ${JSON.stringify(r).slice(0, 40)} (mail, web, panel)`);
      ok = false;
    }
  }
  const webFrom = h['webFrom'] ?? null;
  if (webFrom !== null && (typeof webFrom !== 'string' || !validAlias(webFrom))) {
    p.add(`${where}.webFrom`, 'must be an alias of this file');
    ok = false;
  }
  if (ok) hosts.push({ alias: alias as string, roles: [...new Set(roles as FleetRole[])], webFrom: webFrom as string | null });
}

export async function loadFleetConfig(path: string): Promise<FleetConfig> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (e) {
    throw new SpamtraceError('E_CONFIG', `fleet file ${path} could not be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const value = parseJsonConfig(text, {
    tooDeep: `fleet file ${path} is nested more than ${MAX_JSON_DEPTH} levels deep: not a fleet file`,
    notJson: (why) => `fleet file ${path} is not valid JSON: ${why}`,
  });
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
