/**
 * Seed data for the Plesk emulator: an admin, several resellers, their customers, N
 * subscriptions (some owned by resellers or the admin directly), add-on domains,
 * subdomains (some under add-on domains, so a base_domain_id chain is two deep), and a
 * mailbox per subscription. Deterministic for a seed, so a failing test can be replayed.
 *
 * Field names follow the Plesk REST API v2 objects (see api-objects.ts); `sysUser`,
 * `ownerId`, `status` and the mailbox settings are the panel's internal state that the
 * API shows only through `/domains/{id}/client`, `/domains/{id}/status` and the CLI.
 */

export type ClientType = 'admin' | 'reseller' | 'customer';

export interface EmuClient {
  id: number;
  login: string;
  name: string;
  email: string;
  locale: string;
  type: ClientType;
  owner_login: string;
  company: string;
}

export interface EmuDomain {
  id: number;
  name: string;
  hosting_type: 'virtual' | 'standard_forwarding' | 'none';
  www_root: string;
  /** 0 for a subscription's main domain */
  base_domain_id: number;
  ownerId: number;
  /** the webspace's system user ("FTP Login"); only on main domains */
  sysUser: string | null;
  status: 'active' | 'suspended';
  /** alias names (REST v2 `aliases[]`, Plesk >= 18.0.42); absent: an older panel */
  aliases?: string[];
}

export interface EmuMailbox {
  address: string;
  domainId: number;
  password: string;
  /** the -outgoing-messages-mbox-limit value: a number, "default" or "unlimited" */
  outgoingLimit: string;
}

export interface PleskData {
  clients: EmuClient[];
  domains: EmuDomain[];
  mailboxes: EmuMailbox[];
  /** Plesk's Outgoing Mail Control (server-wide; off when absent), shown by `mailserver --info` */
  outgoingMailControl?: boolean;
}

export interface GenerateOptions {
  subscriptions: number;
  resellers?: number;
  /** customers per reseller */
  customersPerReseller?: number;
  /** every Nth subscription has an add-on domain */
  addonEvery?: number;
  /** every Nth subscription has a subdomain */
  subdomainEvery?: number;
  seed?: number;
  vhostsRoot?: string;
}

/** mulberry32: small, fast, good enough to shuffle test data reproducibly. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['shop', 'blog', 'praxis', 'verein', 'studio', 'bau', 'hotel', 'cafe', 'kanzlei', 'foto'];
const LOCALES = ['de-DE', 'en-US', 'fr-FR', 'de-AT', 'nl-NL'];

export function generatePleskData(options: GenerateOptions): PleskData {
  const random = rng(options.seed ?? 1);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const vhosts = options.vhostsRoot ?? '/var/www/vhosts';
  const resellerCount = options.resellers ?? 4;
  const perReseller = options.customersPerReseller ?? 25;
  const addonEvery = options.addonEvery ?? 4;
  const subEvery = options.subdomainEvery ?? 3;

  const clients: EmuClient[] = [
    { id: 1, login: 'admin', name: 'Administrator', email: 'admin@panel.example', locale: 'en-US', type: 'admin', owner_login: '', company: '' },
  ];
  const resellers: EmuClient[] = [];
  for (let r = 1; r <= resellerCount; r++) {
    const c: EmuClient = { id: clients.length + 1, login: `reseller${r}`, name: `Reseller ${r} GmbH`, email: `support@reseller${r}.example`, locale: pick(LOCALES), type: 'reseller', owner_login: 'admin', company: `Reseller ${r} GmbH` };
    clients.push(c);
    resellers.push(c);
  }
  const customers: EmuClient[] = [];
  for (const reseller of resellers) {
    for (let k = 1; k <= perReseller; k++) {
      const login = `${reseller.login}-c${String(k).padStart(3, '0')}`;
      const c: EmuClient = { id: clients.length + 1, login, name: `Customer ${login}`, email: `${login}@mail.example`, locale: pick(LOCALES), type: 'customer', owner_login: reseller.login, company: '' };
      clients.push(c);
      customers.push(c);
    }
  }
  for (let k = 1; k <= 5; k++) {
    const c: EmuClient = { id: clients.length + 1, login: `direct-c${k}`, name: `Direct customer ${k}`, email: `direct${k}@mail.example`, locale: 'de-DE', type: 'customer', owner_login: 'admin', company: '' };
    clients.push(c);
    customers.push(c);
  }

  const domains: EmuDomain[] = [];
  const mailboxes: EmuMailbox[] = [];
  const usedUsers = new Set<string>();
  for (let i = 0; i < options.subscriptions; i++) {
    // most belong to customers; some to a reseller itself, a few to the admin
    const owner = i % 25 === 0 ? clients[0]! : i % 10 === 0 ? pick(resellers) : pick(customers);
    const name = `${pick(WORDS)}-${String(i).padStart(5, '0')}.example`;
    let sysUser = `${name.split('.')[0]!.replace(/-/g, '_').slice(0, 10)}_${Math.floor(random() * 1e6).toString(36)}`;
    while (usedUsers.has(sysUser)) sysUser += 'x';
    usedUsers.add(sysUser);
    const main: EmuDomain = { id: domains.length + 1, name, hosting_type: 'virtual', www_root: `${vhosts}/${name}/httpdocs`, base_domain_id: 0, ownerId: owner.id, sysUser, status: 'active' };
    domains.push(main);
    mailboxes.push({ address: `info@${name}`, domainId: main.id, password: `initial-${i}`, outgoingLimit: 'default' });
    let addon: EmuDomain | null = null;
    if (i % addonEvery === 1) {
      const an = `addon-${String(i).padStart(5, '0')}.example`;
      addon = { id: domains.length + 1, name: an, hosting_type: 'virtual', www_root: `${vhosts}/${name}/${an}`, base_domain_id: main.id, ownerId: owner.id, sysUser: null, status: 'active' };
      domains.push(addon);
    }
    if (i % subEvery === 2) {
      const sn = `blog.${name}`;
      domains.push({ id: domains.length + 1, name: sn, hosting_type: 'virtual', www_root: `${vhosts}/${name}/${sn}`, base_domain_id: main.id, ownerId: owner.id, sysUser: null, status: 'active' });
    }
    if (addon && i % 7 === 1) {
      // a subdomain of an add-on domain: its base is the add-on, whose base is the subscription
      const sn = `shop.${addon.name}`;
      domains.push({ id: domains.length + 1, name: sn, hosting_type: 'virtual', www_root: `${vhosts}/${name}/${sn}`, base_domain_id: addon.id, ownerId: owner.id, sysUser: null, status: 'active' });
    }
  }
  return { clients, domains, mailboxes };
}
