/**
 * Turns what Plesk said into Subscriptions. Pure: no I/O, so every mapping rule is
 * tested on plain data.
 *
 * - A subscription is a domain with `base_domain_id` 0; every other domain belongs to the
 *   subscription at the end of its `base_domain_id` chain (add-on domain → subscription,
 *   subdomain → its parent → ... → subscription). A broken chain (missing parent, a loop)
 *   leaves that domain out, with a warning: never attached to a guessed subscription.
 * - System user: the `FTP Login` of `domain --info` for the subscription's main domain.
 *   When it could not be read the subscription is listed with sysUser/uid null (unmapped)
 *   and a warning: never borrowed from a neighbour.
 * - Paths: home `<vhosts>/<main>`, log dirs `<vhosts>/system/<domain>/logs` for every
 *   domain (Plesk >= 11.5 layout), doc roots from `www_root`.
 */
import type { Customer, Reseller, Subscription } from '../../domain/subscription';
import type { PleskClient, PleskDomain } from './api-shapes';
import { isPlausibleDomainName, type DomainInfo } from './cli-output';

export interface SubscriptionDetails {
  /** `domain --info` of the main domain, or why it could not be read */
  info: DomainInfo | null;
  infoError?: string;
  /** `GET /domains/{id}/client`, or why it could not be read */
  owner: PleskClient | null;
  ownerError?: string;
}

export interface MapInput {
  domains: readonly PleskDomain[];
  clients: readonly PleskClient[];
  /** keyed by the main domain's id */
  details: ReadonlyMap<number, SubscriptionDetails>;
  uids: ReadonlyMap<string, number>;
  vhostsRoot: string;
}

export interface MapOutput {
  subscriptions: Subscription[];
  warnings: string[];
}

const MAX_CHAIN = 16;

function isAbsoluteClean(path: string): boolean {
  return path.startsWith('/') && !path.split('/').includes('..') && !/[\u0000-\u001f]/.test(path);
}

/** The subscription a domain belongs to, or why it has none. */
function rootOf(d: PleskDomain, byId: ReadonlyMap<number, PleskDomain>): { root: PleskDomain } | { problem: string } {
  let cur = d;
  for (let i = 0; i < MAX_CHAIN; i++) {
    if (cur.base_domain_id === 0) return { root: cur };
    const parent = byId.get(cur.base_domain_id);
    if (!parent) return { problem: `its base domain id ${cur.base_domain_id} is not in the domain list` };
    cur = parent;
  }
  return { problem: 'its base domain chain does not end (a loop?)' };
}

function customerAndReseller(owner: PleskClient, byLogin: ReadonlyMap<string, PleskClient>): { customer: Customer; reseller: Reseller | null } {
  const customer: Customer = { login: owner.login };
  if (owner.name) customer.name = owner.name;
  if (owner.email) customer.email = owner.email;
  if (owner.locale) customer.locale = owner.locale;
  let resellerClient: PleskClient | undefined;
  if (owner.type === 'reseller') resellerClient = owner;
  else if (owner.type === 'customer') {
    const up = byLogin.get(owner.owner_login);
    if (up && up.type === 'reseller') resellerClient = up;
  }
  let reseller: Reseller | null = null;
  if (resellerClient) {
    reseller = { login: resellerClient.login };
    if (resellerClient.name) reseller.name = resellerClient.name;
    if (resellerClient.email) reseller.email = resellerClient.email;
  }
  return { customer, reseller };
}

export function mapSubscriptions(input: MapInput): MapOutput {
  const warnings: string[] = [];
  const vhosts = input.vhostsRoot.replace(/\/+$/, '');
  const byId = new Map<number, PleskDomain>();
  for (const d of input.domains) {
    if (!isPlausibleDomainName(d.name)) {
      warnings.push(`domain id ${d.id}: name ${JSON.stringify(d.name.slice(0, 80))} is not a usable domain name; left out`);
      continue;
    }
    if (byId.has(d.id)) {
      warnings.push(`domain id ${d.id} is listed twice; the second entry (${d.name}) is left out`);
      continue;
    }
    byId.set(d.id, d);
  }
  const byLogin = new Map(input.clients.map((c) => [c.login, c] as const));

  const members = new Map<number, PleskDomain[]>();
  for (const d of byId.values()) {
    if (d.base_domain_id === 0) continue;
    const r = rootOf(d, byId);
    if ('problem' in r) {
      warnings.push(`domain ${d.name} is not mapped to a subscription: ${r.problem}`);
      continue;
    }
    const list = members.get(r.root.id);
    if (list) list.push(d);
    else members.set(r.root.id, [d]);
  }

  const subscriptions: Subscription[] = [];
  const mains = [...byId.values()].filter((d) => d.base_domain_id === 0).sort((a, b) => a.id - b.id);
  for (const main of mains) {
    const others = (members.get(main.id) ?? []).sort((a, b) => a.name.localeCompare(b.name));
    const all = [main, ...others];
    const detail = input.details.get(main.id);

    let sysUser: string | null = null;
    if (!detail?.info) {
      warnings.push(`subscription ${main.name}: system user unknown (domain --info failed: ${detail?.infoError ?? 'not asked'}); not mapped to a uid`);
    } else if (detail.info.domainName !== null && detail.info.domainName !== main.name) {
      warnings.push(`subscription ${main.name}: domain --info answered for ${detail.info.domainName}; system user not used`);
    } else if (!detail.info.ftpLogin) {
      warnings.push(`subscription ${main.name}: system user unknown (${detail.info.ftpLoginProblem ?? 'no FTP Login'}); not mapped to a uid`);
    } else sysUser = detail.info.ftpLogin;

    let uid: number | null = null;
    if (sysUser !== null) {
      uid = input.uids.get(sysUser) ?? null;
      if (uid === null) warnings.push(`subscription ${main.name}: system user ${sysUser} has no passwd entry; uid unknown`);
    }

    let customer: Customer | null = null;
    let reseller: Reseller | null = null;
    if (detail?.owner) ({ customer, reseller } = customerAndReseller(detail.owner, byLogin));
    else warnings.push(`subscription ${main.name}: owner unknown (${detail?.ownerError ?? 'not asked'})`);

    const docRoots = [...new Set(all.map((d) => d.www_root).filter((p) => p !== '' && isAbsoluteClean(p)))];
    const sub: Subscription = {
      id: String(main.id),
      panel: 'plesk',
      // aliases answer for the same site and mail (a spam run can use an alias's name), so they
      // belong to the subscription too; only plausible names, each once
      domains: [...new Set([...all.map((d) => d.name), ...all.flatMap((d) => (d.aliases ?? []).filter(isPlausibleDomainName))])],
      sysUser,
      uid,
      homeDir: `${vhosts}/${main.name}`,
      docRoots,
      logDirs: all.map((d) => `${vhosts}/system/${d.name}/logs`),
      mailboxes: [],
      customer,
      reseller,
    };
    if (detail?.info?.suspended != null) sub.suspended = detail.info.suspended;
    subscriptions.push(sub);
  }
  return { subscriptions, warnings };
}
