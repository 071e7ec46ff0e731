/**
 * `spamtrace scan --hosts ...`: the ordinary scan on every host of the fleet over SSH, a
 * few hosts at a time, each under its own deadline and isolated like a Haraka plugin: a
 * host that is down, refuses our key, shows a changed host key or has no Postfix ends
 * up in the report with its error while the others complete.
 *
 * A mail node with `webFrom` is scanned through a RoutedHost: its queue and mail log
 * on the mail node, inventory and access logs on the web node, so a subscription whose
 * site and mail live on different machines is traced across both.
 */
import type { Logger } from '../log';
import type { Progress } from '../scan/scan-options';
import type { Report } from '../domain/report';
import type { Host } from '../host/host';
import { SshHost } from '../host/ssh-host';
import { defaultSshConfigPath, describeTarget, SshConfigFile } from '../host/ssh/ssh-config-file';
import { isSshError } from '../host/ssh/ssh-errors';
import { isSpamtraceError, SpamtraceError } from '../errors';
import { runScan } from '../scan/run-scan';
import { loadInventory } from '../scan/inventory-stage';
import { mapBounded } from '../bounded-map';
import { withDeadline } from './deadline';
import { crossHostFindings } from './cross-host';
import { selectHosts, type FleetConfig, type FleetHost } from './fleet-config';
import type { FleetHostResult, FleetReport, HostError } from './fleet-report';
import { DEFAULT_WEB_ROOTS, RoutedHost } from './routed-host';

export type FleetScanInput = Parameters<typeof runScan>[0];

export interface FleetScanOptions {
  config: FleetConfig;
  /** the scan options every host gets (the same as a single-host scan's) */
  scan: FleetScanInput;
  /** overrides config.parallel */
  parallel?: number;
  /** overrides config.hostTimeoutSeconds */
  hostTimeoutMs?: number;
  /** overrides config.sshConfig */
  sshConfigPath?: string;
}

/** A connected host the fleet scan closes when done. */
export interface ClosableHost extends Host {
  close(): Promise<void>;
}

export type HostPhase = 'connecting' | 'scanning' | 'done' | 'failed';

export interface HostProgressEvent {
  alias: string;
  phase: HostPhase;
  /** while scanning: the scan's own progress */
  done?: number;
  total?: number;
  what?: string;
  /** done/failed: one line */
  message?: string;
}

export interface FleetScanDeps {
  logger: Logger;
  now: () => Date;
  onProgress?: (event: HostProgressEvent) => void;
  /** default: an SshHost over the SSH config, connected */
  openHost?: (alias: string, sshConfigPath: string) => Promise<ClosableHost>;
}

async function openSshHost(alias: string, configPath: string): Promise<ClosableHost> {
  const host = new SshHost({ alias, configPath });
  try {
    await host.connect();
  } catch (e) {
    await host.close();
    throw e;
  }
  return host;
}

function hostError(e: unknown, timedOut = false): HostError {
  if (timedOut) return { kind: 'scan-timeout', code: null, message: (e as Error).message };
  if (isSshError(e)) return { kind: e.kind, code: null, message: e.message };
  if (isSpamtraceError(e)) return { kind: 'scan-failed', code: e.code, message: e.message };
  return { kind: 'scan-failed', code: null, message: (e as Error)?.message ?? String(e) };
}

function hostProgress(alias: string, emit: (e: HostProgressEvent) => void): Progress {
  return {
    update: (done, total, what) => emit({ alias, phase: 'scanning', done, total, what }),
    end: () => undefined,
  };
}

function webRoots(scan: FleetScanInput): string[] {
  const roots = [...DEFAULT_WEB_ROOTS];
  for (const r of [scan.vhostsRoot, scan.confixxRoot]) if (r && !roots.some((x) => r === x || r.startsWith(`${x}/`))) roots.push(r);
  return roots;
}

export async function scanFleet(aliases: readonly string[] | 'all', options: FleetScanOptions, deps: FleetScanDeps): Promise<FleetReport> {
  const started = Date.now();
  const selected = selectHosts(options.config, aliases);
  const sshConfigPath = options.sshConfigPath ?? options.config.sshConfig ?? defaultSshConfigPath();
  // read once, up front: an unreadable SSH config is the admin's error, not a host's
  let sshConfig: SshConfigFile;
  try {
    sshConfig = await SshConfigFile.load(sshConfigPath);
  } catch (e) {
    throw new SpamtraceError('E_CONFIG', (e as Error).message);
  }
  const emit = deps.onProgress ?? (() => undefined);
  const open = deps.openHost ?? openSshHost;
  const timeoutMs = options.hostTimeoutMs ?? options.config.hostTimeoutSeconds * 1000;
  const parallel = options.parallel ?? options.config.parallel;

  // one connection per alias, shared by a mail node and the web node it reads from
  const connections = new Map<string, Promise<ClosableHost>>();
  const pending = new Set<string>();
  const connect = (alias: string): Promise<ClosableHost> => {
    let c = connections.get(alias);
    if (!c) {
      pending.add(alias);
      c = open(alias, sshConfigPath);
      c.then(
        () => pending.delete(alias),
        () => pending.delete(alias),
      );
      connections.set(alias, c);
    }
    return c;
  };
  /** Close what is connected; a connection still being made is closed whenever it lands. */
  const closeAll = async (): Promise<void> => {
    const waits: Promise<void>[] = [];
    for (const [alias, c] of connections) {
      const closing = c.then((h) => h.close()).catch(() => undefined);
      if (!pending.has(alias)) waits.push(closing);
    }
    await Promise.all(waits);
  };

  const scanOne = async (h: FleetHost): Promise<FleetHostResult> => {
    const t0 = Date.now();
    const startedAt = deps.now().toISOString();
    const t = sshConfig.target(h.alias);
    const target = describeTarget(t) + (t.declared ? '' : ' (no Host entry for this alias: ssh takes it as the host name)');
    const base = { alias: h.alias, roles: h.roles, target, webFrom: h.webFrom, startedAt };
    let settled = false;
    const finish = (state: FleetHostResult['state'], rest: Partial<FleetHostResult>): FleetHostResult => {
      const r: FleetHostResult = { ...base, state, error: null, report: null, inventory: null, ...rest, finishedAt: deps.now().toISOString(), ms: Date.now() - t0 };
      // a host past its deadline may still finish in the background: it is already reported
      if (!settled) emit({ alias: h.alias, phase: state === 'failed' ? 'failed' : 'done', message: r.error?.message ?? state });
      settled = true;
      return r;
    };
    emit({ alias: h.alias, phase: 'connecting' });
    const work = async (): Promise<FleetHostResult> => {
      const host = await connect(h.alias);
      if (!h.roles.includes('mail')) {
        // a web or panel node: reachable, and what its inventory lists
        if (!h.roles.includes('panel')) return finish('checked', {});
        const inv = await loadInventory(host, { vhostsRoot: options.scan.vhostsRoot, confixxRoot: options.scan.confixxRoot, staticMap: options.scan.staticMap }, deps.logger);
        return finish('checked', { inventory: { source: inv.source, subscriptions: inv.subscriptions.length, warnings: inv.warnings.length } });
      }
      let scanHost: Host = host;
      if (h.webFrom) scanHost = new RoutedHost(host, await connect(h.webFrom), webRoots(options.scan));
      const webLogs = options.scan.webLogs && (h.roles.includes('web') || h.webFrom !== null);
      emit({ alias: h.alias, phase: 'scanning' });
      const report = await runScan({ ...options.scan, webLogs }, { host: scanHost, logger: deps.logger, progress: hostProgress(h.alias, emit), now: deps.now });
      tagHost(report, h.alias);
      return finish('scanned', { report });
    };
    let timedOut = false;
    try {
      return await withDeadline(work(), timeoutMs, () => {
        timedOut = true;
        return new Error(`${h.alias}: no result within ${Math.round(timeoutMs / 1000)} s: the scan of this host was stopped`);
      });
    } catch (e) {
      deps.logger.info('fleet host failed', { code: 'FLEET_HOST_FAILED', host: h.alias, error: (e as Error)?.message });
      settled = false;
      if (timedOut) {
        // closing the master ends every session still running on that host
        void connections.get(h.alias)?.then((c) => c.close()).catch(() => undefined);
      }
      return finish('failed', { error: hostError(e, timedOut) });
    }
  };

  let results: FleetHostResult[];
  try {
    results = await mapBounded(selected, parallel, scanOne);
  } finally {
    await closeAll();
  }
  const scanned = results.filter((r): r is FleetHostResult & { report: Report } => r.report !== null);
  return {
    version: 1,
    kind: 'fleet',
    generatedAt: deps.now().toISOString(),
    requested: aliases === 'all' ? 'all' : [...aliases],
    hosts: results,
    summary: {
      hosts: results.length,
      scanned: results.filter((r) => r.state === 'scanned').length,
      checked: results.filter((r) => r.state === 'checked').length,
      failed: results.filter((r) => r.state === 'failed').length,
      spamSources: scanned.reduce((n, r) => n + r.report.sources.filter((s) => s.verdict === 'spam').length, 0),
      ms: Date.now() - started,
    },
    crossHost: crossHostFindings(scanned.map((r) => ({ host: r.alias, report: r.report }))),
  };
}

/** Every source says where it was seen; the report names the alias, not the remote hostname. */
function tagHost(report: Report, alias: string): void {
  report.host = alias;
  for (const s of report.sources) s.host = alias;
}
