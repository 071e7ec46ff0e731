/**
 * The act engine of a command-line process (`spamtrace act`, `spamtrace watch`). Where the
 * UI runs, its store holds the audit trail: actions from the command line are written there
 * too, so they show in the UI's audit log. No store is created as a side effect.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { openStore } from '../store';
import { JsonlAuditSink } from '../act/audit';
import { StoreAuditSink, TeeAuditSink } from '../act/store-audit';
import { createActEngine, type ActSettings } from '../act/registry';
import { DEFAULT_QUARANTINE_DIR } from '../act/quarantine';
import { panelActions } from '../act/panel-wiring';
import type { ActionEngine } from '../act/engine';
import type { Host } from '../host/host';
import type { SpamtraceConfig } from '../config/config-types';

export interface CliActEngineOptions {
  host: Host;
  config: Readonly<SpamtraceConfig>;
  journalPath: string;
  actor: string;
  roots?: readonly string[];
  quarantineDir?: string;
  afterStep?: ActSettings['afterStep'];
  /** the SSH alias when the host is reached over SSH (see ActSettings.remote) */
  remote?: string;
  /** do not look for panel actions (a command that only reads the journal) */
  noPanels?: boolean;
}

export interface CliActEngine {
  engine: ActionEngine;
  /** the UI's store when it exists; the caller closes it */
  store: ReturnType<typeof openStore> | null;
}

export async function openCliActEngine(o: CliActEngineOptions): Promise<CliActEngine> {
  const store = existsSync(o.config.store.path) ? openStore(o.config.store.path) : null;
  const audit = store ? new TeeAuditSink([new StoreAuditSink(store), new JsonlAuditSink(join(dirname(o.journalPath), 'audit.jsonl'))]) : undefined;
  const engine = createActEngine({
    host: o.host,
    extraActions: o.noPanels ? [] : await panelActions(o.host, o.config, { remote: o.remote !== undefined }),
    journalPath: o.journalPath,
    ...(audit ? { audit } : {}),
    roots: o.roots ?? [o.config.roots.vhosts, o.config.roots.confixx],
    quarantineDir: o.quarantineDir ?? DEFAULT_QUARANTINE_DIR,
    actor: o.actor,
    ...(o.afterStep ? { afterStep: o.afterStep } : {}),
    ...(o.remote !== undefined ? { remote: o.remote } : {}),
  });
  return { engine, store };
}
