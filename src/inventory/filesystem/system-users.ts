/**
 * Accounts by uid and by name, from a passwd file read through the Host (so it works on a
 * saved copy and, later, over SSH). A missing or unreadable file is a warning: the
 * inventory still knows each subscription's uid from its directory's owner.
 */
import type { Host } from '../../host/host';
import type { SystemUser } from '../../domain/users';
import { parsePasswdLine } from '../../collect/users/passwd';
import { quoteName } from './quote';

export class SystemUsers {
  private readonly uids = new Map<number, SystemUser>();
  private readonly names = new Map<string, SystemUser>();

  constructor(users: Iterable<SystemUser> = []) {
    // first entry wins, as getpwuid() and getpwnam() do
    for (const u of users) {
      if (!this.uids.has(u.uid)) this.uids.set(u.uid, u);
      if (!this.names.has(u.login)) this.names.set(u.login, u);
    }
  }

  byUid(uid: number): SystemUser | undefined {
    return this.uids.get(uid);
  }

  byName(login: string): SystemUser | undefined {
    return this.names.get(login);
  }

  get size(): number {
    return this.names.size;
  }
}

export async function loadSystemUsers(host: Host, path: string, warnings: string[]): Promise<SystemUsers> {
  const users: SystemUser[] = [];
  let junk = 0;
  try {
    for await (const line of host.readLines(path, { maxLineBytes: 4096 })) {
      if (line.text.trim() === '' || line.text.startsWith('#')) continue;
      const u = line.cut ? null : parsePasswdLine(line.text);
      if (u) users.push(u);
      else junk++;
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    warnings.push(`cannot read passwd file ${quoteName(path)} (${code}): user names and homes are unknown`);
    return new SystemUsers();
  }
  if (junk > 0) warnings.push(`${junk} line(s) of ${quoteName(path)} are not passwd entries; ignored`);
  return new SystemUsers(users);
}
