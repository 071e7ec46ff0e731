/**
 * The UI's scanner for `spamtrace serve --hosts ...`: each scan (button or timer) is a
 * fleet scan, and its progress row counts hosts finished of hosts selected, naming the
 * host that spoke last.
 */
import type { Logger } from '../log';
import type { FleetConfig } from '../fleet/fleet-config';
import { selectHosts } from '../fleet/fleet-config';
import { scanFleet, type FleetScanDeps, type FleetScanInput } from '../fleet/fleet-scan';
import type { Scanner } from './scan-service';

export interface FleetScannerOptions {
  aliases: readonly string[] | 'all';
  config: FleetConfig;
  /** the per-host scan options, made fresh for each scan (a --since window moves with the clock) */
  scanOptions: () => FleetScanInput;
  parallel?: number;
  hostTimeoutMs?: number;
  sshConfigPath?: string;
  logger: Logger;
  now?: () => Date;
  /** tests: hosts that are not SSH connections */
  openHost?: FleetScanDeps['openHost'];
}

export function fleetScanner(o: FleetScannerOptions): Scanner {
  return async (progress) => {
    const total = selectHosts(o.config, o.aliases).length;
    const finished = new Set<string>();
    const report = await scanFleet(
      o.aliases,
      {
        config: o.config,
        scan: o.scanOptions(),
        ...(o.parallel !== undefined ? { parallel: o.parallel } : {}),
        ...(o.hostTimeoutMs !== undefined ? { hostTimeoutMs: o.hostTimeoutMs } : {}),
        ...(o.sshConfigPath !== undefined ? { sshConfigPath: o.sshConfigPath } : {}),
      },
      {
        logger: o.logger,
        now: o.now ?? (() => new Date()),
        ...(o.openHost ? { openHost: o.openHost } : {}),
        onProgress: (e) => {
          if (e.phase === 'done' || e.phase === 'failed') finished.add(e.alias);
          progress.update(finished.size, total, `${e.alias}: ${e.what ?? e.phase}`);
        },
      },
    );
    progress.end();
    return report;
  };
}
