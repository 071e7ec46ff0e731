/**
 * A passwd file for the emulated panel's system users, so the adapter's uid lookup reads
 * a real file instead of needing thousands of real accounts. uids are shuffled (not in
 * subscription order) so a mapping that is off by one cannot pass by accident.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PleskData } from './data';

export interface PasswdFixture {
  path: string;
  /** system user → uid, as written */
  uids: Map<string, number>;
}

export function writePasswdFor(data: PleskData, options: { omit?: (login: string) => boolean } = {}): PasswdFixture {
  const users = data.domains.flatMap((d) => (d.sysUser ? [d.sysUser] : []));
  const uidsInOrder = users.map((_, i) => 10_000 + ((i * 7919) % (users.length * 3 + 1)));
  const uids = new Map<string, number>();
  const lines = ['root:x:0:0:root:/root:/bin/bash', 'psaadm:x:998:998:Plesk:/usr/local/psa:/bin/false'];
  users.forEach((login, i) => {
    if (options.omit?.(login)) return;
    const uid = uidsInOrder[i]!;
    uids.set(login, uid);
    lines.push(`${login}:x:${uid}:1004::/var/www/vhosts/${login}:/bin/false`);
  });
  const dir = mkdtempSync(join(tmpdir(), 'plesk-emu-passwd-'));
  const path = join(dir, 'passwd');
  writeFileSync(path, lines.join('\n') + '\n');
  return { path, uids };
}
