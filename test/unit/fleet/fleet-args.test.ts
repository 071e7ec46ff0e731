import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractFleetArgs } from '../../../src/cli/fleet-args';
import { resolveFleetConfig } from '../../../src/cli/fleet-command';
import { parseScanArgs } from '../../../src/cli/scan-args';
import { SpamtraceError } from '../../../src/errors';

test('without --hosts the argv is left to the single-host scan', () => {
  assert.equal(extractFleetArgs(['--json', '--since', '24h']), null);
});

test('--hosts takes several words or commas, and the rest still parses as scan options', () => {
  const r = extractFleetArgs(['--json', '--hosts', 'mx1', 'web1,plesk1', '--since', '24h', '--host-parallel', '8', '--host-timeout=60', '--ssh-config', '/x/cfg']);
  assert.ok(r);
  assert.deepEqual(r.fleet, { hosts: ['mx1', 'web1', 'plesk1'], fleetFile: null, sshConfig: '/x/cfg', parallel: 8, hostTimeoutSeconds: 60 });
  assert.deepEqual(r.rest, ['--json', '--since', '24h']);
  const options = parseScanArgs(r.rest, new Date('2026-11-28T12:00:00Z'));
  assert.equal(options.json, true);
  assert.equal(options.since?.toISOString(), '2026-11-27T12:00:00.000Z');
});

test('--hosts all is "all"; mixing it with aliases, a missing value or offline files is a usage error', () => {
  assert.equal(extractFleetArgs(['--hosts', 'all'])?.fleet.hosts, 'all');
  const usage = (argv: string[], re: RegExp): void =>
    assert.throws(() => extractFleetArgs(argv), (e: unknown) => e instanceof SpamtraceError && e.code === 'E_USAGE' && re.test(e.message), argv.join(' '));
  usage(['--hosts', 'all', 'mx1'], /either "all" or aliases/);
  usage(['--hosts'], /needs "all" or one or more/);
  usage(['--hosts', 'mx1', '--queue-file', 'q.txt'], /--queue-file reads local files/);
  usage(['--hosts', 'mx1', '--host-parallel', '0'], /from 1 to 64/);
  usage(['--fleet', 'f.json'], /--fleet needs --hosts/);
  usage(['--hosts', '-oProxyCommand=x'], /needs "all"/);
  usage(['--hosts=a;b'], /not an SSH alias/);
});

test('without a fleet file every named alias is a full node; "all" means every alias in the SSH config', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'spamtrace-fleetargs-'));
  try {
    const cfg = join(dir, 'ssh_config');
    writeFileSync(cfg, 'Host mx1 mx2\n  HostName 10.0.0.1\nHost web-*\n  User root\nHost *\n  Port 22\n');
    const env = {};
    const named = await resolveFleetConfig({ hosts: ['a'], fleetFile: null, sshConfig: cfg, parallel: null, hostTimeoutSeconds: null }, env);
    assert.deepEqual(named.hosts, [{ alias: 'a', roles: ['mail', 'web', 'panel'], webFrom: null }]);
    const all = await resolveFleetConfig({ hosts: 'all', fleetFile: null, sshConfig: cfg, parallel: null, hostTimeoutSeconds: null }, env);
    assert.deepEqual(all.hosts.map((h) => h.alias), ['mx1', 'mx2']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the fleet exit code: 2 when no host could be scanned, 1 when any host has spam, 3 when some hosts failed, else 0', async () => {
  const { fleetExitCode } = await import('../../../src/cli/fleet-command');
  const summary = (s: object) => ({ summary: { hosts: 2, scanned: 1, checked: 0, failed: 1, spamSources: 0, ms: 1, ...s } }) as Parameters<typeof fleetExitCode>[0];
  assert.equal(fleetExitCode(summary({ spamSources: 2 })), 1);
  // one host scanned clean, one unreachable: a cron job alerting on non-zero must see it
  assert.equal(fleetExitCode(summary({})), 3);
  assert.equal(fleetExitCode(summary({ failed: 0, hosts: 1 })), 0);
  assert.equal(fleetExitCode(summary({ scanned: 0, failed: 2 })), 2);
  assert.equal(fleetExitCode(summary({ scanned: 0, checked: 1, failed: 0 })), 0);
  assert.equal(fleetExitCode(summary({ scanned: 0, checked: 1, failed: 1 })), 3);
});
