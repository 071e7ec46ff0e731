import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalHost } from '../../../src/host/local-host';
import { discoverSubscriptions } from '../../../src/inventory/filesystem/discover';

const host = new LocalHost('test');
const asRoot = process.geteuid?.() === 0;

function dir(path: string, uid: number): string {
  mkdirSync(path, { recursive: true });
  chownSync(path, uid, uid);
  return path;
}

test('Confixx homes under a /home/www-style root: webN is the user, html/ the docroot, log/ the logs', { skip: !asRoot && 'needs root to chown' }, async (t) => {
  const base = mkdtempSync(join(tmpdir(), 'spamtrace-confixx-'));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  const www = join(base, 'home', 'www');
  dir(join(www, 'web1', 'html'), 6001);
  dir(join(www, 'web1', 'log'), 6001);
  chownSync(join(www, 'web1'), 6001, 6001);
  // root-owned home, but passwd knows web2: the uid comes from passwd
  dir(join(www, 'web2', 'html'), 6002);
  dir(join(www, 'web2', 'log'), 0);
  chownSync(join(www, 'web2'), 0, 0);
  // root-owned and unknown to passwd: nothing to map
  dir(join(www, 'web3', 'html'), 0);
  chownSync(join(www, 'web3'), 0, 0);
  // the seed's customer: no log directory
  dir(join(www, 'web274', 'html'), 4079);
  chownSync(join(www, 'web274'), 4079, 4079);
  // not customers: Confixx's own folders and look-alikes
  for (const name of ['html', 'confixx', 'webmail', 'web01', 'web1x', 'web 5']) dir(join(www, name), 33);
  const outside = dir(join(base, 'elsewhere'), 6009);
  symlinkSync(outside, join(www, 'web9'));
  writeFileSync(join(www, 'web10'), 'not a directory');
  const pw = join(base, 'passwd');
  writeFileSync(pw, ['web2:x:6002:6002::/home/www/web2:/bin/false', 'web274:x:4079:4079::/var/www/web274:/bin/false', ''].join('\n'));

  const r = await discoverSubscriptions(host, { vhostsRoot: join(base, 'no-plesk'), confixxRoot: www, passwdFile: pw });

  assert.equal(r.source, 'confixx-filesystem');
  assert.deepEqual(r.subscriptions.map((s) => s.id), ['web1', 'web2', 'web274']);
  assert.deepEqual(r.subscriptions[0], {
    id: 'web1',
    panel: 'confixx',
    domains: [],
    sysUser: 'web1',
    uid: 6001,
    homeDir: `${www}/web1`,
    docRoots: [`${www}/web1/html`],
    logDirs: [`${www}/web1/log`],
    mailboxes: [],
    customer: { login: 'web1' },
    reseller: null,
  });
  assert.equal(r.subscriptions[1]!.uid, 6002);
  assert.equal(r.subscriptions[1]!.homeDir, '/home/www/web2');
  assert.equal(r.subscriptions[2]!.uid, 4079);
  assert.deepEqual(r.subscriptions[2]!.logDirs, []);
  const all = r.warnings.join('\n');
  for (const needle of ['web3" is owned by root and web3 has no passwd entry', 'web274: no log directory', 'web9" is a symbolic link', 'web10" is not a directory', 'Confixx database']) {
    assert.ok(all.includes(needle), `warning mentioning ${needle} in:\n${all}`);
  }
  assert.ok(!/webmail|web01|web1x|web 5/.test(all), 'non-customer folders are not warned about');
});

test('a Confixx home owned by another user than its name is mapped to the passwd uid, with a warning', { skip: !asRoot && 'needs root to chown' }, async (t) => {
  const base = mkdtempSync(join(tmpdir(), 'spamtrace-confixx-'));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  dir(join(base, 'www', 'web7', 'html'), 6007);
  dir(join(base, 'www', 'web7', 'log'), 6007);
  chownSync(join(base, 'www', 'web7'), 6070, 6070);
  const pw = join(base, 'passwd');
  writeFileSync(pw, 'web7:x:6007:6007::/var/www/web7:/bin/false\n');
  const r = await discoverSubscriptions(host, { vhostsRoot: join(base, 'none'), confixxRoot: join(base, 'www'), passwdFile: pw });
  assert.equal(r.subscriptions[0]!.uid, 6007);
  assert.ok(r.warnings.some((w) => w.includes('owned by uid 6070')), r.warnings.join('\n'));
});

test('a /var/www without webN homes is not taken for Confixx', async (t) => {
  const base = mkdtempSync(join(tmpdir(), 'spamtrace-confixx-'));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  mkdirSync(join(base, 'html'));
  mkdirSync(join(base, 'vhosts-elsewhere'));
  const r = await discoverSubscriptions(host, { vhostsRoot: join(base, 'none'), confixxRoot: base, passwdFile: '/etc/passwd' });
  assert.equal(r.source, 'filesystem');
  assert.deepEqual(r.subscriptions, []);
});

test('the Confixx root is listed once per discovery, not once to detect and again to read', async (t) => {
  const base = mkdtempSync(join(tmpdir(), 'spamtrace-confixx-'));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  mkdirSync(join(base, 'www', 'web5', 'html'), { recursive: true });
  const pw = join(base, 'passwd');
  writeFileSync(pw, 'web5:x:6005:6005::/var/www/web5:/bin/false\n');
  const listed: string[] = [];
  const counting = Object.create(host) as LocalHost;
  counting.list = (d: string) => {
    listed.push(d);
    return host.list(d);
  };
  const r = await discoverSubscriptions(counting, { vhostsRoot: join(base, 'none'), confixxRoot: join(base, 'www'), passwdFile: pw });
  assert.deepEqual(r.subscriptions.map((s) => [s.id, s.uid]), [['web5', 6005]]);
  assert.equal(listed.filter((d) => d === join(base, 'www')).length, 1, listed.join('\n'));
});
