/**
 * `spamtrace serve`: the panel UI. Listens on 127.0.0.1 by default (TLS and the panel sit
 * in front), keeps scans and sessions in the SQLite store, scans on demand and every
 * --interval, and runs containment through the same engine as `spamtrace act`.
 */
import { createServer } from 'node:http';
import { packageRoot } from '../package-root';
import { checkNativeModules } from '../store/native-check';
import type { AddressInfo } from 'node:net';
import { networkInterfaces, userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { SpamtraceError } from '../errors';
import { LocalHost } from '../host/local-host';
import { createLogger } from '../log';
import { loadConfig, resolveConfigPath } from '../config/load-config';
import { readSecretFile, ownersAllowed } from '../config/secret-file';
import { readPanelSecret } from '../auth/panel-secret';
import { abandonRunningScans, latestReport, openStore } from '../store';
import { runScan } from '../scan/run-scan';
import { parseScanArgs } from './scan-args';
import { panelActions } from '../act/panel-wiring';
import { DEFAULT_JOURNAL } from '../act/journal';
import { DEFAULT_QUARANTINE_DIR } from '../act/quarantine';
import { watchView } from '../watch/watch-view';
import { DEFAULT_WATCH_DIR } from '../watch/watch-policy';
import { createApp } from '../web/app';
import { engineActionRunner } from '../web/action-runner';
import { hashPassword, isPasswordHash, type LocalAdmin } from '../web/local-password';
import { ScanService } from '../web/scan-service';
import { isValidOrigin } from '../web/security';
import { withCustomerNotice } from '../web/notice-action';
import { loadNotifyConfig, resolveNotifyConfigPath } from '../notify/load-notify-config';
import { extractFleetArgs, FLEET_HELP } from './fleet-args';
import { resolveFleetConfig } from './fleet-command';
import { fleetScanner } from '../web/fleet-scanner';
import { selectHosts } from '../fleet/fleet-config';
import type { Scanner } from '../web/scan-service';

export const SERVE_HELP = `Usage: spamtrace serve [options] [-- SCAN OPTIONS]
       spamtrace serve hash-password < password

Runs the web UI (admin overview, subscriptions, reseller and customer views, audit log).

Options:
  --listen HOST:PORT          where to listen (default: service.listen of the config, 127.0.0.1:8765)
  --store FILE                SQLite store (default: store.path of the config)
  --interval DURATION         scan every DURATION (15m, 1h; default 0: only on demand)
  --scan-on-start             scan once right after start
  --panel-origin ORIGIN       the panel's origin allowed to frame the UI (https://host:8443)
  --check                     check that the service can run here (every native module
                              loads in this Node) and exit: 0 ok, 1 with what is wrong
  --forwarded-only            answer only requests the panel forwarded with its signed
                              per-request identity (the Plesk extension's forwarder);
                              anything else, local logins included, gets 403
  --admin-user NAME           standalone admin login (default admin)
  --admin-password-file FILE  standalone admin password hash (from "serve hash-password"),
                              root-owned, mode 0600; without it only panel sign-in works
  --no-panel                  do not read the panel signing key (standalone servers)
  --secure-cookies yes|no|auto  mark the session cookie Secure (default auto: when the
                              request came over https, directly or via a local proxy)
  --journal FILE              action journal (default ${DEFAULT_JOURNAL})
  --notify-config FILE        customer notices (default /etc/spamtrace/notify.json when it
                              exists): enables the "notify the customer" action
  --panel-hosts all|ALIAS,... with --hosts: the hosts whose subscriptions belong to this
                              panel's resellers and customers (their logins are this
                              panel's logins); other hosts' findings are admin-only.
                              Default: none (a reseller "r1" elsewhere is someone else)
  --config FILE               spamtrace config file
  -h, --help                  this text
Everything after "--" is passed to each scan as "spamtrace scan" options (e.g. -- --since 24h).
With --hosts, every scan is a fleet scan over SSH and the overview lists each host's state;
containment from the UI stays on this server.
${FLEET_HELP}`;

/** Room for a forwarded identity of a customer with a few thousand subscriptions. */
const MAX_HEADER_BYTES = 256 * 1024;

export interface ServeIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
}

export async function serveCommand(
  argv: string[],
  io: ServeIo = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env },
): Promise<number> {
  const dash = argv.indexOf('--');
  const own = dash < 0 ? argv : argv.slice(0, dash);
  const scanArgv = dash < 0 ? [] : argv.slice(dash + 1);
  if (own[0] === 'hash-password') return hashPasswordCommand(io);
  // --hosts and its companions are the same flags as "spamtrace scan --hosts", parsed by the same function
  const fleetArgs = extractFleetArgs(own);
  if (extractFleetArgs(scanArgv) !== null) throw new SpamtraceError('E_USAGE', 'serve: --hosts goes before "--", with the serve options');
  // the local-file scan options make no sense on remote hosts: the same check as "scan --hosts"
  if (fleetArgs) extractFleetArgs(['--hosts', 'all', ...scanArgv]);
  let parsed;
  try {
    parsed = parseArgs({
      args: fleetArgs ? fleetArgs.rest : own,
      allowPositionals: false,
      options: {
        listen: { type: 'string' },
        store: { type: 'string' },
        interval: { type: 'string' },
        'scan-on-start': { type: 'boolean' },
        'panel-origin': { type: 'string' },
        'forwarded-only': { type: 'boolean' },
        check: { type: 'boolean' },
        'admin-user': { type: 'string' },
        'admin-password-file': { type: 'string' },
        'no-panel': { type: 'boolean' },
        'secure-cookies': { type: 'string' },
        journal: { type: 'string' },
        'notify-config': { type: 'string' },
        'panel-hosts': { type: 'string' },
        config: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new SpamtraceError('E_USAGE', `serve: ${(e as Error).message}`);
  }
  const v = parsed.values;
  if (v.help) {
    io.stdout.write(SERVE_HELP);
    return 0;
  }
  // before the store is opened: a better-sqlite3 built for another Node says so in one line
  const native = checkNativeModules(packageRoot(__dirname));
  if (v.check) {
    if (native.length === 0) {
      io.stdout.write(`ok: the service can run with Node ${process.version} (${process.execPath})\n`);
      return 0;
    }
    for (const p of native) io.stdout.write(`${p.message}\n`);
    return 1;
  }
  if (native.length > 0) throw new SpamtraceError('E_NATIVE_MODULE', native.map((p) => p.message).join('; '));
  // checked now, so a typo fails at start and not at the first scan
  if (parseScanArgs(scanArgv).store) throw new SpamtraceError('E_USAGE', 'serve: every scan of the UI is stored in --store FILE; leave --store and --db out of the scan options after "--"');
  const { config } = loadConfig(resolveConfigPath(v.config, io.env));
  const listen = v.listen ? parseListen(v.listen) : config.service.listen;
  const intervalMs = v.interval ? parseDuration(v.interval) : 0;
  const panelOrigin = v['panel-origin'] ?? null;
  if (panelOrigin !== null && !isValidOrigin(panelOrigin)) throw new SpamtraceError('E_USAGE', '--panel-origin takes scheme://host[:port]');
  const secureCookies = parseSecure(v['secure-cookies']);

  const adminFile = v['admin-password-file'];
  let localAdmin: LocalAdmin | null = null;
  if (adminFile) {
    const line = readSecretFile(adminFile, 'admin password hash', ownersAllowed(null)).toString('utf8').trim();
    if (!isPasswordHash(line)) throw new SpamtraceError('E_SECRET_FILE', `${adminFile}: not a password hash from "spamtrace serve hash-password"`);
    localAdmin = { login: v['admin-user'] ?? 'admin', passwordHash: line };
  }
  const panelKey = v['no-panel'] ? null : readPanelSecret(config);
  const forwardedOnly = v['forwarded-only'] === true;
  if (forwardedOnly && !panelKey) throw new SpamtraceError('E_USAGE', 'serve: --forwarded-only needs the panel signing key (not --no-panel)');
  if (!panelKey && !localAdmin) throw new SpamtraceError('E_USAGE', 'serve: with --no-panel, --admin-password-file is needed, or nobody can sign in');

  const fleetConfig = fleetArgs ? await resolveFleetConfig(fleetArgs.fleet, io.env) : null;
  // an alias missing from the fleet file fails now, not at the first scan
  const fleetHosts = fleetArgs && fleetConfig ? selectHosts(fleetConfig, fleetArgs.fleet.hosts).map((h) => h.alias) : null;
  const panelHosts = parsePanelHosts(v['panel-hosts'], fleetHosts);
  if (fleetHosts && panelHosts !== 'all' && panelHosts.length === 0) {
    io.stderr.write('spamtrace: serve --hosts: resellers and customers see no fleet host\'s findings; name the hosts whose accounts are this panel\'s with --panel-hosts\n');
  }
  const logger = createLogger({});
  const host = new LocalHost();
  const store = openStore(v.store ?? config.store.path);
  const abandoned = abandonRunningScans(store);
  if (abandoned) logger.warn('scans left running by a previous service marked failed', { code: 'SERVE_SCANS_ABANDONED', count: abandoned });
  const localScanner: Scanner = (progress) => runScan(parseScanArgs(scanArgv, new Date()), { host, logger, progress, now: () => new Date() });
  const fleet = fleetArgs?.fleet;
  const scanner: Scanner =
    fleet && fleetConfig
      ? fleetScanner({
          aliases: fleet.hosts,
          config: fleetConfig,
          scanOptions: () => parseScanArgs(scanArgv, new Date()),
          ...(fleet.parallel !== null ? { parallel: fleet.parallel } : {}),
          ...(fleet.hostTimeoutSeconds !== null ? { hostTimeoutMs: fleet.hostTimeoutSeconds * 1000 } : {}),
          ...(fleet.sshConfig !== null ? { sshConfigPath: fleet.sshConfig } : {}),
          logger,
        })
      : localScanner;
  const scans = new ScanService({
    store,
    scanner,
    onError: (e) => logger.warn('scan failed', { code: 'SERVE_SCAN_FAILED', error: (e as Error)?.message }),
  });
  const containment = engineActionRunner(
    {
      host,
      extraActions: await panelActions(host, config),
      journalPath: v.journal ?? (io.env.SPAMTRACE_ACT_JOURNAL || DEFAULT_JOURNAL),
      roots: [config.roots.vhosts, config.roots.confixx],
      quarantineDir: DEFAULT_QUARANTINE_DIR,
    },
    store,
  );
  const notifyConfig = loadNotifyConfig(resolveNotifyConfigPath(v['notify-config'], io.env));
  const actions = notifyConfig ? withCustomerNotice(containment, store, notifyConfig, () => latestReport(store)?.report ?? null) : containment;
  const app = createApp({
    store,
    scans,
    actions,
    panelHosts,
    panelKey,
    localAdmin,
    outboundIps,
    watch: watchView(DEFAULT_WATCH_DIR, async (id, actor) => {
      const r = await containment.undo(id, actor);
      return { ok: r.verified, observations: r.observations };
    }),
    panelOrigin,
    forwardedOnly,
    onForwardRefused: (reason, path) => logger.warn('forwarded request refused', { code: 'SERVE_FORWARD_REFUSED', reason, path: path.slice(0, 200) }),
    secureCookies,
    onError: (e) => logger.error('request failed', { code: 'SERVE_REQUEST_FAILED', error: (e as Error)?.message }),
  });
  // a customer's forwarded identity lists all its subscriptions: allow headers beyond Node's 16 KiB
  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, app).listen(listen.port, listen.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', (e) => reject(new SpamtraceError('E_USAGE', `serve: cannot listen on ${listen.host}:${listen.port}: ${e.message}`)));
  });
  const addr = server.address() as AddressInfo;
  io.stderr.write(`spamtrace: serving on http://${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}/ as ${userInfo().username}\n`);
  if (intervalMs > 0) scans.schedule(intervalMs);
  if (v['scan-on-start']) scans.start('start', null);

  return new Promise<number>((resolve) => {
    const stop = (): void => {
      scans.stopSchedule();
      server.close(() => {
        void scans.idle().finally(() => {
          store.close();
          resolve(0);
        });
      });
      server.closeAllConnections?.();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

async function hashPasswordCommand(io: ServeIo): Promise<number> {
  let text = '';
  for await (const chunk of io.stdin) {
    text += chunk.toString();
    if (text.length > 4096) break;
  }
  const password = text.split(/\r?\n/)[0] ?? '';
  if (password.length < 12) throw new SpamtraceError('E_USAGE', 'serve hash-password: give a password of at least 12 characters on stdin');
  io.stdout.write(hashPassword(password) + '\n');
  return 0;
}

/** The server's own non-loopback addresses: where its outgoing mail comes from. */
export function outboundIps(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (!a.internal && !a.address.startsWith('fe80:')) out.push(a.address);
  }
  return [...new Set(out)];
}

export function parseListen(text: string): { host: string; port: number } {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(text);
  const port = Number(m?.[2]);
  if (!m || port < 1 || port > 65535) throw new SpamtraceError('E_USAGE', `--listen takes HOST:PORT, got ${JSON.stringify(text.slice(0, 60))}`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

export function parseDuration(text: string): number {
  const m = /^(\d{1,6})(s|m|h|d)?$/.exec(text);
  if (!m) throw new SpamtraceError('E_USAGE', `--interval takes a duration like 15m or 1h, got ${JSON.stringify(text.slice(0, 40))}`);
  const n = Number(m[1]) * ({ s: 1000, m: 60_000, h: 3600_000, d: 86_400_000 } as const)[(m[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
  if (n !== 0 && n < 60_000) throw new SpamtraceError('E_USAGE', '--interval: at least 1m between scans');
  return n;
}

function parseSecure(v: string | undefined): boolean | 'auto' {
  if (v === undefined || v === 'auto') return 'auto';
  if (v === 'yes') return true;
  if (v === 'no') return false;
  throw new SpamtraceError('E_USAGE', '--secure-cookies takes yes, no or auto');
}

/** --panel-hosts: only with --hosts; "all" or aliases of the scanned fleet. */
export function parsePanelHosts(v: string | undefined, fleetHosts: readonly string[] | null): 'all' | string[] {
  if (fleetHosts === null) {
    if (v !== undefined) throw new SpamtraceError('E_USAGE', '--panel-hosts needs --hosts all|ALIAS...');
    return 'all';
  }
  if (v === undefined) return [];
  if (v === 'all') return 'all';
  const names = v.split(',').filter((x) => x !== '');
  for (const n of names) {
    if (!fleetHosts.includes(n)) throw new SpamtraceError('E_USAGE', `--panel-hosts: ${JSON.stringify(n.slice(0, 80))} is not one of the scanned hosts (${fleetHosts.join(', ')})`);
  }
  return names;
}
