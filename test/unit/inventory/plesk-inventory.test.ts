import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { PleskInventory, type PleskInventoryOptions } from '../../../src/inventory/plesk/plesk-inventory';
import { getentUidLookup, passwdFileUidLookup } from '../../../src/inventory/plesk/uid-lookup';
import { isPleskError } from '../../../src/inventory/plesk/errors';
import type { Inventory, InventoryResult, Subscription } from '../../../src/domain/subscription';
import { LocalHost } from '../../../src/host/local-host';
import { FilesystemInventory } from '../../../src/inventory/filesystem/discover';
import { mkdtempSync } from 'node:fs';
import { PleskEmulator } from '../../plesk-emulator/server';
import { generatePleskData, type EmuDomain, type PleskData } from '../../plesk-emulator/data';
import { writePasswdFor, type PasswdFixture } from '../../plesk-emulator/passwd';

const KEY = 'test-key-7f3a';
const host = new LocalHost('test');
const NO_PLESK = join(tmpdir(), 'no-such-dir-for-spamtrace', 'plesk');

function options(emu: PleskEmulator, passwd: PasswdFixture, extra: Partial<PleskInventoryOptions> = {}): PleskInventoryOptions {
  return {
    host,
    api: { baseUrl: emu.url, apiKey: KEY },
    pleskCli: NO_PLESK,
    uidLookup: passwdFileUidLookup(host, passwd.path),
    ...extra,
  };
}

/** What the emulated panel holds, computed independently of the adapter. */
function expected(data: PleskData): Map<string, { main: EmuDomain; domains: string[] }> {
  const byId = new Map(data.domains.map((d) => [d.id, d]));
  const root = (d: EmuDomain): EmuDomain => (d.base_domain_id === 0 ? d : root(byId.get(d.base_domain_id)!));
  const out = new Map<string, { main: EmuDomain; domains: string[] }>();
  for (const d of data.domains) {
    const r = root(d);
    const e = out.get(String(r.id)) ?? { main: r, domains: [] };
    e.domains.push(d.name);
    out.set(String(r.id), e);
  }
  return out;
}

function ownerOf(data: PleskData, main: EmuDomain): { customer: string; reseller: string | null } {
  const owner = data.clients.find((c) => c.id === main.ownerId)!;
  if (owner.type === 'reseller') return { customer: owner.login, reseller: owner.login };
  if (owner.type === 'admin') return { customer: owner.login, reseller: null };
  const up = data.clients.find((c) => c.login === owner.owner_login)!;
  return { customer: owner.login, reseller: up.type === 'reseller' ? up.login : null };
}

function checkMapped(s: Subscription, data: PleskData, want: { main: EmuDomain; domains: string[] }, passwd: PasswdFixture): void {
  assert.equal(s.sysUser, want.main.sysUser, s.domains[0]);
  assert.equal(s.uid, passwd.uids.get(want.main.sysUser!), s.domains[0]);
  assert.equal(s.domains[0], want.main.name);
  assert.deepEqual([...s.domains].sort(), [...want.domains].sort());
  assert.deepEqual([...s.logDirs].sort(), want.domains.map((n) => `/var/www/vhosts/system/${n}/logs`).sort());
  assert.equal(s.homeDir, `/var/www/vhosts/${want.main.name}`);
  assert.ok(s.docRoots.includes(`/var/www/vhosts/${want.main.name}/httpdocs`));
  const o = ownerOf(data, want.main);
  assert.equal(s.customer?.login, o.customer);
  assert.equal(s.reseller?.login ?? null, o.reseller);
}

test('5,000 subscriptions under several resellers: every one mapped to its uid and log directories', async () => {
  const data = generatePleskData({ subscriptions: 5000, resellers: 5, customersPerReseller: 40, seed: 42 });
  const passwd = writePasswdFor(data);
  const emu = await PleskEmulator.start({ data, apiKey: KEY, latencyMs: 1 });
  const inv = new PleskInventory(options(emu, passwd, { concurrency: 8 }));
  try {
    const t0 = Date.now();
    const r = await inv.list();
    const ms = Date.now() - t0;
    console.log(`# 5,000 subscriptions, ${data.domains.length} domains: ${ms} ms, ${emu.stats.requests} requests, max ${emu.stats.maxInFlight} in flight`);
    assert.equal(r.source, 'plesk-api');
    assert.deepEqual(r.warnings, []);
    const want = expected(data);
    assert.equal(r.subscriptions.length, 5000);
    assert.equal(want.size, 5000);
    for (const s of r.subscriptions) checkMapped(s, data, want.get(s.id)!, passwd);
    const resellers = new Set(r.subscriptions.map((s) => s.reseller?.login).filter(Boolean));
    assert.equal(resellers.size, 5);
    assert.ok(r.subscriptions.some((s) => s.domains.some((d) => d.startsWith('shop.addon-'))), 'a subdomain of an add-on domain is grouped too');
    const withLocale = r.subscriptions.find((s) => s.customer?.login.includes('-c0'))!;
    assert.match(withLocale.customer!.locale ?? '', /^[a-z]{2}-[A-Z]{2}$/);
    assert.match(withLocale.customer!.email ?? '', /@mail\.example$/);
    // bounded: never more than 8 subscriptions' calls at once, but really concurrent
    assert.ok(emu.stats.maxInFlight <= 8, `max in flight ${emu.stats.maxInFlight}`);
    assert.ok(emu.stats.maxInFlight >= 4, `max in flight ${emu.stats.maxInFlight}`);
    assert.equal(emu.stats.cliCalls.get('domain --info'), 5000);
  } finally {
    inv.close();
    await emu.close();
  }
});

function fallbackInventory(): Inventory & { calls: number } {
  const inv = {
    name: 'filesystem',
    calls: 0,
    async list(): Promise<InventoryResult> {
      inv.calls++;
      return { subscriptions: [], source: 'filesystem', warnings: ['filesystem: 0 webspaces found'] };
    },
  };
  return inv;
}

test('a bad API key falls back (no local plesk program here) to the filesystem layout, with a warning', async () => {
  const data = generatePleskData({ subscriptions: 10, seed: 3 });
  const passwd = writePasswdFor(data);
  const emu = await PleskEmulator.start({ data, apiKey: KEY });
  const fallback = fallbackInventory();
  const inv = new PleskInventory({ ...options(emu, passwd, { fallback }), api: { baseUrl: emu.url, apiKey: 'wrong' } });
  try {
    const r = await inv.list();
    assert.equal(r.source, 'filesystem');
    assert.equal(fallback.calls, 1);
    assert.ok(r.warnings.some((w) => /Plesk API .*401.*Authorization is required.*falling back to the filesystem layout/.test(w)), r.warnings.join('\n'));
    assert.ok(r.warnings.includes('filesystem: 0 webspaces found'));
  } finally {
    inv.close();
    await emu.close();
  }
});

test('with no source left, the error carries what Plesk said', async () => {
  const data = generatePleskData({ subscriptions: 3, seed: 3 });
  const emu = await PleskEmulator.start({ data, apiKey: KEY });
  const inv = new PleskInventory({ host, api: { baseUrl: emu.url, apiKey: 'wrong' }, pleskCli: NO_PLESK });
  try {
    await assert.rejects(inv.list(), (e: unknown) => isPleskError(e) && e.code === 'E_PLESK_API' && /Authorization is required/.test(e.message) && /not found/.test(e.message));
  } finally {
    inv.close();
    await emu.close();
  }
});

test('an unreachable API falls back too', async () => {
  const fallback = fallbackInventory();
  const inv = new PleskInventory({ host, api: { baseUrl: 'http://127.0.0.1:9/api/v2', apiKey: KEY, timeoutMs: 2000 }, pleskCli: false, fallback });
  const r = await inv.list();
  assert.equal(r.source, 'filesystem');
  assert.ok(r.warnings.some((w) => /ECONNREFUSED|failed/.test(w)), r.warnings.join('\n'));
  inv.close();
});

test('API 500s in the middle of a listing: the affected subscriptions are unmapped, none is mapped wrong', async () => {
  const data = generatePleskData({ subscriptions: 600, resellers: 3, seed: 11 });
  const passwd = writePasswdFor(data);
  const emu = await PleskEmulator.start({ data, apiKey: KEY });
  const mains = data.domains.filter((d) => d.base_domain_id === 0);
  const brokenInfo = new Set(mains.filter((_, i) => i % 50 === 7).map((d) => d.name));
  const brokenClient = new Set(mains.filter((_, i) => i % 50 === 23).map((d) => d.id));
  let transient = 0;
  emu.fault = (req) => {
    const params = (req.body as { params?: string[] } | null)?.params;
    if (req.path === '/cli/domain/call' && params && brokenInfo.has(params[1]!)) return { status: 500 };
    const m = /^\/domains\/(\d+)\/client$/.exec(req.path);
    if (m && brokenClient.has(Number(m[1]))) return { status: 500 };
    // one more subscription fails once only: the retry must recover it
    if (req.path === '/cli/domain/call' && params?.[1] === mains[300]!.name && transient++ === 0) return { status: 503 };
    return null;
  };
  const inv = new PleskInventory(options(emu, passwd));
  try {
    const r = await inv.list();
    assert.equal(r.source, 'plesk-api');
    const want = expected(data);
    assert.equal(r.subscriptions.length, mains.length);
    let unmapped = 0;
    for (const s of r.subscriptions) {
      const w = want.get(s.id)!;
      if (brokenInfo.has(w.main.name)) {
        unmapped++;
        assert.equal(s.sysUser, null);
        assert.equal(s.uid, null);
        assert.ok(r.warnings.some((x) => x.includes(`subscription ${w.main.name}: system user unknown`) && x.includes('500')));
      } else {
        assert.equal(s.sysUser, w.main.sysUser);
        assert.equal(s.uid, passwd.uids.get(w.main.sysUser!));
      }
      if (brokenClient.has(w.main.id)) {
        assert.equal(s.customer, null);
        assert.equal(s.reseller, null);
      } else assert.equal(s.customer?.login, ownerOf(data, w.main).customer);
      // log dirs come from the domain list and stay right either way
      assert.deepEqual([...s.logDirs].sort(), w.domains.map((n) => `/var/www/vhosts/system/${n}/logs`).sort());
    }
    assert.equal(unmapped, brokenInfo.size);
    assert.equal(transient, 2, 'the transient 503 was retried once');
  } finally {
    inv.close();
    await emu.close();
  }
});

test('a key revoked in the middle abandons the API listing for the fallback instead of a half one', async () => {
  const data = generatePleskData({ subscriptions: 200, seed: 5 });
  const passwd = writePasswdFor(data);
  const emu = await PleskEmulator.start({ data, apiKey: KEY });
  let n = 0;
  emu.fault = () => (++n > 100 ? { status: 401, body: { code: 401, message: 'API key is revoked' } } : null);
  const fallback = fallbackInventory();
  const inv = new PleskInventory(options(emu, passwd, { fallback }));
  try {
    const r = await inv.list();
    assert.equal(r.source, 'filesystem');
    assert.ok(r.warnings.some((w) => w.includes('API key is revoked')), r.warnings.join('\n'));
  } finally {
    inv.close();
    await emu.close();
  }
});

test('a system user without a passwd entry keeps its name but no uid, and says so', async () => {
  const data = generatePleskData({ subscriptions: 20, seed: 9 });
  const missing = data.domains[0]!.sysUser!;
  const passwd = writePasswdFor(data, { omit: (l) => l === missing });
  const emu = await PleskEmulator.start({ data, apiKey: KEY });
  const inv = new PleskInventory(options(emu, passwd));
  try {
    const r = await inv.list();
    const s = r.subscriptions.find((x) => x.sysUser === missing)!;
    assert.equal(s.uid, null);
    assert.ok(r.warnings.some((w) => w.includes(`system user ${missing} has no passwd entry`)));
  } finally {
    inv.close();
    await emu.close();
  }
});

test('the listing is cached for its TTL on the injected clock, then read again', async () => {
  const data = generatePleskData({ subscriptions: 30, seed: 13 });
  const passwd = writePasswdFor(data);
  const emu = await PleskEmulator.start({ data, apiKey: KEY });
  let now = 1_000_000;
  const inv = new PleskInventory(options(emu, passwd, { cacheTtlMs: 60_000, clock: () => now }));
  try {
    const [a, b] = await Promise.all([inv.list(), inv.list()]);
    const afterFirst = emu.stats.requests;
    assert.deepEqual(a, b);
    assert.equal(afterFirst, 2 + 2 * 30, 'two concurrent callers share one load');
    a.subscriptions[0]!.domains.push('tampered.example');

    now += 59_000;
    const c = await inv.list();
    assert.equal(emu.stats.requests, afterFirst, 'within the TTL: no request');
    assert.ok(!c.subscriptions[0]!.domains.includes('tampered.example'), 'a caller cannot change the cache');

    data.domains[0]!.status = 'suspended'; // changed in the panel meanwhile
    assert.equal(c.subscriptions.find((s) => s.id === '1')!.suspended, false);
    now += 2_000;
    const d = await inv.list();
    assert.ok(emu.stats.requests > afterFirst, 'after the TTL: asked again');
    assert.equal(d.subscriptions.find((s) => s.id === '1')!.suspended, true);
  } finally {
    inv.close();
    await emu.close();
  }
});

test('getent resolves many names in one call and leaves unknown or unsafe names out', async () => {
  const lookup = getentUidLookup(host);
  const found = await lookup(['root', 'no_such_user_spamtrace', '-x', 'root']);
  assert.deepEqual([...found], [['root', 0]]);
});

test('the real filesystem-layout inventory takes over when the API refuses the key', async () => {
  const data = generatePleskData({ subscriptions: 3, seed: 4 });
  const passwd = writePasswdFor(data);
  const emu = await PleskEmulator.start({ data, apiKey: KEY });
  const emptyRoot = mkdtempSync(join(tmpdir(), 'plesk-vhosts-'));
  const fallback = new FilesystemInventory(host, { vhostsRoot: emptyRoot, confixxRoot: emptyRoot, passwdFile: passwd.path });
  const inv = new PleskInventory({ ...options(emu, passwd, { fallback }), api: { baseUrl: emu.url, apiKey: 'wrong' } });
  try {
    const r = await inv.list();
    assert.notEqual(r.source, 'plesk-api');
    assert.deepEqual(r.subscriptions, []);
    assert.ok(r.warnings[0]!.includes('falling back to the filesystem layout'), r.warnings.join('\n'));
    assert.ok(r.warnings.length > 1, 'the filesystem inventory says what it found');
  } finally {
    inv.close();
    await emu.close();
  }
});

test('domain aliases listed in /domains aliases[] are names of their subscription', async () => {
  const data = generatePleskData({ subscriptions: 4, seed: 3 });
  const main = data.domains.find((d) => d.base_domain_id === 0)!;
  main.aliases = [`alias-of-${main.name}`];
  const passwd = writePasswdFor(data);
  const emu = await PleskEmulator.start({ data, apiKey: KEY });
  try {
    const inv = new PleskInventory(options(emu, passwd));
    const r = await inv.list();
    inv.close();
    const sub = r.subscriptions.find((s) => s.domains[0] === main.name)!;
    assert.ok(sub.domains.includes(`alias-of-${main.name}`), sub.domains.join(', '));
    assert.equal(r.subscriptions.filter((s) => s.domains.includes(`alias-of-${main.name}`)).length, 1);
  } finally {
    await emu.close();
  }
});
