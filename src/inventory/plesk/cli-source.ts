/**
 * Reads the inventory through the local `plesk bin` utilities when the REST API cannot
 * be used: `subscription --list`, then `domain --info NAME` per subscription (bounded
 * concurrency) for the system user and the owner, and `customer --info LOGIN` once per
 * owner for the e-mail address.
 *
 * What the CLI does not give cheaply is left unknown rather than guessed: add-on domains
 * and subdomains (only the main domain is listed; said in a warning), the reseller, the
 * Plesk domain id (the subscription id is its name here).
 */
import type { Customer, Subscription } from '../../domain/subscription';
import type { Logger } from '../../log';
import { parseCustomerInfo, parseDomainInfo, parseNameList, type DomainInfo } from './cli-output';
import { mapBounded } from '../../bounded-map';
import { PleskError, oneLine } from './errors';
import type { PleskCliRunner } from './cli-runner';

export interface CliRead {
  subscriptions: Subscription[];
  warnings: string[];
}

export async function readFromCli(
  cli: PleskCliRunner,
  concurrency: number,
  uidsFor: (logins: readonly string[]) => Promise<ReadonlyMap<string, number>>,
  vhostsRoot: string,
  logger: Logger,
): Promise<CliRead> {
  const listed = await cli.run('subscription', ['--list']);
  if (listed.code !== 0) {
    const said = oneLine(listed.stderr || listed.stdout, 300);
    throw new PleskError('E_PLESK_CLI', 'cli-exit', `plesk bin subscription --list failed (exit ${listed.code}): ${said}`, said);
  }
  const { names, skipped } = parseNameList(listed.stdout);
  const warnings: string[] = [
    'plesk CLI fallback: only main domains are listed; add-on domains and subdomains are not mapped, resellers are unknown',
  ];
  if (skipped) warnings.push(`plesk bin subscription --list: ${skipped} lines were not domain names and were ignored`);
  logger.info('plesk cli: listing subscriptions', { code: 'PLESK_CLI_LISTING', subscriptions: names.length, concurrency });

  const infos = await mapBounded(names, concurrency, async (name): Promise<DomainInfo | string> => {
    const r = await cli.run('domain', ['--info', name]);
    return r.code === 0 ? parseDomainInfo(r.stdout) : `exit ${r.code}: ${oneLine(r.stderr || r.stdout, 300)}`;
  });

  const owners = new Map<string, Customer>();
  const ownerLogins = [...new Set(infos.flatMap((i) => (typeof i !== 'string' && i.ownerLogin && !i.ownerLogin.startsWith('-') ? [i.ownerLogin] : [])))];
  await mapBounded(ownerLogins, concurrency, async (login) => {
    const c: Customer = { login };
    const r = await cli.run('customer', ['--info', login]);
    if (r.code === 0) {
      const p = parseCustomerInfo(r.stdout);
      if (p.email) c.email = p.email;
      if (p.name) c.name = p.name;
    }
    owners.set(login, c);
  });

  const sysUsers = infos.flatMap((i) => (typeof i !== 'string' && i.ftpLogin ? [i.ftpLogin] : []));
  const uids = await uidsFor(sysUsers);
  const root = vhostsRoot.replace(/\/+$/, '');
  const subscriptions: Subscription[] = names.map((name, i) => {
    const info = infos[i]!;
    let sysUser: string | null = null;
    if (typeof info === 'string') warnings.push(`subscription ${name}: system user unknown (domain --info failed: ${info}); not mapped to a uid`);
    else if (info.domainName !== null && info.domainName !== name) warnings.push(`subscription ${name}: domain --info answered for ${info.domainName}; system user not used`);
    else if (!info.ftpLogin) warnings.push(`subscription ${name}: system user unknown (${info.ftpLoginProblem ?? 'no FTP Login'}); not mapped to a uid`);
    else sysUser = info.ftpLogin;
    const uid = sysUser === null ? null : (uids.get(sysUser) ?? null);
    if (sysUser !== null && uid === null) warnings.push(`subscription ${name}: system user ${sysUser} has no passwd entry; uid unknown`);
    const owner = typeof info !== 'string' && info.ownerLogin ? (owners.get(info.ownerLogin) ?? { login: info.ownerLogin }) : null;
    const sub: Subscription = {
      id: name,
      panel: 'plesk',
      domains: [name],
      sysUser,
      uid,
      homeDir: `${root}/${name}`,
      docRoots: [],
      logDirs: [`${root}/system/${name}/logs`],
      mailboxes: [],
      customer: owner,
      reseller: null,
    };
    if (typeof info !== 'string' && info.suspended !== null) sub.suspended = info.suspended;
    return sub;
  });
  return { subscriptions, warnings };
}
