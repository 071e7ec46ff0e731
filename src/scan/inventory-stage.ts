/**
 * Which subscriptions does this server have? Chosen once per scan. A failing inventory
 * is a warning, not a failed scan: the queue evidence stands without it.
 */
import type { InventoryResult } from '../domain/subscription';
import type { Host } from '../host/host';
import type { Logger } from '../log';
import { FilesystemInventory } from '../inventory/filesystem/discover';
import { isSpamtraceError } from '../errors';

export interface InventoryChoice {
  vhostsRoot: string | null;
  confixxRoot: string | null;
  staticMap: string | null;
}

export async function loadInventory(host: Host, choice: InventoryChoice, logger: Logger): Promise<InventoryResult> {
  const inventory = new FilesystemInventory(host, {
    ...(choice.vhostsRoot ? { vhostsRoot: choice.vhostsRoot } : {}),
    ...(choice.confixxRoot ? { confixxRoot: choice.confixxRoot } : {}),
    ...(choice.staticMap ? { staticFile: choice.staticMap } : {}),
  });
  try {
    const result = await inventory.list();
    logger.info('inventory', { code: 'INVENTORY_DONE', source: result.source, subscriptions: result.subscriptions.length, warnings: result.warnings.length });
    return result;
  } catch (e) {
    // a static map the admin named must be right: that is their error to see
    if (choice.staticMap && isSpamtraceError(e)) throw e;
    logger.warn('inventory failed', { code: 'INVENTORY_FAILED', error: (e as Error).message });
    return { subscriptions: [], source: 'none', warnings: [`no subscriptions could be listed: ${(e as Error).message}`] };
  }
}
