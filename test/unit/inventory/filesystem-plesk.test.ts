import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalHost } from '../../../src/host/local-host';
import { discoverSubscriptions, FilesystemInventory } from '../../../src/inventory/filesystem/discover';
import { isSpamtraceError } from '../../../src/errors';

const host = new LocalHost('test');
const asRoot = process.geteuid?.() === 0;

/** A fresh temp root with `vhosts/` and a passwd file; removed after the test. */
function sandbox(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'spamtrace-plesk-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'vhosts'));
  return dir;
}

/** mkdir -p, then chown the last component to uid (root-owned when uid is 0). */
function dir(path: string, uid: number): string {
  mkdirSync(path, { recursive: true });
  chownSync(path, uid, uid);
  return path;
}

function passwd(root: string, lines: string[]): string {
  const p = join(root, 'passwd');
  writeFileSync(p, ['root:x:0:0:root:/root:/bin/bash', ...lines, ''].join('\n'));
  return p;
}

test('Plesk >= 11.5: webspace owner is the user, additional domains and subdomains join it, logs come from system/<domain>/logs', { skip: !asRoot && 'needs root to chown' }, async (t) => {
  const root = sandbox(t);
  const v = join(root, 'vhosts');
  dir(join(v, 'example.de'), 5001);
  dir(join(v, 'example.de', 'httpdocs'), 5001);
  dir(join(v, 'example.de', 'shop.example.de'), 5001); // subdomain docroot (Plesk >= 10)
  dir(join(v, 'example.de', 'zweite-domain.com'), 5001); // additional domain docroot
  dir(join(v, 'other.org', 'httpdocs'), 5002);
  chownSync(join(v, 'other.org'), 5002, 5002);
  for (const d of ['example.de', 'shop.example.de', 'zweite-domain.com', 'other.org', 'blog.other.org', 'orphan.net']) {
    dir(join(v, 'system', d, 'logs'), 0);
  }
  dir(join(root, 'mailnames', 'example.de', 'info'), 30);
  dir(join(root, 'mailnames', 'zweite-domain.com', 'kontakt'), 30);
  mkdirSync(join(root, 'mailnames', 'example.de', '@attachments'));
  const pw = passwd(root, [`kunde1:x:5001:5001::${v}/example.de:/bin/false`, `kunde2:x:5002:5002::${v}/other.org:/bin/false`]);

  const r = await discoverSubscriptions(host, { vhostsRoot: v, confixxRoot: join(root, 'none'), passwdFile: pw, mailnamesRoot: join(root, 'mailnames') });

  assert.equal(r.source, 'plesk-filesystem');
  assert.deepEqual(r.subscriptions.map((s) => s.id), ['example.de', 'other.org']);
  const [ex, other] = r.subscriptions;
  assert.deepEqual(ex, {
    id: 'example.de',
    panel: 'plesk',
    // main domain first, then the others by the same rule (fewest labels, shortest, sorted)
    domains: ['example.de', 'zweite-domain.com', 'shop.example.de'],
    sysUser: 'kunde1',
    uid: 5001,
    homeDir: `${v}/example.de`,
    docRoots: [`${v}/example.de/httpdocs`, `${v}/example.de/shop.example.de`, `${v}/example.de/zweite-domain.com`],
    logDirs: [`${v}/system/example.de/logs`, `${v}/system/shop.example.de/logs`, `${v}/system/zweite-domain.com/logs`],
    mailboxes: [{ address: 'info@example.de' }, { address: 'kontakt@zweite-domain.com' }],
    customer: null,
    reseller: null,
  });
  // blog.other.org has no docroot directory: it joins its parent domain's subscription
  assert.deepEqual(other!.domains, ['other.org', 'blog.other.org']);
  assert.deepEqual(other!.logDirs, [`${v}/system/other.org/logs`, `${v}/system/blog.other.org/logs`]);
  assert.equal(other!.sysUser, 'kunde2');
  assert.ok(r.warnings.some((w) => w.includes('orphan.net') && w.includes('not mapped')), r.warnings.join('\n'));
});

test('old Plesk: root-owned webspace, the user from httpdocs, statistics/logs, subdomains/<label>/httpdocs', { skip: !asRoot && 'needs root to chown' }, async (t) => {
  const root = sandbox(t);
  const v = join(root, 'vhosts');
  dir(join(v, 'alt-kunde.de'), 0);
  dir(join(v, 'alt-kunde.de', 'httpdocs'), 5003);
  dir(join(v, 'alt-kunde.de', 'httpsdocs'), 5003);
  dir(join(v, 'alt-kunde.de', 'statistics', 'logs'), 0);
  dir(join(v, 'alt-kunde.de', 'subdomains', 'blog', 'httpdocs'), 5003);
  const pw = passwd(root, ['altuser:x:5003:5003::/var/www/vhosts/alt-kunde.de:/bin/false']);

  const r = await discoverSubscriptions(host, { vhostsRoot: v, confixxRoot: join(root, 'none'), passwdFile: pw });

  assert.equal(r.subscriptions.length, 1);
  const s = r.subscriptions[0]!;
  assert.equal(s.uid, 5003);
  assert.equal(s.sysUser, 'altuser');
  assert.deepEqual(s.domains, ['alt-kunde.de', 'blog.alt-kunde.de']);
  assert.deepEqual(s.docRoots, [
    `${v}/alt-kunde.de/httpdocs`,
    `${v}/alt-kunde.de/httpsdocs`,
    `${v}/alt-kunde.de/subdomains/blog/httpdocs`,
  ]);
  assert.deepEqual(s.logDirs, [`${v}/alt-kunde.de/statistics/logs`]);
  assert.deepEqual(r.warnings, []);
});

test('several webspaces on one system user are one subscription; the main domain is the user\'s home', { skip: !asRoot && 'needs root to chown' }, async (t) => {
  const root = sandbox(t);
  const v = join(root, 'vhosts');
  for (const d of ['a.de', 'b-long.de', 'shop.a.de']) {
    dir(join(v, d, 'httpdocs'), 5004);
    chownSync(join(v, d), 5004, 5004);
    dir(join(v, 'system', d, 'logs'), 0);
  }
  const withHome = passwd(root, [`multi:x:5004:5004::${v}/b-long.de/:/bin/false`]);
  let r = await discoverSubscriptions(host, { vhostsRoot: v, confixxRoot: join(root, 'none'), passwdFile: withHome });
  assert.equal(r.subscriptions.length, 1);
  assert.equal(r.subscriptions[0]!.id, 'b-long.de');
  assert.deepEqual(r.subscriptions[0]!.domains, ['b-long.de', 'a.de', 'shop.a.de']);
  assert.equal(r.subscriptions[0]!.docRoots.length, 3);
  assert.equal(r.subscriptions[0]!.logDirs.length, 3);

  // home elsewhere: fewest labels, then shortest name wins
  const elsewhere = passwd(root, ['multi:x:5004:5004::/home/multi:/bin/false']);
  r = await discoverSubscriptions(host, { vhostsRoot: v, confixxRoot: join(root, 'none'), passwdFile: elsewhere });
  assert.deepEqual(r.subscriptions[0]!.domains, ['a.de', 'b-long.de', 'shop.a.de']);
  assert.equal(r.subscriptions[0]!.homeDir, '/home/multi');
});

test('hostile names, symlinks out of the root, files and root-owned webspaces are skipped with a warning each', { skip: !asRoot && 'needs root to chown' }, async (t) => {
  const root = sandbox(t);
  const v = join(root, 'vhosts');
  const outside = dir(join(root, 'outside'), 5099);
  dir(join(outside, 'httpdocs'), 5099);
  dir(join(v, 'good.de', 'httpdocs'), 5005);
  chownSync(join(v, 'good.de'), 5005, 5005);
  symlinkSync(outside, join(v, 'link.de'));
  symlinkSync('/etc', join(v, 'good.de', 'evil.de')); // a docroot symlink an attacker could plant
  dir(join(v, 'system', 'evil.de', 'logs'), 0);
  symlinkSync('/etc', join(v, 'system', 'good.de')); // logs through a symlink: not followed
  for (const name of ['with space.de', 'new\nline.de', '..dotdot', 'a..b', '\u001b[2Jclear.de', 'UPPER.DE']) dir(join(v, name), 5006);
  dir(join(v, 'root-owned.de', 'httpdocs'), 0);
  chownSync(join(v, 'root-owned.de'), 0, 0);
  writeFileSync(join(v, 'file.de'), 'x');
  for (const svc of ['system', 'default', 'chroot', '.skel', 'fs', 'fs-passwd']) mkdirSync(join(v, svc), { recursive: true });
  const pw = passwd(root, ['good:x:5005:5005::/var/www/vhosts/good.de:/bin/false']);

  const r = await discoverSubscriptions(host, { vhostsRoot: v, confixxRoot: join(root, 'none'), passwdFile: pw });

  assert.deepEqual(r.subscriptions.map((s) => s.id), ['good.de']);
  const good = r.subscriptions[0]!;
  assert.deepEqual(good.docRoots, [`${v}/good.de/httpdocs`]);
  assert.deepEqual(good.logDirs, [], 'a symlinked system/<domain> is not followed');
  assert.ok(!good.domains.includes('evil.de'), 'a symlinked docroot does not attach a domain');
  const all = r.warnings.join('\n');
  for (const needle of ['link.de" is a symbolic link', 'with space.de" is not named like a domain', 'new\\x0aline.de', '\\x1b[2Jclear.de', 'a..b', 'UPPER.DE', 'root-owned.de" and its httpdocs are owned by root', 'file.de" is not a directory', 'system/good.de" is a symbolic link', 'no log directory for "good.de"', 'domain "evil.de"']) {
    assert.ok(all.includes(needle), `warning mentioning ${needle} in:\n${all}`);
  }
  assert.ok(!r.warnings.some((w) => /[\n\u001b]/.test(w)), 'no raw control characters reach a warning');
  assert.ok(!all.includes('..dotdot'), 'dot-directories are passed over silently');
  assert.ok(!/"(default|chroot|fs|fs-passwd|\.skel)"/.test(all), 'Plesk service directories are not warned about');
});

test('no panel layout and no static file: an empty inventory that says why', async (t) => {
  const root = sandbox(t);
  const r = await discoverSubscriptions(host, { vhostsRoot: join(root, 'nope'), confixxRoot: join(root, 'nope2'), passwdFile: join(root, 'no-passwd') });
  assert.deepEqual(r.subscriptions, []);
  assert.equal(r.source, 'filesystem');
  assert.ok(r.warnings.some((w) => w.includes('cannot read passwd file')));
  assert.ok(r.warnings.some((w) => w.includes('no panel layout found')));
});

test('a Plesk vhosts tree that cannot be resolved to names still gives uids, and says so', { skip: !asRoot && 'needs root to chown' }, async (t) => {
  const root = sandbox(t);
  const v = join(root, 'vhosts');
  dir(join(v, 'nameless.de', 'httpdocs'), 5007);
  chownSync(join(v, 'nameless.de'), 5007, 5007);
  const r = await new FilesystemInventory(host, { vhostsRoot: v, confixxRoot: join(root, 'none'), passwdFile: passwd(root, []) }).list();
  assert.equal(r.subscriptions[0]!.uid, 5007);
  assert.equal(r.subscriptions[0]!.sysUser, null);
  assert.ok(r.warnings.some((w) => w.includes('uid 5007') && w.includes('no passwd entry')));
});

test('a relative root is refused when the inventory is set up', () => {
  assert.throws(() => new FilesystemInventory(host, { vhostsRoot: 'var/www/vhosts' }), (e) => isSpamtraceError(e) && e.code === 'E_USAGE');
});
