/**
 * The panel actions a host offers: Plesk's when its `plesk` program is installed (the
 * local CLI, run as root, needs no API key), Confixx's when its main config file exists,
 * both asked of that host (over SSH: the remote one, not the scanner). A split mail/web
 * pair is asked through Host.panelHosts(), as the scan's inventory is: Confixx found on
 * the web node is read and locked through the web node. Nothing is opened here; the
 * adapters connect when an action runs. A remote Confixx server's MySQL is reached
 * through its own `mysql` client over the same connection.
 */
import type { Host } from '../host/host';
import type { SpamtraceConfig } from '../config/config-types';
import type { Action } from './action';
import { PleskActions } from '../inventory/plesk/actions';
import { DEFAULT_PLESK_PATH, PleskCliRunner } from '../inventory/plesk/cli-runner';
import { ConfixxInventory } from '../inventory/confixx/confixx-inventory';
import { ConfixxLockAction, PleskMailLimitAction, PleskSuspendAction } from './panel-actions';

export interface PanelWiringOptions {
  /** is the path there on that machine (default: its stat; unreadable counts as no) */
  exists?: (path: string, on: Host) => Promise<boolean>;
  /** the host is reached over SSH: Plesk's actions are not offered (run spamtrace on the Plesk server) */
  remote?: boolean;
}

export async function panelActions(host: Host, config: Readonly<SpamtraceConfig>, o: PanelWiringOptions = {}): Promise<Action[]> {
  const exists = o.exists ?? (async (p: string, on: Host) => (await on.stat(p).catch(() => null)) !== null);
  // a split pair: the machines the panel may be on, in the order to look (the scan's rule)
  const candidates = host.panelHosts?.() ?? [host];
  const where = async (p: string): Promise<Host | null> => {
    for (const h of candidates) if (await exists(p, h)) return h;
    return null;
  };
  const out: Action[] = [];
  const pleskOn = !o.remote && (config.panel === 'auto' || config.panel === 'plesk') ? await where(DEFAULT_PLESK_PATH) : null;
  if (pleskOn) {
    const plesk = new PleskActions({ cli: new PleskCliRunner(pleskOn) });
    out.push(new PleskMailLimitAction(plesk), new PleskSuspendAction(plesk));
  }
  const confixxOn = config.panel === 'auto' || config.panel === 'confixx' ? await where(config.confixx.confFile) : null;
  if (confixxOn) {
    const inventory = new ConfixxInventory({ host: confixxOn, confPath: config.confixx.confFile, homeBase: config.roots.confixx, dbVia: o.remote ? 'host' : 'direct' });
    out.push(new ConfixxLockAction(inventory));
  }
  return out;
}
