/**
 * Fleet bench: a 20-host fleet scan (20 SSH aliases to one private sshd on 127.0.0.1, each
 * host the real lab) against the same scan run host by host in series, in the same run,
 * plus one local scan for scale. Prints the times and the ratio.
 *
 *   cd /work/main && npx tsc -p . && node dist/bench/fleet-bench.js [--hosts 20] [--parallel 4] [--scenario mixed] [--keep]
 *
 * Root only (sshd, the lab). Holds the lab lock from before labUp until after labDown;
 * the sshd it starts is stopped by pid. A run whose reports differ from the local scan
 * is a broken benchmark: exit 1.
 */
import { cpus } from 'node:os';
import { flushQueue, labDown, labUp, runScenario } from '../test/lab/lab';
import { acquireLabLock, releaseLabLock } from '../test/lab/lab-lock';
import { canRunSshd, startPrivateSshd, type PrivateSshd } from './fleet/private-sshd';
import { parseBenchArgs, FLEET_BENCH_HELP } from './fleet/bench-options';
import { parseFleetConfig } from '../src/fleet/fleet-config';
import { scanFleet } from '../src/fleet/fleet-scan';
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
  try {
    await labUp();
    await flushQueue();
    await runScenario(opts.scenario, { wait: true });
    sshd = await startPrivateSshd({ goodAliases: opts.hosts });
    const config = parseFleetConfig({ sshConfig: sshd.configPath, hosts: sshd.good.map((alias) => ({ alias, roles: ['mail', 'web', 'panel'] })) });
    const scan = parseScanArgs([]);
    const deps = { logger: silentLogger(), now: () => new Date() };

    let t = performance.now();
    const local = await runScan(scan, { host: new LocalHost('local'), logger: deps.logger, progress: quiet, now: deps.now });
    const localMs = performance.now() - t;

    // warm-up: the first SSH logins pay for key loading and page cache; not measured
    await scanFleet(sshd.good.slice(0, 1), { config, scan, parallel: 1 }, deps);

    t = performance.now();
    const parallel = await scanFleet('all', { config, scan, parallel: opts.parallel }, deps);
    const parallelMs = performance.now() - t;
    check('fleet', parallel, local, opts.hosts);

    t = performance.now();
    const series = await scanFleet('all', { config, scan, parallel: 1 }, deps);
    const seriesMs = performance.now() - t;
    check('series', series, local, opts.hosts);

    const perHost = series.hosts.map((h) => h.ms).sort((a, b) => a - b);
    const median = perHost[Math.floor(perHost.length / 2)] ?? 0;
    process.stdout.write(
      [
        `fleet bench: ${opts.hosts} aliases to one sshd on 127.0.0.1, each the lab after "${opts.scenario}" (${local.queue.total} queued messages, ${local.sources.length} sources)`,
        `  local scan (no SSH)            ${sec(localMs)}`,
        `  one host over SSH (median)     ${sec(median)}   (connect + scan, from the series run)`,
        `  series, host by host           ${sec(seriesMs)}`,
        `  fleet, ${opts.parallel} hosts at a time       ${sec(parallelMs)}`,
        `  ratio series / fleet           ${(seriesMs / parallelMs).toFixed(2)}x`,
        `  ratio one host SSH / local     ${(median / localMs).toFixed(2)}x`,
        `  machine: ${cpus().length} CPUs; every host's report matched the local scan`,
        '',
      ].join('\n'),
    );
    return 0;
  } finally {
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
