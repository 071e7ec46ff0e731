/**
 * A fleet for the UI tests, scanned by the real scanFleet (and the real fleetScanner the
 * serve command uses): every "host" is this machine's LocalHost running the offline
 * fixture scan (web-fixture.ts), so no SSH server is needed, and the failing hosts fail
 * the way an SshHost does (an SshError with ssh's hostile stderr, or the scan's own
 * SpamtraceError). Host mx2 reads another owner map: there the spamming uid 4079 is
 * subscription "web274" too (same id, other server) of customer k900 / reseller r9.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalHost } from '../../../src/host/local-host';
import type { Line } from '../../../src/host/host';
import { SshError, type SshFailureKind } from '../../../src/host/ssh/ssh-errors';
import { SpamtraceError } from '../../../src/errors';
import { parseFleetConfig, type FleetConfig } from '../../../src/fleet/fleet-config';
import type { ClosableHost } from '../../../src/fleet/fleet-scan';
import { silentLogger } from '../../../src/log';
import { fleetScanner } from '../../../src/web/fleet-scanner';
import type { Scanner } from '../../../src/web/scan-service';
import { FIXTURE_NOW, fixtureScanOptions, STATIC_MAP } from './web-fixture';

/** What ssh printed for the dead host: markup and quotes, as a hostile DNS name or banner could make it. */
export const HOSTILE_SSH_STDERR = 'ssh: connect to host <script>alert("ssh")</script>.example port 22: Connection refused';

export const MX2_MAP = {
  version: 1,
  subscriptions: [
    { id: 'web274', domains: ['other-web.example'], sysUser: 'web274', uid: 4079, docRoots: ['/var/www/web274/html'], customer: { login: 'k900', email: 'k900@other-web.example' }, reseller: 'r9' },
    { id: 'kunde', domains: ['kunde-beispiel.de'], sysUser: 'kundeuser', uid: 10004, mailboxes: ['kontakt@kunde-beispiel.de'], customer: { login: 'kkunde', email: 'chef@kunde-beispiel.de' }, reseller: 'r2' },
  ],
};

/** A LocalHost under an alias, reading some paths from elsewhere (another host's files). */
class FixtureNode extends LocalHost implements ClosableHost {
  closed = false;
  constructor(alias: string, private readonly redirects: ReadonlyMap<string, string>) {
    super(alias);
  }
  override readLines(path: string, options?: { maxLineBytes?: number }): AsyncIterable<Line> {
    return super.readLines(this.redirects.get(path) ?? path, options);
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

export interface FleetFixture {
  config: FleetConfig;
  sshConfigPath: string;
  scanner: Scanner;
  /** how each alias fails, changeable between scans; absent: it scans */
  failures: Map<string, { kind: SshFailureKind; message: string } | { code: 'E_POSTFIX_MISSING'; message: string }>;
}

export function fleetFixture(aliases = ['mx1', 'mx2', 'dead', 'moved', 'nopf']): FleetFixture {
  const { options, mapFile } = fixtureScanOptions();
  const dir = mkdtempSync(join(tmpdir(), 'web-fleet-'));
  const mx2Map = join(dir, 'mx2-map.json');
  writeFileSync(mx2Map, JSON.stringify(MX2_MAP));
  const sshConfigPath = join(dir, 'ssh_config');
  writeFileSync(sshConfigPath, aliases.map((a, i) => `Host ${a}\n  HostName 192.0.2.${10 + i}\n  User root\n`).join('\n'));
  const config = parseFleetConfig({ hosts: aliases.map((alias) => ({ alias, roles: ['mail', 'web', 'panel'] })) }, '(test)');
  const failures: FleetFixture['failures'] = new Map([
    ['dead', { kind: 'unreachable', message: `dead: unreachable: ${HOSTILE_SSH_STDERR}` }],
    ['moved', { kind: 'host-key-changed', message: 'moved: its host key has CHANGED since it was recorded in known_hosts: this host is not scanned' }],
    ['nopf', { code: 'E_POSTFIX_MISSING', message: 'postqueue not found: is Postfix installed?' }],
  ]);
  const scanner = fleetScanner({
    aliases: 'all',
    config,
    scanOptions: () => ({ ...options, staticMap: mapFile }),
    sshConfigPath,
    logger: silentLogger(),
    now: () => FIXTURE_NOW,
    openHost: async (alias) => {
      const f = failures.get(alias);
      if (f && 'kind' in f) throw new SshError(f.kind, alias, f.message, HOSTILE_SSH_STDERR);
      if (f) throw new SpamtraceError(f.code, f.message);
      return new FixtureNode(alias, alias === 'mx2' ? new Map([[mapFile, mx2Map]]) : new Map());
    },
  });
  return { config, sshConfigPath, scanner, failures };
}

export { STATIC_MAP };
