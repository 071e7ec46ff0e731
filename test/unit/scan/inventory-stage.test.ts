import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadInventory } from '../../../src/scan/inventory-stage';
import { DEFAULT_CONFIG, type SpamtraceConfig } from '../../../src/config/config-types';
import { LocalHost } from '../../../src/host/local-host';
import { createLogger } from '../../../src/log';
import { PleskEmulator } from '../../plesk-emulator/server';
import { generatePleskData } from '../../plesk-emulator/data';
import { RoutedHost } from '../../../src/fleet/routed-host';
import { FakeHost } from '../collect/fake-host';
import { writeConfixxConf } from '../../confixx-db/confixx-fixture';

const host = new LocalHost('test');
const logger = createLogger({ level: 'error' });
const asRoot = process.getuid?.() === 0;
const NONE = { vhostsRoot: null, confixxRoot: null, staticMap: null };

function configWith(over: Partial<SpamtraceConfig>, dir: string): SpamtraceConfig {
  return { ...DEFAULT_CONFIG, roots: { vhosts: join(dir, 'vhosts'), confixx: join(dir, 'www') }, ...over };
}

test('panel plesk: the scan takes customers and resellers from the Plesk API', { skip: asRoot ? false : 'the API key file must be root-owned' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'inv-stage-'));
  const data = generatePleskData({ subscriptions: 20, resellers: 2, customersPerReseller: 3, seed: 7 });
  const emu = await PleskEmulator.start({ data, apiKey: 'k-123' });
  try {
    const keyFile = join(dir, 'key');
    writeFileSync(keyFile, 'k-123\n', { mode: 0o600 });
    const config = configWith({ panel: 'plesk', plesk: { url: emu.url, apiKeyFile: keyFile, tls: { caFile: null, fingerprint256: null } } }, dir);
    const r = await loadInventory(host, NONE, logger, config);
    assert.match(r.source, /plesk/);
    assert.equal(r.subscriptions.length, 20);
    assert.ok(r.subscriptions.every((s) => s.panel === 'plesk' && s.customer !== null));
    assert.ok(r.subscriptions.some((s) => s.reseller !== null));
  } finally {
    await emu.close();
  }
});

test('panel plesk with a wrong key: falls back, says so, and never maps from a guess', { skip: asRoot ? false : 'the API key file must be root-owned' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'inv-stage-'));
  const data = generatePleskData({ subscriptions: 5, resellers: 1, customersPerReseller: 2, seed: 8 });
  const emu = await PleskEmulator.start({ data, apiKey: 'right' });
  try {
    const keyFile = join(dir, 'key');
    writeFileSync(keyFile, 'wrong\n', { mode: 0o600 });
    const config = configWith({ panel: 'plesk', plesk: { url: emu.url, apiKeyFile: keyFile, tls: { caFile: null, fingerprint256: null } } }, dir);
    const r = await loadInventory(host, NONE, logger, config);
    assert.doesNotMatch(r.source, /plesk-api/);
    assert.ok(r.warnings.some((w) => /401|key|fall/i.test(w)), r.warnings.join(' | '));
    assert.equal(r.subscriptions.length, 0, 'an empty vhosts root maps nothing');
  } finally {
    await emu.close();
  }
});

test('offline scans never ask this server\'s panel', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'inv-stage-'));
  const config = configWith({ panel: 'plesk', plesk: { url: 'http://127.0.0.1:1/api/v2', apiKeyFile: join(dir, 'none'), tls: { caFile: null, fingerprint256: null } } }, dir);
  const r = await loadInventory(host, NONE, logger, config, false);
  assert.doesNotMatch(r.source, /plesk-api|plesk-cli/);
  assert.ok(!r.warnings.some((w) => /Plesk API/.test(w)));
});

test('the panel is looked for on the scanned host through its Host, never on the scanner', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'inv-stage-'));
  const asked: string[] = [];
  // a "remote" host that has Confixx's config file; this machine has none
  class ConfixxBox extends LocalHost {
    override async stat(p: string) {
      asked.push(p);
      if (p === '/root/confixx/confixx_main.conf') return { path: p, size: 10, mtime: new Date(), mode: 0o100600, uid: 0, gid: 0, isFile: true, isDirectory: false, isSymbolicLink: false };
      return p === '/usr/local/psa' ? null : super.stat(p);
    }
  }
  const r = await loadInventory(new ConfixxBox('confixx-box'), NONE, logger, configWith({}, dir));
  assert.deepEqual(asked.slice(0, 2), ['/usr/local/psa', '/root/confixx/confixx_main.conf']);
  // the conf file is then read through the same Host (here it is not really there): Confixx was chosen
  assert.ok(r.warnings.some((w) => /confixx/i.test(w)), r.warnings.join(' | '));
});

test('a split mail/web pair: Confixx is looked for on both nodes and its database is asked through the node that has it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'inv-stage-'));
  const confFile = writeConfixxConf(dir, { server: '127.0.0.1:3306', user: 'confixx', password: 'pw', database: 'confixx' });
  // both nodes answer mysql with "access denied", so the inventory falls back: what matters is who was asked
  const denied = (program: string) => (program === 'mysql' ? { code: 1, stderr: "ERROR 1045 (28000): Access denied for user 'confixx'@'localhost'\n" } : { code: 0 });
  /** a node on which confixx_main.conf is (not) there */
  class Node extends FakeHost {
    constructor(private readonly hasConf: boolean) {
      super(denied);
    }
    override stat(p: string) {
      return p === confFile && !this.hasConf ? Promise.resolve(null) : super.stat(p);
    }
  }
  const config = configWith({ confixx: { ...DEFAULT_CONFIG.confixx, confFile } }, dir);
  const mysqlCalls = (h: FakeHost) => h.calls.filter((c) => c.program === 'mysql').length;
  for (const [onWeb, onMail] of [
    [true, false],
    [false, true],
    [true, true],
  ] as const) {
    const mail = new Node(onMail);
    const web = new Node(onWeb);
    const r = await loadInventory(new RoutedHost(mail, web, [join(dir, 'www')]), NONE, logger, config);
    assert.ok(r.warnings.some((w) => /confixx inventory failed .*access denied/.test(w)), r.warnings.join(' | '));
    // the web node wins when both have it: Confixx lives with the sites
    assert.deepEqual([mysqlCalls(web) > 0, mysqlCalls(mail) > 0], onWeb ? [true, false] : [false, true], `conf on web ${onWeb}, on mail ${onMail}`);
  }
});
