/**
 * login -> system account for the `webN` users Confixx created. The uid is what Postfix
 * writes into "Received: ... from userid N", so this is the link between a queue finding
 * and a Confixx customer.
 *
 * Live: `getent passwd web1 web2 ...`, many logins per process (getent prints the ones it
 * finds and exits 2 when any is missing). Offline: a saved passwd file, keeping only the
 * logins asked for. Parsing is collect/users/passwd.ts's.
 */
import type { Host } from '../../host/host';
import type { SystemUser } from '../../domain/users';
import { parsePasswdLine } from '../../collect/users/passwd';
import { SpamtraceError } from '../../errors';

const LOGINS_PER_GETENT = 200;

export interface AccountLookup {
  accounts: Map<string, SystemUser>;
  /** problems with the lookup itself (not "this login has no account") */
  warnings: string[];
}

export async function lookupAccounts(
  host: Host,
  logins: readonly string[],
  options: { passwdFile?: string } = {},
): Promise<AccountLookup> {
  const wanted = new Set(logins);
  return options.passwdFile ? fromPasswdFile(host, options.passwdFile, wanted) : fromGetent(host, [...wanted]);
}

async function fromGetent(host: Host, logins: string[]): Promise<AccountLookup> {
  const accounts = new Map<string, SystemUser>();
  const warnings: string[] = [];
  for (let i = 0; i < logins.length; i += LOGINS_PER_GETENT) {
    const batch = logins.slice(i, i + LOGINS_PER_GETENT);
    const r = await host.run('getent', ['passwd', ...batch], { timeoutMs: 30_000 });
    if (r.spawnError) {
      warnings.push(`getent could not run (${r.spawnError.code}): uids of Confixx customers are unknown`);
      break;
    }
    if (r.code !== 0 && r.code !== 2) {
      warnings.push(`getent passwd failed (exit ${r.code ?? r.signal ?? '?'}): some uids are unknown`);
      continue;
    }
    const asked = new Set(batch);
    for (const text of r.stdout.split('\n')) {
      const u = parsePasswdLine(text);
      // first entry wins, as in getpwnam(); an answer we did not ask for is ignored
      if (u && asked.has(u.login) && !accounts.has(u.login)) accounts.set(u.login, u);
    }
  }
  return { accounts, warnings };
}

async function fromPasswdFile(host: Host, path: string, wanted: Set<string>): Promise<AccountLookup> {
  const accounts = new Map<string, SystemUser>();
  try {
    for await (const line of host.readLines(path, { maxLineBytes: 4096 })) {
      if (line.cut) continue;
      const u = parsePasswdLine(line.text);
      if (u && wanted.has(u.login) && !accounts.has(u.login)) accounts.set(u.login, u);
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new SpamtraceError('E_PASSWD_FILE', `cannot read passwd file ${path}: ${code}`);
  }
  return { accounts, warnings: [] };
}
