/**
 * Confixx rows -> Subscriptions. Pure: no I/O, so every rule is testable with plain rows.
 *
 * One Confixx customer (`kunden.kunde` = `webN`) is one system user and one subscription.
 * Its files live in `<base>/webN` (Confixx's default base is /var/www): web pages in
 * `html/`, access logs in `log/`. Database contents are hostile (customers type their
 * names, domains, mail prefixes into the panel): every value is checked before it
 * becomes a path or an address, and what is passed over is counted in the warnings.
 */
import { posix } from 'node:path';
import type { SystemUser } from '../../domain/users';
import type { Customer, Mailbox, Reseller, Subscription } from '../../domain/subscription';
import type { ConfixxTables, Row } from './confixx-tables';

/** A Confixx customer login. Also the only form lock/unlock accept. */
export const CUSTOMER_LOGIN = /^web[1-9][0-9]{0,6}$/;
const RESELLER_LOGIN = /^[A-Za-z0-9_.-]{1,32}$/;
const POP3_ACCOUNT = /^[A-Za-z0-9_.-]{1,64}$/;
const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/;
const LOCAL_PART = /^[a-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}$/;
const EMAIL = /^[^\s@<>"(),;:\\[\]]{1,64}@[a-z0-9.-]{1,253}$/i;

export interface ConfixxMappingOptions {
  /** parent of the webN home directories; Confixx's default is /var/www */
  homeBase: string;
}

export interface ConfixxMapping {
  subscriptions: Subscription[];
  warnings: string[];
}

/** Counts passed-over values per reason, with a few examples, for one warning line each. */
class Passed {
  private readonly byReason = new Map<string, { count: number; examples: string[] }>();

  add(reason: string, example: unknown): void {
    let e = this.byReason.get(reason);
    if (!e) this.byReason.set(reason, (e = { count: 0, examples: [] }));
    e.count++;
    if (e.examples.length < 3) e.examples.push(shown(example));
  }

  lines(): string[] {
    return [...this.byReason].map(([reason, e]) => `${e.count} ${reason} (e.g. ${e.examples.join(', ')})`);
  }
}

/** A database value for a message: quoted, control characters escaped, length capped. */
function shown(v: unknown): string {
  const s = String(v ?? '');
  return JSON.stringify(s.length > 60 ? s.slice(0, 60) + '…' : s);
}

function text(row: Row, col: string): string {
  const v = row[col];
  return v === null || v === undefined ? '' : String(v).trim();
}

/** gesperrt: 0 = open; any other number = locked (Confixx's other values are not documented). */
export function lockFlag(v: string | number | null | undefined): number {
  if (v === null || v === undefined || v === '') return 0;
  const n = Number(v);
  return Number.isFinite(n) ? n : 1;
}

function naturalWebOrder(a: string, b: string): number {
  return Number(a.slice(3)) - Number(b.slice(3));
}

function contactName(row: Row): string | undefined {
  const firma = text(row, 'firma');
  if (firma) return firma;
  const person = [text(row, 'firstname'), text(row, 'name')].filter(Boolean).join(' ');
  return person || undefined;
}

function contactEmail(row: Row, passed: Passed, who: string): string | undefined {
  const e = text(row, 'emailadresse');
  if (!e) return undefined;
  if (EMAIL.test(e)) return e.toLowerCase();
  passed.add(`${who} e-mail addresses not used: not an address`, e);
  return undefined;
}

/** Groups rows by their `kunde` column, valid customer logins only. */
function byCustomer(rows: Row[], what: string, passed: Passed): Map<string, Row[]> {
  const map = new Map<string, Row[]>();
  for (const r of rows) {
    const k = text(r, 'kunde');
    if (!CUSTOMER_LOGIN.test(k)) {
      passed.add(`${what} rows skipped: owner is not a webN customer`, k);
      continue;
    }
    if (!map.has(k)) map.set(k, []);
    map.get(k)!.push(r);
  }
  return map;
}

function mapResellers(rows: Row[], passed: Passed): Map<string, Reseller> {
  const map = new Map<string, Reseller>();
  for (const r of rows) {
    const login = text(r, 'anbieter');
    if (!RESELLER_LOGIN.test(login)) {
      passed.add('resellers skipped: not a reseller login', login);
      continue;
    }
    const name = contactName(r);
    const email = contactEmail(r, passed, 'reseller');
    map.set(login, { login, ...(name ? { name } : {}), ...(email ? { email } : {}) });
  }
  return map;
}

/**
 * Real domains (richtigedomain = 1) first, then subdomains, each alphabetically.
 * Confixx has no "main domain" column we know of; the first real domain stands in.
 */
function domainsOf(rows: Row[], passed: Passed): { domains: string[]; paths: string[] } {
  const seen = new Map<string, boolean>();
  const paths = new Set<string>();
  for (const r of rows) {
    const d = text(r, 'domain').toLowerCase().replace(/\.$/, '');
    if (!DOMAIN.test(d)) {
      passed.add('domains skipped: not a domain name', d);
      continue;
    }
    const real = r['richtigedomain'] === undefined || lockFlag(r['richtigedomain']) === 1;
    seen.set(d, (seen.get(d) ?? false) || real);
    const p = text(r, 'pfad');
    if (p) {
      if (isSafeWebPath(p)) paths.add(p);
      else passed.add('document paths skipped: not a plain path below html/', p);
    }
  }
  const domains = [...seen].sort(([a, ra], [b, rb]) => Number(rb) - Number(ra) || (a < b ? -1 : a > b ? 1 : 0)).map(([d]) => d);
  return { domains, paths: [...paths] };
}

/**
 * domains.pfad is the domain's directory, relative to html/ (cfximport passes it as the
 * web path; "/" is html/ itself). Only plain relative paths become document roots.
 */
function isSafeWebPath(p: string): boolean {
  return /^\/?[A-Za-z0-9._~+\/-]{0,255}$/.test(p) && !p.split('/').some((seg) => seg === '..' || seg === '.');
}

function addressOf(r: Row, passed: Passed): string | null {
  const prefix = text(r, 'prefix').toLowerCase();
  const domain = text(r, 'domain').toLowerCase().replace(/\.$/, '');
  if (!DOMAIN.test(domain)) {
    passed.add('e-mail addresses skipped: not a domain name', domain);
    return null;
  }
  // an empty or "*" prefix is taken as the domain's catch-all (an assumption: undocumented)
  if (prefix === '' || prefix === '*') return `*@${domain}`;
  if (!LOCAL_PART.test(prefix)) {
    passed.add('e-mail addresses skipped: not a local part', prefix);
    return null;
  }
  return `${prefix}@${domain}`;
}

/**
 * Mailboxes: every address in `email`, with panelId = the customer's own pop3 box it is
 * forwarded to (email_forward), and every pop3 box no address points to. A pop3 box logs
 * in to SMTP AUTH with its account name (web9p3), which has no address of its own: such a
 * box is listed with address = panelId = the account name.
 */
function mailboxesOf(emails: Row[], pop3: Row[], forwards: Map<number, string[]> | null, passed: Passed): Mailbox[] {
  const boxes = new Set<string>();
  for (const r of pop3) {
    const acc = text(r, 'account').toLowerCase();
    if (POP3_ACCOUNT.test(acc)) boxes.add(acc);
    else passed.add('pop3 boxes skipped: not an account name', acc);
  }
  const out: Mailbox[] = [];
  const seen = new Set<string>();
  const reached = new Set<string>();
  for (const r of emails) {
    const address = addressOf(r, passed);
    if (!address) continue;
    if (seen.has(address)) {
      passed.add('e-mail addresses listed twice (first kept)', address);
      continue;
    }
    seen.add(address);
    const id = r['ident'];
    const targets = forwards && typeof id === 'number' ? forwards.get(id) ?? [] : [];
    const local = targets.map((t) => t.trim().toLowerCase()).find((t) => boxes.has(t));
    if (local) reached.add(local);
    out.push(local ? { address, panelId: local } : { address });
  }
  for (const acc of [...boxes].sort()) if (!reached.has(acc)) out.push({ address: acc, panelId: acc });
  return out;
}

function forwardsByEmail(rows: Row[] | null, passed: Passed): Map<number, string[]> | null {
  if (!rows) return null;
  const map = new Map<number, string[]>();
  for (const r of rows) {
    const id = r['email_ident'];
    if (typeof id !== 'number') {
      passed.add('forwards skipped: no address number', id);
      continue;
    }
    if (!map.has(id)) map.set(id, []);
    map.get(id)!.push(text(r, 'pop3'));
  }
  return map;
}

export function mapConfixx(
  tables: ConfixxTables,
  accounts: ReadonlyMap<string, SystemUser>,
  options: ConfixxMappingOptions,
): ConfixxMapping {
  const passed = new Passed();
  const warnings: string[] = [];
  if (tables.missingColumns.length > 0) warnings.push(`Confixx database lacks ${tables.missingColumns.join(', ')}: those fields stay empty`);
  if (!tables.emailForward) warnings.push('Confixx database has no email_forward table: addresses are not linked to their pop3 boxes');

  const resellers = mapResellers(tables.anbieter, passed);
  const domains = byCustomer(tables.domains, 'domain', passed);
  const pop3 = byCustomer(tables.pop3, 'pop3', passed);
  const emails = byCustomer(tables.email, 'e-mail', passed);
  const forwards = forwardsByEmail(tables.emailForward, passed);

  const customers = new Map<string, Row>();
  for (const r of tables.kunden) {
    const k = text(r, 'kunde');
    if (!CUSTOMER_LOGIN.test(k)) passed.add('customers skipped: not a webN login', k);
    else if (customers.has(k)) passed.add('customers listed twice (first row kept)', k);
    else customers.set(k, r);
  }

  const noAccount: string[] = [];
  const unknownReseller = new Set<string>();
  const subscriptions: Subscription[] = [];
  for (const login of [...customers.keys()].sort(naturalWebOrder)) {
    const row = customers.get(login)!;
    const resellerLogin = text(row, 'anbieter');
    let reseller: Reseller | null = null;
    if (resellerLogin) {
      reseller = resellers.get(resellerLogin) ?? null;
      if (!reseller) {
        unknownReseller.add(resellerLogin);
        if (RESELLER_LOGIN.test(resellerLogin)) reseller = { login: resellerLogin };
      }
    }
    const name = contactName(row);
    const email = contactEmail(row, passed, 'customer');
    const customer: Customer = { login, ...(name ? { name } : {}), ...(email ? { email } : {}) };
    const homeDir = posix.join(options.homeBase, login);
    const html = posix.join(homeDir, 'html');
    const { domains: names, paths } = domainsOf(domains.get(login) ?? [], passed);
    const docRoots = [html, ...paths.map((p) => posix.join(html, p).replace(/\/+$/, ''))];
    const account = accounts.get(login);
    if (!account) noAccount.push(login);
    subscriptions.push({
      id: login,
      panel: 'confixx',
      domains: names,
      sysUser: login,
      uid: account ? account.uid : null,
      homeDir,
      docRoots: [...new Set(docRoots)],
      logDirs: [posix.join(homeDir, 'log')],
      mailboxes: mailboxesOf(emails.get(login) ?? [], pop3.get(login) ?? [], forwards, passed),
      customer,
      reseller,
      suspended: lockFlag(row['gesperrt']) !== 0,
    });
  }

  for (const [k, rows] of [...domains, ...pop3, ...emails]) {
    if (!customers.has(k)) passed.add('rows of customers not in kunden skipped', `${k} (${rows.length})`);
  }
  if (unknownReseller.size > 0) {
    warnings.push(`${unknownReseller.size} reseller(s) named by customers are not in anbieter: ${[...unknownReseller].slice(0, 5).map(shown).join(', ')}`);
  }
  if (noAccount.length > 0) {
    warnings.push(`${noAccount.length} Confixx customer(s) have no system account, uid unknown: ${noAccount.slice(0, 5).join(', ')}${noAccount.length > 5 ? ', …' : ''}`);
  }
  const home = [...accounts.values()].filter((a) => a.home.replace(/\/+$/, '') !== posix.join(options.homeBase, a.login));
  if (home.length > 0) {
    warnings.push(`${home.length} customer(s) have a home directory outside ${options.homeBase}/webN (e.g. ${home[0]!.login}: ${shown(home[0]!.home)}); is the home base right?`);
  }
  return { subscriptions, warnings: [...warnings, ...passed.lines()] };
}
