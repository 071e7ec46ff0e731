/**
 * Fleet bench: the lab scanned locally, then over SSH through a private sshd on 127.0.0.1
 * whose login shell is slow on purpose (--login-shell bench: root's bash reads a ~/.bashrc
 * that only sleeps --login-delay s; root: root's real ~/.bashrc plus that sleep), then a
 * fleet of N aliases to it, a few at a time, all in one run. Prints the times, the ratios
 * against the issue's targets, the remote sessions each host opened (counted by the login
 * script itself, so nothing is missed) and the requests it made.
 *
 *   npm run bench:fleet -- [--hosts 20] [--parallel 4] [--scenario mixed] [--login-delay 1]
 *                          [--login-shell bench|root] [--requests] [--keep]
 *
 * Root only (sshd, the lab). Holds the lab lock from before labUp until after labDown;
 * the sshd it starts is stopped by pid. A run whose reports differ from the local scan
 * is a broken benchmark: exit 1.
 */
import { cpus } from 'node:os';
import { flushQueue, labDown, labUp, runScenario } from '../test/lab/lab';
import { acquireLabLock, releaseLabLock } from '../test/lab/lab-lock';
import { canReplaceLoginRc, canRunSshd, rootBashrc, startPrivateSshd, type PrivateSshd } from './fleet/private-sshd';
import { makeCpuGroup, processTree, type CpuGroup } from './fleet/cpu-meter';
import { readFile } from 'node:fs/promises';
import { formatCpuBreakdown, measurePhase } from './fleet/cpu-breakdown';
import { parseBenchArgs, FLEET_BENCH_HELP } from './fleet/bench-options';
import { parseFleetConfig } from '../src/fleet/fleet-config';
import { scanFleet, type ClosableHost } from '../src/fleet/fleet-scan';
import { SshHost } from '../src/host/ssh-host';
import type { FleetReport } from '../src/fleet/fleet-report';
import type { Report } from '../src/domain/report';
import { LocalHost } from '../src/host/local-host';
import { silentLogger } from '../src/log';
import { parseScanArgs } from '../src/cli/scan-args';
import { runScan } from '../src/scan/run-scan';

const quiet = { update: () => undefined, end: () => undefined };

function fingerprint(r: Report): string {
  return JSON.stringify(r.sources.map((s) => [s.id, s.messages, s.verdict, (s.scripts ?? []).map((f) => f.filePath)]));
}

function check(label: string, fleet: FleetReport, local: Report, hosts: number): void {
  const bad = fleet.hosts.filter((h) => h.state !== 'scanned' || !h.report || fingerprint(h.report) !== fingerprint(local));
  if (fleet.hosts.length !== hosts || bad.length > 0) {
    throw new Error(`${label}: ${bad.length} of ${fleet.hosts.length} hosts differ from the local scan: ${bad.slice(0, 3).map((h) => `${h.alias} ${h.state} ${h.error?.message ?? ''}`).join('; ')}`);
  }
}

const sec = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

async function main(argv: string[]): Promise<number> {
  const opts = parseBenchArgs(argv);
  if (opts.help) {
    process.stdout.write(FLEET_BENCH_HELP);
    return 0;
  }
  if (!canRunSshd()) {
    process.stderr.write('fleet-bench: needs root, openssh-server and openssh-client\n');
    return 2;
  }
  await acquireLabLock();
  let sshd: PrivateSshd | null = null;
  let scannerGroup: CpuGroup | null = null;
  let serverGroup: CpuGroup | null = null;
  let postfixGroup: CpuGroup | null = null;
  try {
    await labUp();
    await flushQueue();
    await runScenario(opts.scenario, { wait: true });
    // the login shell as the issue prescribes it (a 1 s start-up), or root's real one plus that
    const benchRc = opts.loginShell === 'bench' && canReplaceLoginRc();
    const loginWhat =
      opts.loginShell === 'root'
        ? `root's own ${rootBashrc()} (this machine's: pyenv init) plus a ${opts.loginDelay} s sleep per session`
        : benchRc
          ? `bash reading a ~/.bashrc that only sleeps ${opts.loginDelay} s (root's own rc not run; --login-shell root runs it)`
          : `no ${rootBashrc()} to replace: bash with no rc of root's, plus a ${opts.loginDelay} s sleep per session`;
    sshd = await startPrivateSshd({ goodAliases: opts.hosts, ...(benchRc ? { loginRc: opts.loginDelay > 0 ? `sleep ${opts.loginDelay}\n` : '' } : { slowLoginSeconds: opts.loginDelay }) });
    // the scanner (this process, its ssh clients and masters) and the "servers" (the sshd
    // and all it starts) each in a cpuacct group, so the one box's CPU can be split
    scannerGroup = await makeCpuGroup('scanner');
    serverGroup = await makeCpuGroup('servers');
    await scannerGroup?.add(process.pid);
    await serverGroup?.add(sshd.pid);
    postfixGroup = await makeCpuGroup('postfix');
    const master = Number((await readFile('/var/spool/postfix/pid/master.pid', 'utf8').catch(() => '')).trim());
    if (postfixGroup && Number.isInteger(master) && master > 0) for (const pid of await processTree(master)) await postfixGroup.add(pid).catch(() => undefined);
    const groups = { scanner: scannerGroup, servers: serverGroup, postfix: postfixGroup, sshd };
    const config = parseFleetConfig({ sshConfig: sshd.configPath, hosts: sshd.good.map((alias) => ({ alias, roles: ['mail', 'web', 'panel'] })) });
    const scan = parseScanArgs([]);
    // every host the fleet scan opens, kept to count its requests (one round trip each)
    let opened: SshHost[] = [];
    const openHost = async (alias: string, configPath: string): Promise<ClosableHost> => {
      const h = new SshHost({ alias, configPath });
      opened.push(h);
      try {
        await h.connect();
      } catch (e) {
        await h.close();
        throw e;
      }
      return h;
    };
    const deps = { logger: silentLogger(), now: () => new Date(), openHost };

    let t = performance.now();
    const local = await runScan(scan, { host: new LocalHost('local'), logger: deps.logger, progress: quiet, now: deps.now });
    const localMs = performance.now() - t;

    // one host over SSH, connect included, sessions counted by the login script
    const oneRun = await measurePhase(groups, () => scanFleet(sshd!.good.slice(0, 1), { config, scan, parallel: 1 }, deps));
    const one = oneRun.value;
    const oneMs = oneRun.cpu.wallMs;
    const oneSessions = oneRun.cpu.sessions;
    check('one host', one, local, 1);
    const oneRequests = opened.reduce((n, h) => n + h.requestsMade, 0);
    const requestList = opened.flatMap((h) => h.requestLog);
    opened = [];

    const fleetRun = await measurePhase(groups, () => scanFleet('all', { config, scan, parallel: opts.parallel }, deps));
    const fleet = fleetRun.value;
    const fleetMs = fleetRun.cpu.wallMs;
    const fleetSessions = fleetRun.cpu.sessions;
    check('fleet', fleet, local, opts.hosts);
    const fleetRequests = opened.reduce((n, h) => n + h.requestsMade, 0);

    const oneTarget = Math.max(2 * localMs, localMs + 5000);
    const verdict = (ok: boolean): string => (ok ? 'ok' : 'MISSED');
    process.stdout.write(
      [
        `fleet bench: the lab after "${opts.scenario}" (${local.queue.total} queued messages, ${local.sources.length} sources)`,
        `  remote login shell (--login-shell ${opts.loginShell}): ${loginWhat}`,
        `  local scan (no SSH)                  ${sec(localMs)}`,
        `  one host over SSH (connect + scan)   ${sec(oneMs)}   target <= max(2 x local, local + 5 s) = ${sec(oneTarget)}: ${verdict(oneMs <= oneTarget)}`,
        `  remote sessions for that host        ${oneSessions}   target <= 8: ${verdict(oneSessions <= 8)}`,
        `  ${opts.hosts} hosts, ${opts.parallel} at a time              ${sec(fleetMs)}   = ${(fleetMs / oneMs).toFixed(2)} x one host, target <= 6 x: ${verdict(fleetMs <= 6 * oneMs)}`,
        `  remote sessions per host in the fleet ${(fleetSessions / opts.hosts).toFixed(1)} (${fleetSessions} for ${opts.hosts} hosts)`,
        `  remote requests for one host         ${oneRequests}; per host in the fleet ${(fleetRequests / opts.hosts).toFixed(1)} (each one round trip and at least one process start on the server)`,
        `  ratio one host SSH / local           ${(oneMs / localMs).toFixed(2)}x`,
        `  machine: ${cpus().length} CPUs; every host's report matched the local scan`,
        '',
        ...formatCpuBreakdown({ one: oneRun.cpu, fleet: fleetRun.cpu, hosts: opts.hosts, parallel: opts.parallel, cores: cpus().length }),
        '',
        ...(opts.requests ? [`requests of the one-host scan, in order (${requestList.length}):`, ...requestList.map((r, i) => `  ${String(i + 1).padStart(3)} ${r}`), ''] : []),
      ].join('\n'),
    );
    return 0;
  } finally {
    await scannerGroup?.remove();
    await serverGroup?.remove();
    await postfixGroup?.remove();
    await sshd?.stop();
    if (!opts.keep) await labDown();
    await releaseLabLock();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`fleet-bench: ${(e as Error).message}\n`);
    process.exitCode = 1;
  },
);
