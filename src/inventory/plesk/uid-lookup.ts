/**
 * System user name → uid. The inventory learns the name from Plesk ("FTP Login"); the
 * uid is what the queue shows (`from userid 4079`). Live: `getent passwd NAME...`
 * (sees NSS/LDAP users too), many names per process because a server has thousands of
 * subscriptions. Offline or in tests: a passwd file. Both parse lines with
 * parsePasswdLine from src/collect/users/passwd.ts, the same rule the queue side uses.
 */
import type { Host } from '../../host/host';
import { parsePasswdLine } from '../../collect/users/passwd';
import { isValidSystemLogin } from './cli-output';

/** Resolves the names it can; a name without an account is simply absent from the map. */
export type UidLookup = (logins: readonly string[]) => Promise<Map<string, number>>;

const GETENT_BATCH = 200;

export function getentUidLookup(host: Host): UidLookup {
  return async (logins) => {
    const wanted = [...new Set(logins.filter(isValidSystemLogin))];
    const found = new Map<string, number>();
    for (let i = 0; i < wanted.length; i += GETENT_BATCH) {
      const batch = wanted.slice(i, i + GETENT_BATCH);
      const r = await host.run('getent', ['passwd', ...batch], { timeoutMs: 30_000 });
      if (r.spawnError) throw new Error(`getent could not run: ${r.spawnError.code}`);
      // exit 2 = one or more keys not found; what was found is still printed
      if (r.code !== 0 && r.code !== 2) throw new Error(`getent passwd exited ${String(r.code)}`);
      const asked = new Set(batch);
      for (const line of r.stdout.split('\n')) {
        const u = parsePasswdLine(line);
        if (u && asked.has(u.login) && !found.has(u.login)) found.set(u.login, u.uid);
      }
    }
    return found;
  };
}

/** Reads a passwd-format file once per lookup; first entry for a name wins, as in getpwnam(). */
export function passwdFileUidLookup(host: Host, path: string): UidLookup {
  return async (logins) => {
    const wanted = new Set(logins);
    const found = new Map<string, number>();
    for await (const line of host.readLines(path, { maxLineBytes: 4096 })) {
      if (line.cut) continue;
      const u = parsePasswdLine(line.text);
      if (u && wanted.has(u.login) && !found.has(u.login)) found.set(u.login, u.uid);
    }
    return found;
  };
}
