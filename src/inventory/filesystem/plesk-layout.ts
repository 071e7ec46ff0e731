/**
 * Plesk without its API: subscriptions read from the virtual hosts tree.
 *
 * What the tree holds (Plesk's "Virtual Host Structure (Linux)" tables, 10.4 to Obsidian):
 * - `<root>/<domain>/` is a webspace. Its owner is the subscription's system user
 *   (Plesk >= 11.5); on older Plesk it is root:root, and `httpdocs/` (always owned by the
 *   user) tells the user instead.
 * - docroots: `httpdocs/`, `httpsdocs/` (only on installs upgraded from old Plesk);
 *   additional domains and subdomains (Plesk >= 10) get `<webspace>/<name>/`; before 10,
 *   subdomains lived in `<webspace>/subdomains/<label>/httpdocs`.
 * - logs: `<root>/system/<domain>/logs/` for every domain, additional domains and
 *   subdomains included (Plesk >= 11.5); old Plesk `<webspace>/statistics/logs/`.
 *
 * Merging: one subscription is one system user. Webspaces owned by the same uid are one
 * subscription; a domain that only appears under `system/` joins the webspace that holds
 * its docroot directory, else the subscription of its parent domain.
 *
 * Main domain (the subscription's id): the webspace whose directory is the user's home in
 * passwd; otherwise the one with the fewest labels, then the shortest, then the first in
 * sort order (`example.de` before `shop.example.de` and `example-shop.de`).
 */
import type { Host } from '../../host/host';
import type { Subscription } from '../../domain/subscription';
import { listQuietly, listSubdirs, realDir, type DirEntry } from './dir-entries';
import { normalizeDomain } from './domain-name';
import { quoteName } from './quote';
import type { SystemUsers } from './system-users';

/** Plesk's own service directories in the vhosts root: never customers. */
const SERVICE_DIRS = new Set(['system', 'default', 'chroot', '.skel', 'fs', 'fs-passwd']);

interface Webspace {
  domain: string;
  dir: string;
  uid: number;
}

interface Draft {
  uid: number;
  webspaces: Webspace[];
  domains: string[];
  docRoots: string[];
  logDirs: string[];
}

export interface PleskScan {
  subscriptions: Subscription[];
  warnings: string[];
}

/** null when `root` is not a directory: the layout is not there. */
export async function discoverPlesk(host: Host, root: string, users: SystemUsers): Promise<PleskScan | null> {
  if (!(await realDir(host, root))) return null;
  const warnings: string[] = [];
  const webspaces = await findWebspaces(host, root, warnings);
  const drafts = groupByUid(webspaces);
  const known = new Map<string, Draft>();
  for (const d of drafts) for (const w of d.webspaces) known.set(w.domain, d);

  // what the loops below look at, announced at once (over SSH: one round trip, not three per webspace)
  await host.prefetch?.({ stat: webspaces.flatMap((w) => [`${w.dir}/httpdocs`, `${w.dir}/httpsdocs`, `${w.dir}/subdomains`]) });
  for (const d of drafts) {
    for (const w of d.webspaces) {
      await addDocRoots(host, w.dir, d);
      await addOldSubdomains(host, w, d, known, warnings);
    }
  }
  await attachSystemDomains(host, root, drafts, known, warnings);
  await host.prefetch?.({ stat: drafts.flatMap((d) => d.domains.map((domain) => `${root}/system/${domain}/logs`)) });
  for (const d of drafts) await addLogDirs(host, root, d, warnings);

  const subscriptions = drafts.map((d) => toSubscription(root, d, users, warnings));
  if (subscriptions.length === 0) warnings.push(`no Plesk webspaces found under ${quoteName(root)}`);
  return { subscriptions, warnings };
}

async function findWebspaces(host: Host, root: string, warnings: string[]): Promise<Webspace[]> {
  const accept = (name: string): boolean => {
    if (SERVICE_DIRS.has(name) || name.startsWith('.')) return false;
    if (normalizeDomain(name) !== name) {
      warnings.push(`${quoteName(`${root}/${name}`)} is not named like a domain; skipped`);
      return false;
    }
    return true;
  };
  const out: Webspace[] = [];
  for (const e of await listSubdirs(host, root, accept, warnings)) {
    const uid = await ownerUid(host, e);
    if (uid === null) {
      warnings.push(`${quoteName(e.path)} and its httpdocs are owned by root: no system user, not mapped`);
      continue;
    }
    out.push({ domain: e.name, dir: e.path, uid });
  }
  return out;
}

/** The webspace's owner; on old Plesk the webspace is root's and httpdocs tells. */
async function ownerUid(host: Host, e: DirEntry): Promise<number | null> {
  if (e.info.uid !== 0) return e.info.uid;
  const httpdocs = await realDir(host, `${e.path}/httpdocs`);
  return httpdocs && httpdocs.uid !== 0 ? httpdocs.uid : null;
}

function groupByUid(webspaces: Webspace[]): Draft[] {
  const byUid = new Map<number, Draft>();
  for (const w of webspaces) {
    let d = byUid.get(w.uid);
    if (!d) byUid.set(w.uid, (d = { uid: w.uid, webspaces: [], domains: [], docRoots: [], logDirs: [] }));
    d.webspaces.push(w);
    d.domains.push(w.domain);
  }
  return [...byUid.values()];
}

async function addDocRoots(host: Host, base: string, d: Draft): Promise<void> {
  for (const sub of ['httpdocs', 'httpsdocs']) {
    const path = `${base}/${sub}`;
    if (await realDir(host, path)) pushUnique(d.docRoots, path);
  }
}

/** Plesk < 10: `<webspace>/subdomains/<label>/httpdocs`. */
async function addOldSubdomains(host: Host, w: Webspace, d: Draft, known: Map<string, Draft>, warnings: string[]): Promise<void> {
  const dir = `${w.dir}/subdomains`;
  if (!(await realDir(host, dir))) return;
  const accept = (name: string): boolean => {
    if (name.startsWith('.')) return false;
    if (normalizeDomain(`${name}.${w.domain}`) !== `${name}.${w.domain}` || name.includes('.')) {
      warnings.push(`${quoteName(`${dir}/${name}`)} is not named like a subdomain; skipped`);
      return false;
    }
    return true;
  };
  for (const e of await listSubdirs(host, dir, accept, warnings)) {
    const domain = `${e.name}.${w.domain}`;
    if (known.has(domain)) continue;
    known.set(domain, d);
    d.domains.push(domain);
    await addDocRoots(host, e.path, d);
  }
}

/**
 * Additional domains and subdomains (Plesk >= 10) have no webspace of their own, only
 * `system/<domain>/`: they join the webspace that holds `<domain>/` as a docroot, else
 * the subscription of their closest parent domain.
 */
async function attachSystemDomains(host: Host, root: string, drafts: Draft[], known: Map<string, Draft>, warnings: string[]): Promise<void> {
  const systemDir = `${root}/system`;
  if (!(await realDir(host, systemDir))) return;
  const accept = (name: string): boolean => {
    if (name.startsWith('.')) return false;
    if (normalizeDomain(name) !== name) {
      warnings.push(`${quoteName(`${systemDir}/${name}`)} is not named like a domain; skipped`);
      return false;
    }
    return true;
  };
  const entries = (await listSubdirs(host, systemDir, accept, warnings)).filter((e) => !known.has(e.name));
  if (entries.length === 0) return;
  const docRootDirs = await domainDirsInWebspaces(host, drafts, warnings);
  for (const e of entries) {
    const found = (await byDocRootDir(host, e.name, docRootDirs)) ?? byParent(e.name, known);
    if (!found) {
      warnings.push(`domain ${quoteName(e.name)} has ${quoteName(e.path)} but no webspace holds it: not mapped`);
      continue;
    }
    known.set(e.name, found.draft);
    found.draft.domains.push(e.name);
    if (found.docRoot) pushUnique(found.draft.docRoots, found.docRoot);
  }
}

/**
 * Names inside each webspace that look like domains: one listing per webspace instead of
 * a stat per (domain, webspace) pair, which is quadratic on a server with thousands.
 */
async function domainDirsInWebspaces(host: Host, drafts: Draft[], warnings: string[]): Promise<Map<string, { draft: Draft; dir: string }[]>> {
  const out = new Map<string, { draft: Draft; dir: string }[]>();
  for (const d of drafts) {
    for (const w of d.webspaces) {
      for (const name of (await listQuietly(host, w.dir, warnings)) ?? []) {
        if (normalizeDomain(name) !== name) continue;
        const list = out.get(name) ?? [];
        list.push({ draft: d, dir: `${w.dir}/${name}` });
        out.set(name, list);
      }
    }
  }
  return out;
}

async function byDocRootDir(host: Host, domain: string, candidates: Map<string, { draft: Draft; dir: string }[]>): Promise<{ draft: Draft; docRoot: string } | null> {
  for (const c of candidates.get(domain) ?? []) {
    const info = await realDir(host, c.dir);
    // owned by the webspace's user: a directory merely named like a domain is not enough
    if (info && info.uid === c.draft.uid) return { draft: c.draft, docRoot: c.dir };
  }
  return null;
}

function byParent(domain: string, known: Map<string, Draft>): { draft: Draft; docRoot: null } | null {
  for (let at = domain.indexOf('.'); at >= 0; at = domain.indexOf('.', at + 1)) {
    const draft = known.get(domain.slice(at + 1));
    if (draft) return { draft, docRoot: null };
  }
  return null;
}

async function addLogDirs(host: Host, root: string, d: Draft, warnings: string[]): Promise<void> {
  const webspaceOf = new Map(d.webspaces.map((w) => [w.domain, w.dir]));
  for (const domain of d.domains) {
    const modern = `${root}/system/${domain}/logs`;
    if (await realDir(host, modern)) {
      pushUnique(d.logDirs, modern);
      continue;
    }
    const ws = webspaceOf.get(domain);
    const old = ws ? `${ws}/statistics/logs` : null;
    if (old && (await realDir(host, old))) {
      pushUnique(d.logDirs, old);
      continue;
    }
    // an old-Plesk subdomain (no system/ tree) is taken to log into its webspace's
    // statistics/logs, already listed (unconfirmed: no pre-10 server seen)
    if (!ws && d.logDirs.length > 0) continue;
    warnings.push(`no log directory for ${quoteName(domain)} (looked for ${quoteName(modern)}${old ? ` and ${quoteName(old)}` : ''})`);
  }
}

function toSubscription(root: string, d: Draft, users: SystemUsers, warnings: string[]): Subscription {
  const user = users.byUid(d.uid);
  if (!user) warnings.push(`uid ${d.uid} owning ${quoteName(d.webspaces[0]!.dir)} has no passwd entry: user name unknown`);
  const main = pickMain(root, d.webspaces, user?.home);
  const others = d.domains.filter((x) => x !== main.domain).sort(byShape);
  return {
    id: main.domain,
    panel: 'plesk',
    domains: [main.domain, ...others],
    sysUser: user?.login ?? null,
    uid: d.uid,
    homeDir: user?.home ?? main.dir,
    docRoots: d.docRoots,
    logDirs: d.logDirs,
    mailboxes: [],
    customer: null,
    reseller: null,
  };
}

function pickMain(root: string, webspaces: readonly Webspace[], home: string | undefined): Webspace {
  const h = home?.replace(/\/+$/, '');
  const atHome = h ? webspaces.find((w) => w.dir === h || `${root}/${w.domain}` === h) : undefined;
  return atHome ?? [...webspaces].sort((a, b) => byShape(a.domain, b.domain))[0]!;
}

/** fewest labels, then shortest, then sort order */
function byShape(a: string, b: string): number {
  return a.split('.').length - b.split('.').length || a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

function pushUnique(list: string[], item: string): void {
  if (!list.includes(item)) list.push(item);
}
