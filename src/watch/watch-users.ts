/**
 * The accounts the breaker must know by number: Postfix's mail_owner (requeued mail is
 * re-submitted under its uid, so it must never trip) and the allow-list's `user:NAME`
 * entries, turned into `uid:N` once at start (the live windows only know uids).
 */
import type { Host } from '../host/host';
import { getentAccount } from '../collect/users/passwd';

export async function mailOwnerUid(host: Host): Promise<number | null> {
  const r = await host.run('postconf', ['-h', 'queue_directory'], { timeoutMs: 10_000 }).catch(() => null);
  const dir = r && r.code === 0 ? r.stdout.trim() : '/var/spool/postfix';
  // the spool belongs to root; its maildrop and active folders to the mail_owner
  const st = await host.stat(`${dir}/active`).catch(() => null);
  return st && st.isDirectory ? st.uid : null;
}

/** `user:NAME` allow entries as `uid:N` (names that do not resolve are reported, not guessed). */
export async function allowUids(host: Host, allow: readonly string[], log?: (line: string) => void): Promise<string[]> {
  const out: string[] = [];
  for (const a of allow) {
    if (!a.startsWith('user:')) continue;
    const name = a.slice('user:'.length);
    const u = await getentAccount(host, name, 'pass').catch(() => null);
    if (u) out.push(`uid:${u.uid}`);
    else log?.(`watch: allow-list entry ${a}: no such system user`);
  }
  return out;
}
