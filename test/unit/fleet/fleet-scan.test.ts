/**
 * The fan-out on real scans: every host scans the seed case offline through a LocalHost
 * (the SSH side has its own tests), so what is tested here is the fleet's part: the
 * bound, the deadline, isolation of failing hosts, host tags and the cross-host section.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalHost } from '../../../src/host/local-host';
import type { RunOptions, RunResult } from '../../../src/host/host';
import { SshError } from '../../../src/host/ssh/ssh-errors';
import { silentLogger } from '../../../src/log';
import { parseScanArgs } from '../../../src/cli/scan-args';
import { parseFleetConfig, type FleetRole } from '../../../src/fleet/fleet-config';
import { scanFleet, type ClosableHost, type HostProgressEvent } from '../../../src/fleet/fleet-scan';
import { renderFleetText } from '../../../src/fleet/render-fleet-text';
import { packageRoot } from '../../../src/package-root';

const seed = join(packageRoot(), 'examples', 'seed');
const offline = parseScanArgs(['--queue-file', join(seed, 'mailq.txt'), '--postcat-file', join(seed, 'postcat.txt'), '--passwd-file', join(seed, 'passwd')]);

class TestHost extends LocalHost implements ClosableHost {
  closed = false;
  async close(): Promise<void> {
    this.closed = true;
  }
}

/** A live scan on a machine without Postfix: the programs are not there. */
class NoPostfixHost extends TestHost {
  override async run(program: string, args: readonly string[], options?: RunOptions): Promise<RunResult> {
    if (/post(conf|queue|cat)$/.test(program)) {
      return { code: null, signal: null, stdout: '', stderr: '', truncated: false, timedOut: false, spawnError: { code: 'ENOENT', message: `${program}: not found` } };
    }
    return super.run(program, args, options);
  }
  override async effectiveUid(): Promise<number> {
    return 0;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'spamtrace-fleetscan-'));
const sshConfig = join(dir, 'ssh_config');
writeFileSync(sshConfig, 'Host mx*\n  User root\n  HostName 10.0.0.9\n  ProxyJump bastion\n');
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

function fleet(aliases: string[], roles: FleetRole[] = ['mail', 'web', 'panel']) {
  return parseFleetConfig({ sshConfig, hosts: aliases.map((alias) => ({ alias, roles })) });
}

test('a down host, a changed key and a hung host are reported; the others complete', async () => {
  const opened: TestHost[] = [];
  const report = await scanFleet(
    'all',
    { config: fleet(['mx1', 'mx2', 'down', 'badkey', 'hung']), scan: offline, hostTimeoutMs: 1500 },
    {
      logger: silentLogger(),
      now: () => new Date(),
      openHost: async (alias) => {
        if (alias === 'down') throw new SshError('unreachable', alias, 'down: the server cannot be reached (ssh: Connection refused)');
        if (alias === 'badkey') throw new SshError('host-key-changed', alias, 'badkey: its host key has CHANGED');
        if (alias === 'hung') return new Promise<ClosableHost>(() => undefined);
        const h = new TestHost(alias);
        opened.push(h);
        return h;
      },
    },
  );
  const by = new Map(report.hosts.map((h) => [h.alias, h]));
  assert.deepEqual(report.hosts.map((h) => h.alias), ['mx1', 'mx2', 'down', 'badkey', 'hung'], 'in the order asked');
  assert.equal(by.get('mx1')?.state, 'scanned');
  assert.equal(by.get('mx2')?.state, 'scanned');
  assert.equal(by.get('down')?.error?.kind, 'unreachable');
  assert.equal(by.get('badkey')?.error?.kind, 'host-key-changed');
  assert.equal(by.get('hung')?.error?.kind, 'scan-timeout');
  assert.match(by.get('hung')?.error?.message ?? '', /no result within 2 s/);
  assert.deepEqual(report.summary, { ...report.summary, hosts: 5, scanned: 2, failed: 3 });
  assert.equal(by.get('mx1')?.target, 'root@10.0.0.9:22 via bastion');
  assert.ok(opened.every((h) => h.closed), 'every connection is closed at the end');
});

test('a live scan of a host without Postfix fails that host with E_POSTFIX_MISSING, not the fleet', async () => {
  const live = parseScanArgs([]);
  const report = await scanFleet('all', { config: fleet(['nopostfix', 'down']), scan: live }, {
    logger: silentLogger(),
    now: () => new Date(),
    openHost: async (a) => {
      if (a === 'down') throw new SshError('unreachable', a, 'down: unreachable');
      return new NoPostfixHost(a);
    },
  });
  const h = report.hosts[0]!;
  assert.equal(h.state, 'failed');
  assert.equal(h.error?.code, 'E_POSTFIX_MISSING', h.error?.message);
  assert.equal(report.hosts[1]?.error?.kind, 'unreachable');
});

test('every source carries its host, and the seed spammer on two hosts is called out across hosts', async () => {
  const report = await scanFleet(['mx1', 'mx2'], { config: fleet(['mx1', 'mx2']), scan: offline }, { logger: silentLogger(), now: () => new Date(), openHost: async (a) => new TestHost(a) });
  for (const h of report.hosts) {
    assert.equal(h.report?.host, h.alias);
    assert.ok(h.report!.sources.length > 0);
    assert.ok(h.report!.sources.every((s) => s.host === h.alias));
  }
  assert.equal(report.summary.spamSources, 4, 'two spam sources on each host');
  // the seed's stolen login comes from 93.120.196.244
  const ip = report.crossHost.ips.find((i) => i.value === '93.120.196.244');
  assert.ok(ip, JSON.stringify(report.crossHost));
  assert.deepEqual(ip.hosts.map((h) => h.host), ['mx1', 'mx2']);
  // the seed's queue files carry no X-PHP-Originating-Script and there are no web logs
  assert.deepEqual(report.crossHost.scripts, []);
  const text = renderFleetText(report);
  assert.match(text, /^== mx1 \(root@10\.0\.0\.9:22 via bastion\) \[mail, web, panel\]: scanned in/m);
  assert.match(text, /93\.120\.196\.244 \[SASL login client\] on 2 hosts: mx1 \(sasl:/);
});

test('at most `parallel` hosts run at once, and each host reports connecting, then done or failed', async () => {
  let active = 0;
  let max = 0;
  const events: HostProgressEvent[] = [];
  const aliases = ['mx1', 'mx2', 'mx3', 'mx4', 'mx5', 'mx6'];
  await scanFleet(
    aliases,
    { config: fleet(aliases), scan: offline, parallel: 2 },
    {
      logger: silentLogger(),
      now: () => new Date(),
      onProgress: (e) => {
        events.push(e);
        if (e.phase === 'connecting') max = Math.max(max, ++active);
        if (e.phase === 'done' || e.phase === 'failed') active--;
      },
      openHost: async (a) => {
        await new Promise((r) => setTimeout(r, 30));
        return new TestHost(a);
      },
    },
  );
  assert.equal(max, 2);
  for (const a of aliases) {
    const phases = events.filter((e) => e.alias === a && e.phase !== 'scanning').map((e) => e.phase);
    assert.deepEqual(phases, ['connecting', 'done'], a);
  }
});

test('a web-only node is checked (reachable, inventory counted), not scanned for a queue it has not got', async () => {
  const report = await scanFleet('all', { config: fleet(['webonly'], ['web']), scan: offline }, { logger: silentLogger(), now: () => new Date(), openHost: async (a) => new TestHost(a) });
  assert.equal(report.hosts[0]?.state, 'checked');
  assert.equal(report.hosts[0]?.report, null);
});
