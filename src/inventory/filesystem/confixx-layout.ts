/**
 * Confixx without its database: customers read from their homes. Each customer `webN`
 * has `<root>/webN/` (root `/var/www` by default, `/home/www` seen), `html/` as docroot
 * and `log/` for its access logs. The system user is `webN` by Confixx's own naming; the
 * uid comes from passwd, else from the home's owner. Domains, mailboxes and the reseller
 * live only in Confixx's MySQL database, so they stay empty here.
 */
import type { Host } from '../../host/host';
import type { Subscription } from '../../domain/subscription';
import { listQuietly, realDir, subdirsAmong, type DirEntry } from './dir-entries';
import { quoteName } from './quote';
import type { SystemUsers } from './system-users';

const CUSTOMER = /^web[1-9][0-9]{0,8}$/;

export interface ConfixxScan {
  subscriptions: Subscription[];
  warnings: string[];
}

/** null when no `webN` directory exists under `root`: the layout is not there. */
export async function discoverConfixx(host: Host, root: string, users: SystemUsers): Promise<ConfixxScan | null> {
  if (!(await realDir(host, root))) return null;
  const warnings: string[] = [];
  const names = await listQuietly(host, root, warnings);
  if (!names?.some((n) => CUSTOMER.test(n))) return null;

  const subscriptions: Subscription[] = [];
  const customers = await subdirsAmong(host, root, names, (n) => CUSTOMER.test(n), warnings);
  // each customer's docroot and log directory, announced at once (over SSH: one round trip)
  await host.prefetch?.({ stat: customers.flatMap((e) => [`${e.path}/html`, `${e.path}/log`]) });
  for (const e of customers) {
    const sub = await toSubscription(host, e, users, warnings);
    if (sub) subscriptions.push(sub);
  }
  if (subscriptions.length > 0) {
    warnings.push('Confixx customers found on the filesystem: their domains and mailboxes are in the Confixx database, not here');
  }
  return { subscriptions, warnings };
}

async function toSubscription(host: Host, e: DirEntry, users: SystemUsers, warnings: string[]): Promise<Subscription | null> {
  const user = users.byName(e.name);
  const owner = e.info.uid;
  let uid: number | null;
  if (user) {
    uid = user.uid;
    if (owner !== 0 && owner !== user.uid) {
      warnings.push(`${quoteName(e.path)} is owned by uid ${owner}, but passwd gives ${e.name} uid ${user.uid}: using ${user.uid}`);
    }
  } else if (owner !== 0) {
    uid = owner;
    const other = users.byUid(owner);
    if (other) warnings.push(`${quoteName(e.path)} is owned by ${quoteName(other.login)} (uid ${owner}), not by ${e.name}`);
  } else {
    warnings.push(`${quoteName(e.path)} is owned by root and ${e.name} has no passwd entry: not mapped`);
    return null;
  }

  const docRoot = `${e.path}/html`;
  const logDir = `${e.path}/log`;
  const hasDocRoot = await realDir(host, docRoot);
  const hasLogDir = await realDir(host, logDir);
  if (!hasDocRoot) warnings.push(`${e.name}: no docroot ${quoteName(docRoot)}`);
  if (!hasLogDir) warnings.push(`${e.name}: no log directory ${quoteName(logDir)}`);
  return {
    id: e.name,
    panel: 'confixx',
    domains: [],
    sysUser: e.name,
    uid,
    homeDir: user?.home ?? e.path,
    docRoots: hasDocRoot ? [docRoot] : [],
    logDirs: hasLogDir ? [logDir] : [],
    mailboxes: [],
    customer: { login: e.name },
    reseller: null,
  };
}
