/**
 * The REST API v2 shapes the adapter reads, and checks that an answer has them.
 * Plesk REST API v2 reference (OpenAPI, served by the panel at /api/v2/swagger.yml and
 * documented at https://docs.plesk.com/en-US/obsidian/api-rpc/about-rest-api.79359/):
 *
 * - `GET /clients` → array of Client: `id, login, name, email, locale,
 *   type ("admin"|"reseller"|"customer"), owner_login` (plus company, status, guid ... we ignore)
 * - `GET /domains` → array of Domain: `id, name, hosting_type, www_root, base_domain_id`
 *   (`base_domain_id` 0 = the subscription's main domain; no system user in here)
 * - `GET /domains/{id}/client` → one Client, the domain's owner
 * - `POST /cli/{command}/call {"params":[...]}` → `{code, stdout, stderr}`
 * - errors → `{code, message}` with the HTTP status (401 bad key, 404 unknown object)
 *
 * Answers are untrusted: an entry without the fields we rely on is dropped and counted,
 * never half-used.
 */

export type ClientType = 'admin' | 'reseller' | 'customer';

export interface PleskClient {
  id: number;
  login: string;
  name: string;
  email: string;
  locale: string;
  type: ClientType;
  owner_login: string;
}

export interface PleskDomain {
  id: number;
  name: string;
  hosting_type: string;
  www_root: string;
  base_domain_id: number;
  /**
   * the domain's aliases (REST v2 `aliases[]`, since Plesk 18.0.42, per the published
   * OpenAPI document); aliases are not rows of /domains. Empty on older panels.
   */
  aliases?: string[];
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function id(v: unknown): number | null {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null;
}

export function toClient(v: unknown): PleskClient | null {
  if (!isRecord(v)) return null;
  const cid = id(v.id);
  const login = str(v.login);
  const type = v.type;
  if (cid === null || login === '' || (type !== 'admin' && type !== 'reseller' && type !== 'customer')) return null;
  return { id: cid, login, name: str(v.name), email: str(v.email), locale: str(v.locale), type, owner_login: str(v.owner_login) };
}

export function toDomain(v: unknown): PleskDomain | null {
  if (!isRecord(v)) return null;
  const did = id(v.id);
  const base = id(v.base_domain_id ?? 0);
  const name = str(v.name).toLowerCase();
  if (did === null || base === null || name === '') return null;
  return { id: did, name, hosting_type: str(v.hosting_type), www_root: str(v.www_root), base_domain_id: base, aliases: aliasNames(v.aliases) };
}

/** `aliases[]`: names as strings, or objects with a `name` (the spec's shape is not pinned down here); others dropped. */
function aliasNames(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  const out: string[] = [];
  for (const a of v) {
    const name = typeof a === 'string' ? a : isRecord(a) ? str(a.name) : '';
    if (name !== '') out.push(name.toLowerCase());
  }
  return out;
}

export function toCliResult(v: unknown): CliResult | null {
  if (!isRecord(v) || typeof v.code !== 'number' || !Number.isInteger(v.code)) return null;
  return { code: v.code, stdout: str(v.stdout), stderr: str(v.stderr) };
}

/** Maps an array answer through `convert`, counting what did not have the shape. */
export function listOf<T>(v: unknown, convert: (x: unknown) => T | null): { items: T[]; dropped: number } | null {
  if (!Array.isArray(v)) return null;
  const items: T[] = [];
  let dropped = 0;
  for (const x of v) {
    const c = convert(x);
    if (c) items.push(c);
    else dropped++;
  }
  return { items, dropped };
}

/** Plesk's error body `{code, message}`; falls back to the raw text. */
export function errorText(body: string): string {
  try {
    const v: unknown = JSON.parse(body);
    if (isRecord(v) && typeof v.message === 'string') return v.message;
  } catch {
    // not JSON: a proxy's HTML page, an empty body
  }
  return body;
}
