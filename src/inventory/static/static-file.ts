/**
 * A static mapping file: the inventory for a server without a panel, or to add what the
 * filesystem cannot know (customers, resellers, mailboxes, domains of Confixx customers).
 *
 * Format (JSON, UTF-8; full description in README.md next to this file):
 *
 *   {
 *     "version": 1,
 *     "subscriptions": [
 *       {
 *         "id": "shop",                                  required, unique
 *         "domains": ["example.de", "shop.example.de"], main domain first; unique across entries
 *         "sysUser": "web274", "uid": 4079,               at least one; the other comes from passwd
 *         "homeDir": "/var/www/web274",                   optional, absolute
 *         "docRoots": ["/var/www/web274/html"],           absolute paths, default []
 *         "logDirs": ["/var/www/web274/log"],             absolute paths, default []
 *         "mailboxes": ["info@example.de", { "address": "shop@example.de", "panelId": "web274p1" }],
 *         "customer": "k1001" | { "login": "k1001", "name": "...", "email": "...", "locale": "de" },
 *         "reseller": "r1" | { "login": "r1", "name": "...", "email": "..." },
 *         "suspended": false
 *       }
 *     ]
 *   }
 *
 * Keys starting with "_" are comments and ignored; any other unknown key is an error, so a
 * typo ("logdir") is caught instead of silently leaving a field empty. Errors name the
 * file and the JSON path of each problem (E_INVENTORY_FILE).
 */
import { posix } from 'node:path';
import type { Host } from '../../host/host';
import type { Customer, Inventory, InventoryResult, Mailbox, Reseller, Subscription } from '../../domain/subscription';
import { SpamtraceError, type ErrorCode } from '../../errors';
import { jsonNestsDeeperThan, MAX_JSON_DEPTH } from '../../config/json-depth';
import { checkUnknownKeys, ConfigProblems, isRecord, problemLine } from '../../config/config-check';
import { normalizeDomain } from '../filesystem/domain-name';
import { quoteName } from '../filesystem/quote';
import { loadSystemUsers, SystemUsers } from '../filesystem/system-users';

/**
 * The code for a bad or unreadable mapping file. E_INVENTORY_FILE is asked for in the
 * issue note: until src/errors.ts lists it, the cast keeps the build green.
 */
const E_INVENTORY_FILE: ErrorCode = 'E_INVENTORY_FILE';

/** A mapping file larger than this is not a hand-written mapping. */
export const MAX_STATIC_FILE_BYTES = 32 * 1024 * 1024;
const MAX_PROBLEMS_SHOWN = 5;
const LOGIN = /^[A-Za-z0-9_.][A-Za-z0-9_.@-]{0,63}\$?$/;
const EMAIL = /^[^\s@<>"]{1,64}@[^\s@<>"]{1,253}$/;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };
type Problems = ConfigProblems;

function isObj(v: Json | undefined): v is Obj {
  return isRecord(v);
}

/** A value as a short snippet for a message, terminal-safe: the file's text is not trusted. */
function show(v: Json | undefined): string {
  const s = JSON.stringify(v) ?? 'undefined';
  return quoteName(s.length > 80 ? s.slice(0, 80) + '…' : s).slice(1, -1);
}

/** Unknown keys at their own path (config-check.ts); keys starting with "_" are comments. */
function checkKeys(o: Obj, at: string, allowed: readonly string[], p: Problems): void {
  // a key is named in the problem's path: an odd one is shown quoted, like any other value
  const own = Object.fromEntries(Object.entries(o).filter(([k]) => !k.startsWith('_')).map(([k, v]) => [/^[A-Za-z0-9$-]{1,64}$/.test(k) ? k : show(k), v]));
  checkUnknownKeys(own, at, allowed, p, () => `unknown key (allowed: ${allowed.join(', ')})`);
}

function text(v: Json | undefined, at: string, p: Problems, max = 200): string | undefined {
  if (typeof v !== 'string' || v.length === 0 || v.length > max || /[\u0000-\u001f\u007f]/.test(v)) {
    p.add(at, `must be a non-empty string of at most ${max} printable characters, got ${show(v)}`);
    return undefined;
  }
  return v;
}

function absPath(v: Json | undefined, at: string, p: Problems): string | undefined {
  const s = text(v, at, p, 4096);
  if (s === undefined) return undefined;
  if (!s.startsWith('/')) return void p.add(at, `must be an absolute path, got ${show(s)}`);
  if (s.split('/').some((seg) => seg === '..' || seg === '.')) return void p.add(at, `must not contain "." or ".." segments, got ${show(s)}`);
  return s.length > 1 ? posix.normalize(s).replace(/\/+$/, '') : s;
}

function list<T>(v: Json | undefined, at: string, p: Problems, item: (x: Json, at: string) => T | undefined): T[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) {
    p.add(at, `must be an array, got ${show(v)}`);
    return [];
  }
  const out: T[] = [];
  v.forEach((x, i) => {
    const r = item(x, `${at}[${i}]`);
    if (r !== undefined) out.push(r);
  });
  return out;
}

function person(v: Json | undefined, at: string, p: Problems, withLocale: boolean): Customer | Reseller | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return text(v, at, p) === undefined ? null : { login: v };
  if (!isObj(v)) {
    p.add(at, `must be a login string or an object with "login", got ${show(v)}`);
    return null;
  }
  checkKeys(v, at, withLocale ? ['login', 'name', 'email', 'locale'] : ['login', 'name', 'email'], p);
  const login = text(v.login, `${at}.login`, p);
  const out: Customer = { login: login ?? '' };
  if (v.name !== undefined) out.name = text(v.name, `${at}.name`, p);
  if (v.email !== undefined) {
    const e = text(v.email, `${at}.email`, p, 320);
    if (e !== undefined && !EMAIL.test(e)) p.add(`${at}.email`, `is not an e-mail address: ${show(e)}`);
    else out.email = e;
  }
  if (withLocale && v.locale !== undefined) {
    const l = text(v.locale, `${at}.locale`, p, 20);
    if (l !== undefined && !/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$/.test(l)) p.add(`${at}.locale`, `is not a locale like "de" or "de-DE": ${show(l)}`);
    else out.locale = l;
  }
  return login === undefined ? null : out;
}

function mailbox(v: Json, at: string, p: Problems): Mailbox | undefined {
  const raw = isObj(v) ? v.address : v;
  if (isObj(v)) checkKeys(v, at, ['address', 'panelId'], p);
  const addrAt = isObj(v) ? `${at}.address` : at;
  const a = text(raw, addrAt, p, 320);
  if (a === undefined) return undefined;
  const at2 = a.lastIndexOf('@');
  const domain = at2 > 0 ? normalizeDomain(a.slice(at2 + 1)) : null;
  if (!domain || !EMAIL.test(a)) return void p.add(addrAt, `is not a mailbox address: ${show(a)}`);
  const box: Mailbox = { address: `${a.slice(0, at2).toLowerCase()}@${domain}` };
  if (isObj(v) && v.panelId !== undefined) box.panelId = text(v.panelId, `${at}.panelId`, p);
  return box;
}

/** One entry as written; sysUser/uid are completed from passwd afterwards. */
function entry(v: Json, at: string, p: Problems): Subscription | undefined {
  if (!isObj(v)) return void p.add(at, `must be an object, got ${show(v)}`);
  checkKeys(v, at, ['id', 'domains', 'sysUser', 'uid', 'homeDir', 'docRoots', 'logDirs', 'mailboxes', 'customer', 'reseller', 'suspended'], p);
  const id = text(v.id, `${at}.id`, p);
  const domains = list(v.domains, `${at}.domains`, p, (x, a) => {
    const d = typeof x === 'string' ? normalizeDomain(x) : null;
    return d ?? void p.add(a, `is not a domain name: ${show(x)}`);
  });
  let sysUser: string | null = null;
  if (v.sysUser !== undefined && v.sysUser !== null) {
    if (typeof v.sysUser === 'string' && LOGIN.test(v.sysUser)) sysUser = v.sysUser;
    else p.add(`${at}.sysUser`, `is not a user name: ${show(v.sysUser)}`);
  }
  let uid: number | null = null;
  if (v.uid !== undefined && v.uid !== null) {
    if (typeof v.uid === 'number' && Number.isInteger(v.uid) && v.uid >= 0 && v.uid < 4294967295) uid = v.uid;
    else p.add(`${at}.uid`, `must be a whole number from 0 to 4294967294, got ${show(v.uid)}`);
  }
  if ((v.sysUser === undefined || v.sysUser === null) && (v.uid === undefined || v.uid === null)) p.add(at, 'needs "sysUser" or "uid" (or both)');
  if (v.suspended !== undefined && typeof v.suspended !== 'boolean') p.add(`${at}.suspended`, `must be true or false, got ${show(v.suspended)}`);
  const sub: Subscription = {
    id: id ?? '',
    panel: 'static',
    domains: [...new Set(domains)],
    sysUser,
    uid,
    homeDir: v.homeDir === undefined || v.homeDir === null ? null : (absPath(v.homeDir, `${at}.homeDir`, p) ?? null),
    docRoots: list(v.docRoots, `${at}.docRoots`, p, (x, a) => absPath(x, a, p)),
    logDirs: list(v.logDirs, `${at}.logDirs`, p, (x, a) => absPath(x, a, p)),
    mailboxes: list(v.mailboxes, `${at}.mailboxes`, p, (x, a) => mailbox(x, a, p)),
    customer: person(v.customer, `${at}.customer`, p, true),
    reseller: person(v.reseller, `${at}.reseller`, p, false),
  };
  if (typeof v.suspended === 'boolean') sub.suspended = v.suspended;
  return sub;
}

/** Two entries must not claim the same id, domain or system user. */
function checkUnique(subs: Subscription[], p: Problems): void {
  const seen = new Map<string, number>();
  subs.forEach((s, i) => {
    const keys = [`id ${show(s.id)}`, ...s.domains.map((d) => `domain ${show(d)}`)];
    if (s.uid !== null) keys.push(`uid ${s.uid}`);
    if (s.sysUser !== null) keys.push(`sysUser ${show(s.sysUser)}`);
    for (const k of keys) {
      const first = seen.get(k);
      if (first === undefined) seen.set(k, i);
      else if (first !== i) p.add(`subscriptions[${i}]`, `${k} is already used by subscriptions[${first}]`);
    }
  });
}

function fail(source: string, problems: string[]): never {
  const shown = problems.slice(0, MAX_PROBLEMS_SHOWN).join('; ');
  const more = problems.length > MAX_PROBLEMS_SHOWN ? ` (and ${problems.length - MAX_PROBLEMS_SHOWN} more)` : '';
  throw new SpamtraceError(E_INVENTORY_FILE, `inventory file ${quoteName(source)}: ${shown}${more}`, problems.join('\n'));
}

/** Parses and validates a mapping file's text; throws E_INVENTORY_FILE listing every problem. */
export function parseStaticInventory(json: string, source: string): Subscription[] {
  let doc: Json;
  if (jsonNestsDeeperThan(json)) fail(source, [`nested more than ${MAX_JSON_DEPTH} levels deep: not a subscription map`]);
  try {
    doc = JSON.parse(json) as Json;
  } catch (e) {
    fail(source, [`not valid JSON (${(e as Error).message})`]);
  }
  const p = new ConfigProblems();
  if (!isObj(doc)) fail(source, [`must be a JSON object with "subscriptions", got ${show(doc)}`]);
  checkKeys(doc, '', ['version', 'subscriptions'], p);
  if (doc.version !== undefined && doc.version !== 1) p.add('version', `must be 1, got ${show(doc.version)}`);
  if (!Array.isArray(doc.subscriptions)) p.add('subscriptions', `must be an array, got ${show(doc.subscriptions)}`);
  const subs = list(doc.subscriptions, 'subscriptions', p, (x, a) => entry(x, a, p));
  if (p.count === 0) checkUnique(subs, p);
  if (p.count > 0) fail(source, p.list.map(problemLine));
  return subs;
}

/** Fills in the uid from a name and the name from a uid; disagreements are warnings. */
export function completeUsers(subs: Subscription[], users: SystemUsers, warnings: string[]): void {
  for (const s of subs) {
    const byName = s.sysUser !== null ? users.byName(s.sysUser) : undefined;
    const byUid = s.uid !== null ? users.byUid(s.uid) : undefined;
    if (s.uid === null && byName) s.uid = byName.uid;
    if (s.sysUser === null && byUid) s.sysUser = byUid.login;
    if (s.homeDir === null) s.homeDir = (byName ?? byUid)?.home ?? null;
    if (byUid && !byName && s.sysUser !== byUid.login) warnings.push(`${quoteName(s.id)}: passwd gives uid ${byUid.uid} to ${quoteName(byUid.login)}, the mapping says ${quoteName(s.sysUser ?? '')}`);
    if (byName && s.uid !== byName.uid) warnings.push(`${quoteName(s.id)}: passwd gives ${quoteName(byName.login)} uid ${byName.uid}, the mapping says ${s.uid}`);
    if (s.uid === null) warnings.push(`${quoteName(s.id)}: user ${quoteName(s.sysUser ?? '')} has no passwd entry: uid unknown`);
    if (s.sysUser === null) warnings.push(`${quoteName(s.id)}: uid ${s.uid} has no passwd entry: user name unknown`);
  }
}

/** Reads the file through the Host (bounded), parses it, completes users from passwd. */
export async function readStaticInventory(host: Host, path: string, users: SystemUsers): Promise<InventoryResult> {
  const parts: string[] = [];
  let bytes = 0;
  try {
    for await (const line of host.readLines(path, { maxLineBytes: MAX_STATIC_FILE_BYTES })) {
      bytes += Buffer.byteLength(line.text) + 1;
      if (line.cut || bytes > MAX_STATIC_FILE_BYTES) fail(path, [`larger than ${MAX_STATIC_FILE_BYTES} bytes`]);
      parts.push(line.text);
    }
  } catch (e) {
    if (e instanceof SpamtraceError) throw e;
    fail(path, [`cannot read it: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`]);
  }
  const subscriptions = parseStaticInventory(parts.join('\n'), path);
  const warnings: string[] = [];
  completeUsers(subscriptions, users, warnings);
  return { subscriptions, source: 'static-file', warnings };
}

/** The mapping file as an Inventory: passwd is read at each list(), as the file is. */
export class StaticInventory implements Inventory {
  readonly name = 'static';

  constructor(
    private readonly host: Host,
    private readonly path: string,
    private readonly passwdFile = '/etc/passwd',
  ) {}

  async list(): Promise<InventoryResult> {
    const warnings: string[] = [];
    const users = await loadSystemUsers(this.host, this.passwdFile, warnings);
    const r = await readStaticInventory(this.host, this.path, users);
    return { ...r, warnings: [...warnings, ...r.warnings] };
  }
}
