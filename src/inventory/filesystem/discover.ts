/**
 * The inventory without a panel API: every layout that exists on the machine is read
 * (Plesk's vhosts tree, Confixx's `webN` homes, a static mapping file) and the answers
 * are put together. Only the Host is used: list, stat (lstat), readLines.
 *
 * A static file is the admin's explicit word: its entries replace what the filesystem
 * found for the same uid or system user; filesystem subscriptions it does not mention are
 * kept. A bad static file is an error (E_INVENTORY_FILE); a missing layout is not.
 */
import type { Host } from '../../host/host';
import type { Inventory, InventoryResult, Subscription } from '../../domain/subscription';
import { readStaticInventory } from '../static/static-file';
import { discoverConfixx } from './confixx-layout';
import { resolveOptions, type FilesystemInventoryOptions } from './options';
import { addPleskMailboxes } from './plesk-mailboxes';
import { discoverPlesk } from './plesk-layout';
import { quoteName } from './quote';
import { loadSystemUsers } from './system-users';

export type { FilesystemInventoryOptions } from './options';

export async function discoverSubscriptions(host: Host, options: FilesystemInventoryOptions = {}): Promise<InventoryResult> {
  const o = resolveOptions(options);
  const warnings: string[] = [];
  const sources: string[] = [];
  // the layouts' roots, announced at once (over SSH: one round trip for all)
  await host.prefetch?.({ stat: [o.vhostsRoot, o.mailnamesRoot, o.confixxRoot] });
  // and the ones there listed at once, with Plesk's system/ (the layouts below list each of
  // them: one round trip, not one each; a system/ that is not there only costs the hint)
  const present: string[] = [];
  for (const d of [o.vhostsRoot, o.confixxRoot, o.mailnamesRoot]) if ((await host.stat(d).catch(() => null)) !== null) present.push(d);
  if (present.includes(o.vhostsRoot)) present.push(`${o.vhostsRoot.replace(/\/+$/, '')}/system`);
  await host.prefetch?.({ list: present });
  const users = await loadSystemUsers(host, o.passwdFile, warnings);
  let found: Subscription[] = [];

  const plesk = await discoverPlesk(host, o.vhostsRoot, users);
  if (plesk) {
    await addPleskMailboxes(host, o.mailnamesRoot, plesk.subscriptions, plesk.warnings);
    sources.push('plesk-filesystem');
    found.push(...plesk.subscriptions);
    warnings.push(...plesk.warnings);
  }
  const confixx = await discoverConfixx(host, o.confixxRoot, users);
  if (confixx) {
    sources.push('confixx-filesystem');
    found.push(...confixx.subscriptions);
    warnings.push(...confixx.warnings);
  }
  if (o.staticFile !== null) {
    const fixed = await readStaticInventory(host, o.staticFile, users);
    sources.push('static-file');
    warnings.push(...fixed.warnings);
    found = [...fixed.subscriptions, ...withoutOverridden(found, fixed.subscriptions)];
  }
  if (sources.length === 0) {
    warnings.push(`no panel layout found (no Plesk vhosts in ${quoteName(o.vhostsRoot)}, no Confixx webN homes in ${quoteName(o.confixxRoot)}) and no static inventory file given`);
  }
  return { subscriptions: found, source: sources.join('+') || 'filesystem', warnings };
}

function withoutOverridden(found: Subscription[], fixed: Subscription[]): Subscription[] {
  const uids = new Set(fixed.map((s) => s.uid).filter((u): u is number => u !== null));
  const names = new Set(fixed.map((s) => s.sysUser).filter((u): u is string => u !== null));
  return found.filter((s) => !(s.uid !== null && uids.has(s.uid)) && !(s.sysUser !== null && names.has(s.sysUser)));
}

/** discoverSubscriptions as an Inventory, for the scan's panel chain. */
export class FilesystemInventory implements Inventory {
  readonly name = 'filesystem';

  constructor(
    private readonly host: Host,
    private readonly options: FilesystemInventoryOptions = {},
  ) {
    resolveOptions(options); // a bad root fails at construction, not mid-scan
  }

  list(): Promise<InventoryResult> {
    return discoverSubscriptions(this.host, this.options);
  }
}
