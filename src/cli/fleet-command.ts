/**
 * `spamtrace scan --hosts ...`: the fleet scan, its per-host progress on stderr, the
 * text or JSON fleet report on stdout. Exit 2 when no host could be scanned at all, 1
 * when any host has a spam source, 3 when some hosts could not be scanned (a cron job
 * alerting on non-zero must not miss an unreachable host), else 0.
 */
import { existsSync } from 'node:fs';
import { createLogger } from '../log';
import { SpamtraceError } from '../errors';
import { parseFleetConfig, loadFleetConfig, selectHosts, type FleetConfig } from '../fleet/fleet-config';
import { loadConfig, resolveConfigPath } from '../config/load-config';
import { scanMaybeStored } from './stored-scan-command';
import { scanFleet, type HostProgressEvent } from '../fleet/fleet-scan';
import { renderFleetText } from '../fleet/render-fleet-text';
import type { FleetReport } from '../fleet/fleet-report';
import { defaultSshConfigPath, SshConfigFile } from '../host/ssh/ssh-config-file';
import { terminalSafe as safe } from '../terminal-safe';
import { DEFAULT_FLEET_FILE, type FleetArgs } from './fleet-args';
import type { ScanOptions } from './scan-args';

/** The fleet file, or (none given, none at the default place) every alias as a full node. */
export async function resolveFleetConfig(args: FleetArgs, env: NodeJS.ProcessEnv = process.env): Promise<FleetConfig> {
  const file = args.fleetFile ?? env['SPAMTRACE_FLEET'] ?? (existsSync(DEFAULT_FLEET_FILE) ? DEFAULT_FLEET_FILE : null);
  if (file) return loadFleetConfig(file);
  let aliases = args.hosts === 'all' ? null : args.hosts;
  if (aliases === null) {
    const path = args.sshConfig ?? defaultSshConfigPath();
    let ssh: SshConfigFile;
    try {
      ssh = await SshConfigFile.load(path);
    } catch (e) {
      throw new SpamtraceError('E_CONFIG', (e as Error).message);
    }
    aliases = ssh.aliases();
    if (aliases.length === 0) throw new SpamtraceError('E_USAGE', `--hosts all: no fleet file and no Host alias in ${path}`);
  }
  return parseFleetConfig({ hosts: aliases.map((alias) => ({ alias, roles: ['mail', 'web', 'panel'] })) }, '(from --hosts)');
}

function progressPrinter(stream: NodeJS.WriteStream, enabled: boolean): (e: HostProgressEvent) => void {
  if (!enabled) return () => undefined;
  const lastScan = new Map<string, number>();
  return (e) => {
    if (e.phase === 'scanning' && e.what) {
      // the scan's own ticks: at most one line per host every 5 s
      const t = Date.now();
      if (t - (lastScan.get(e.alias) ?? 0) < 5000) return;
      lastScan.set(e.alias, t);
      stream.write(`spamtrace: ${safe(e.alias)}: ${safe(e.what)} ${e.done ?? 0}${e.total ? `/${e.total}` : ''}\n`);
      return;
    }
    const message = e.message?.startsWith(`${e.alias}: `) ? e.message.slice(e.alias.length + 2) : e.message;
    stream.write(`spamtrace: ${safe(e.alias)}: ${e.phase}${message && e.phase !== 'done' ? `: ${safe(message)}` : ''}\n`);
  };
}

/** Some hosts could not be scanned, the others showed no spam source. */
export const EXIT_HOSTS_FAILED = 3;

export function fleetExitCode(r: FleetReport): number {
  if (r.summary.scanned + r.summary.checked === 0) return 2;
  if (r.summary.spamSources > 0) return 1;
  if (r.summary.failed > 0) return EXIT_HOSTS_FAILED;
  return 0;
}

/** Called by scanCommand when extractFleetArgs found --hosts. */
export async function fleetScanCommand(fleet: FleetArgs, options: Readonly<ScanOptions>): Promise<number> {
  const config = await resolveFleetConfig(fleet);
  const logger = createLogger({ level: options.logLevel });
  // the fleet's progress goes to stderr by host; the store's row counts hosts finished
  const total = selectHosts(config, fleet.hosts).length;
  const finished = new Set<string>();
  const printer = progressPrinter(process.stderr, options.progress !== false);
  const storeConfig = options.store ? loadConfig(resolveConfigPath(options.configPath ?? undefined)).config : null;
  const report = await scanMaybeStored(options, storeConfig, null, (progress) => scanFleet(
    fleet.hosts,
    {
      config,
      scan: options,
      ...(fleet.parallel !== null ? { parallel: fleet.parallel } : {}),
      ...(fleet.hostTimeoutSeconds !== null ? { hostTimeoutMs: fleet.hostTimeoutSeconds * 1000 } : {}),
      ...(fleet.sshConfig !== null ? { sshConfigPath: fleet.sshConfig } : {}),
    },
    {
      logger,
      now: () => new Date(),
      onProgress: (e) => {
        printer(e);
        if (e.phase === 'done' || e.phase === 'failed') finished.add(e.alias);
        progress.update(finished.size, total, `${e.alias}: ${e.what ?? e.phase}`);
      },
    },
  ));
  process.stdout.write(options.json ? JSON.stringify(report, null, 2) + '\n' : renderFleetText(report, { all: options.all }));
  return fleetExitCode(report);
}
