/**
 * The panel actions a host offers: Plesk's when its `plesk` program is installed (the
 * local CLI, run as root, needs no API key), Confixx's when its main config file exists,
 * both asked of that host (over SSH: the remote one, not the scanner). Nothing is opened
 * here; the adapters connect when an action runs. A remote Confixx server's MySQL is
 * reached through its own `mysql` client over the same connection.
 */
import type { Host } from '../host/host';
import type { SpamtraceConfig } from '../config/config-types';
import type { Action } from './action';
import { PleskActions } from '../inventory/plesk/actions';
import { DEFAULT_PLESK_PATH, PleskCliRunner } from '../inventory/plesk/cli-runner';
import { ConfixxInventory } from '../inventory/confixx/confixx-inventory';
import { ConfixxLockAction, PleskMailLimitAction, PleskSuspendAction } from './panel-actions';

export interface PanelWiringOptions {
  /** is the path there on the host (default: host.stat; unreadable counts as no) */
  exists?: (path: string) => Promise<boolean>;
  /** the host is reached over SSH: Plesk's actions are not offered (run spamtrace on the Plesk server) */
  remote?: boolean;
}

export async function panelActions(host: Host, config: Readonly<SpamtraceConfig>, o: PanelWiringOptions = {}): Promise<Action[]> {
  const exists = o.exists ?? (async (p: string) => (await host.stat(p).catch(() => null)) !== null);
  const out: Action[] = [];
  if (!o.remote && (config.panel === 'auto' || config.panel === 'plesk') && (await exists(DEFAULT_PLESK_PATH))) {
    const plesk = new PleskActions({ cli: new PleskCliRunner(host) });
    out.push(new PleskMailLimitAction(plesk), new PleskSuspendAction(plesk));
  }
  if ((config.panel === 'auto' || config.panel === 'confixx') && (await exists(config.confixx.confFile))) {
    const inventory = new ConfixxInventory({ host, confPath: config.confixx.confFile, homeBase: config.roots.confixx, dbVia: o.remote ? 'host' : 'direct' });
    out.push(new ConfixxLockAction(inventory));
  }
  return out;
}
