/**
 * The panel actions a host offers: Plesk's when its `plesk` program is installed (the
 * local CLI, run as root, needs no API key), Confixx's when its main config file exists.
 * Nothing is opened here; the adapters connect when an action runs.
 */
import { existsSync } from 'node:fs';
import type { Host } from '../host/host';
import type { SpamtraceConfig } from '../config/config-types';
import type { Action } from './action';
import { PleskActions } from '../inventory/plesk/actions';
import { DEFAULT_PLESK_PATH, PleskCliRunner } from '../inventory/plesk/cli-runner';
import { ConfixxInventory } from '../inventory/confixx/confixx-inventory';
import { ConfixxLockAction, PleskMailLimitAction, PleskSuspendAction } from './panel-actions';

export function panelActions(host: Host, config: Readonly<SpamtraceConfig>, exists: (path: string) => boolean = existsSync): Action[] {
  const out: Action[] = [];
  if ((config.panel === 'auto' || config.panel === 'plesk') && exists(DEFAULT_PLESK_PATH)) {
    const plesk = new PleskActions({ cli: new PleskCliRunner(host) });
    out.push(new PleskMailLimitAction(plesk), new PleskSuspendAction(plesk));
  }
  if ((config.panel === 'auto' || config.panel === 'confixx') && exists(config.confixx.confFile)) {
    out.push(new ConfixxLockAction(new ConfixxInventory({ host, confPath: config.confixx.confFile, homeBase: config.roots.confixx })));
  }
  return out;
}
