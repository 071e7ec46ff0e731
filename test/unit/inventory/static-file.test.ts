import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalHost } from '../../../src/host/local-host';
import { parseStaticInventory, StaticInventory } from '../../../src/inventory/static/static-file';
import { discoverSubscriptions } from '../../../src/inventory/filesystem/discover';
import { isSpamtraceError } from '../../../src/errors';

const host = new LocalHost('test');

function sandbox(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'spamtrace-static-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'passwd'), ['web274:x:4079:4079::/var/www/web274:/bin/false', 'shopuser:x:5010:5010::/srv/shop:/bin/false', ''].join('\n'));
  return dir;
}

const GOOD = {
  version: 1,
  _comment: 'server mail1, maintained by hand',
  subscriptions: [
    {
      id: 'web274',
      domains: ['Example.DE', 'shop.example.de.', 'bücher.de'],
      sysUser: 'web274',
      docRoots: ['/var/www/web274/html/'],
      logDirs: ['/var/www/web274/log'],
      mailboxes: ['Info@Example.de', { address: 'kontakt@example.de', panelId: 'web274p1' }],
      customer: { login: 'k1001', name: 'Müller GmbH', email: 'it@mueller.example', locale: 'de-DE' },
      reseller: 'r1',
    },
    { id: 'shop', uid: 5010, domains: ['shop.example.org'], suspended: true },
  ],
};

/** asserts that `fn` throws E_INVENTORY_FILE with every needle in the message */
async function rejectsWith(fn: () => unknown, ...needles: string[]): Promise<void> {
  await assert.rejects(async () => fn(), (e: unknown) => {
    assert.ok(isSpamtraceError(e), String(e));
    assert.equal(e.code, 'E_INVENTORY_FILE');
    for (const n of needles) assert.ok(e.message.includes(n), `"${n}" in: ${e.message}`);
    assert.ok(!e.message.includes('\n'), 'one line');
    return true;
  });
}

test('a good mapping file gives subscriptions with normalised domains and paths, users completed from passwd', async (t) => {
  const dir = sandbox(t);
  writeFileSync(join(dir, 'map.json'), JSON.stringify(GOOD, null, 2));
  const r = await new StaticInventory(host, join(dir, 'map.json'), join(dir, 'passwd')).list();
  assert.equal(r.source, 'static-file');
  assert.deepEqual(r.warnings, []);
  assert.deepEqual(r.subscriptions[0], {
    id: 'web274',
    panel: 'static',
    domains: ['example.de', 'shop.example.de', 'xn--bcher-kva.de'],
    sysUser: 'web274',
    uid: 4079,
    homeDir: '/var/www/web274',
    docRoots: ['/var/www/web274/html'],
    logDirs: ['/var/www/web274/log'],
    mailboxes: [{ address: 'info@example.de' }, { address: 'kontakt@example.de', panelId: 'web274p1' }],
    customer: { login: 'k1001', name: 'Müller GmbH', email: 'it@mueller.example', locale: 'de-DE' },
    reseller: { login: 'r1' },
  });
  assert.equal(r.subscriptions[1]!.sysUser, 'shopuser');
  assert.equal(r.subscriptions[1]!.homeDir, '/srv/shop');
  assert.equal(r.subscriptions[1]!.suspended, true);
});

test('a user passwd does not know is kept with a warning, not an error', async (t) => {
  const dir = sandbox(t);
  writeFileSync(join(dir, 'map.json'), JSON.stringify({ subscriptions: [{ id: 'x', sysUser: 'ghost' }, { id: 'y', uid: 4079, sysUser: 'web274x' }] }));
  const r = await new StaticInventory(host, join(dir, 'map.json'), join(dir, 'passwd')).list();
  assert.equal(r.subscriptions[0]!.uid, null);
  assert.ok(r.warnings.some((w) => w.includes('"ghost" has no passwd entry')), r.warnings.join('\n'));
  assert.equal(r.subscriptions[1]!.sysUser, 'web274x', 'the mapping\'s word stands');
  assert.ok(r.warnings.some((w) => w.includes('passwd gives uid 4079 to "web274", the mapping says "web274x"')), r.warnings.join('\n'));
});

test('bad mapping files are E_INVENTORY_FILE naming the file and the JSON path of each problem', async () => {
  const src = '/etc/spamtrace/inventory.json';
  const parse = (doc: unknown) => () => parseStaticInventory(typeof doc === 'string' ? doc : JSON.stringify(doc), src);
  await rejectsWith(parse('{"subscriptions": [ {"id": "a",'), 'not valid JSON', src);
  // 20,000 levels deep: the file's own error, not a RangeError from walking it
  await rejectsWith(parse(`{"subscriptions": ${'['.repeat(20_000)}${']'.repeat(20_000)}}`), 'nested more than 64 levels deep', src);
  await rejectsWith(parse([]), 'must be a JSON object with "subscriptions"');
  await rejectsWith(parse({ subscriptions: {} }), 'subscriptions: must be an array');
  await rejectsWith(parse({ version: 2, subscriptions: [] }), 'version: must be 1');
  await rejectsWith(parse({ subscriptions: [{ id: 'a', uid: 1, logdirs: ['/x'] }] }), 'subscriptions[0].logdirs: unknown key (allowed: id, domains,');
  await rejectsWith(parse({ subscriptions: [{ id: 'a' }] }), 'subscriptions[0]: needs "sysUser" or "uid"');
  await rejectsWith(parse({ subscriptions: [{ id: 'a', uid: -1 }] }), 'subscriptions[0].uid: must be a whole number');
  await rejectsWith(parse({ subscriptions: [{ id: 'a', sysUser: '$(reboot)' }] }), 'subscriptions[0].sysUser: is not a user name');
  await rejectsWith(parse({ subscriptions: [{ id: 'a', uid: 1, docRoots: ['html'] }] }), 'subscriptions[0].docRoots[0]: must be an absolute path');
  await rejectsWith(parse({ subscriptions: [{ id: 'a', uid: 1, logDirs: ['/var/www/web1/../../etc'] }] }), 'subscriptions[0].logDirs[0]: must not contain "." or ".."');
  await rejectsWith(parse({ subscriptions: [{ id: 'a', uid: 1, domains: ['exa mple.de'] }] }), 'subscriptions[0].domains[0]: is not a domain name');
  await rejectsWith(parse({ subscriptions: [{ id: 'a', uid: 1, mailboxes: ['nobody'] }] }), 'subscriptions[0].mailboxes[0]: is not a mailbox address');
  await rejectsWith(parse({ subscriptions: [{ id: 'a', uid: 1, customer: { name: 'x' } }] }), 'subscriptions[0].customer.login: must be a non-empty string');
  await rejectsWith(parse({ subscriptions: [{ id: 'a', uid: 1, customer: { login: 'k', locale: 'german please' } }] }), 'customer.locale: is not a locale');
  await rejectsWith(parse({ subscriptions: [{ id: 'a\nb', uid: 1 }] }), 'subscriptions[0].id: must be a non-empty string', 'got "a\\nb"');
  await rejectsWith(
    parse({ subscriptions: [{ id: 'a', uid: 1, domains: ['example.de'] }, { id: 'b', uid: 2, domains: ['EXAMPLE.de'] }, { id: 'a', uid: 1 }] }),
    'subscriptions[1]: domain "example.de" is already used by subscriptions[0]',
    'subscriptions[2]: id "a" is already used',
  );
  const many = { subscriptions: Array.from({ length: 8 }, (_, i) => ({ id: `s${i}` })) };
  await rejectsWith(parse(many), '(and 3 more)');
  // every problem at its JSON path, as the other settings files name them (config-check.ts)
  await rejectsWith(parse({ subscriptions: [{ id: 'a', uid: 1, docroots: [], customer: { login: 'k', mail: 'x' } }] }), 'subscriptions[0].docroots: unknown key', 'subscriptions[0].customer.mail: unknown key');
  // a key that is not a plain name is quoted, never printed raw
  await rejectsWith(parse({ subscriptions: [{ id: 'a', uid: 1, 'x\u001b[2Jy': 1 }] }), 'subscriptions[0].', 'unknown key');
  await assert.rejects(async () => parse({ subscriptions: [{ id: 'a', uid: 1, 'x\u001b[2Jy': 1 }] })(), (e: Error) => !e.message.includes('\u001b'));
});

test('a missing, oversized-line or directory mapping file is E_INVENTORY_FILE', async (t) => {
  const dir = sandbox(t);
  await rejectsWith(() => new StaticInventory(host, join(dir, 'missing.json'), join(dir, 'passwd')).list(), 'cannot read it: ENOENT');
  mkdirSync(join(dir, 'adir'));
  await rejectsWith(() => new StaticInventory(host, join(dir, 'adir'), join(dir, 'passwd')).list(), 'cannot read it');
});

test('the static file overrides what the filesystem found for the same user and keeps the rest', { skip: process.geteuid?.() !== 0 && 'needs root to chown' }, async (t) => {
  const dir = sandbox(t);
  const v = join(dir, 'vhosts');
  for (const [d, uid] of [['example.de', 4079], ['other.org', 5010], ['third.net', 5011]] as const) {
    mkdirSync(join(v, d, 'httpdocs'), { recursive: true });
    chownSync(join(v, d), uid, uid);
    chownSync(join(v, d, 'httpdocs'), uid, uid);
    mkdirSync(join(v, 'system', d, 'logs'), { recursive: true });
  }
  writeFileSync(join(dir, 'map.json'), JSON.stringify(GOOD));
  const r = await discoverSubscriptions(host, { vhostsRoot: v, confixxRoot: join(dir, 'none'), staticFile: join(dir, 'map.json'), passwdFile: join(dir, 'passwd') });
  assert.equal(r.source, 'plesk-filesystem+static-file');
  assert.deepEqual(r.subscriptions.map((s) => `${s.panel}:${s.id}`), ['static:web274', 'static:shop', 'plesk:third.net']);
});
