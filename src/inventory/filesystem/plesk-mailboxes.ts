/**
 * Plesk's mailboxes from its mail tree: `/var/qmail/mailnames/<domain>/<box>/` (Postfix
 * and qmail alike). Knowing them lets a SASL login (`info@example.de`) name its
 * subscription. A missing tree is no error: the panel may keep mail elsewhere.
 */
import type { Host } from '../../host/host';
import type { Mailbox, Subscription } from '../../domain/subscription';
import { listSubdirs, realDir } from './dir-entries';

/** RFC 5321 local parts as Plesk allows them; anything else in the tree is not a box. */
const LOCAL_PART = /^[a-z0-9!#$%&'*+=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+=?^_`{|}~-]+)*$/;

export async function addPleskMailboxes(host: Host, root: string, subs: Subscription[], warnings: string[]): Promise<void> {
  if (!(await realDir(host, root))) return;
  for (const sub of subs) {
    const boxes: Mailbox[] = [];
    for (const domain of sub.domains) {
      const dir = `${root}/${domain}`;
      if (!(await realDir(host, dir))) continue;
      const accept = (name: string): boolean => name.length <= 64 && LOCAL_PART.test(name);
      for (const e of await listSubdirs(host, dir, accept, warnings)) boxes.push({ address: `${e.name}@${domain}` });
    }
    sub.mailboxes = boxes;
  }
}
