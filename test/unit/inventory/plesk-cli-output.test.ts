import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDomainInfo, parseNameList, parseCustomerInfo } from '../../../src/inventory/plesk/cli-output';
import { PleskCliRunner } from '../../../src/inventory/plesk/cli-runner';
import { PleskInventory } from '../../../src/inventory/plesk/plesk-inventory';
import { mapSubscriptions } from '../../../src/inventory/plesk/map-subscriptions';
import { toDomain } from '../../../src/inventory/plesk/api-shapes';
import { passwdFileUidLookup } from '../../../src/inventory/plesk/uid-lookup';
import { LocalHost } from '../../../src/host/local-host';
import { FakeHost } from '../collect/fake-host';
import { generatePleskData } from '../../plesk-emulator/data';
import { CliEmulator } from '../../plesk-emulator/cli';
import { writePasswdFor } from '../../plesk-emulator/passwd';

// `plesk bin domain --info example.com` as the Plesk CLI reference lays it out
// ("domain: Domains"): sections of `Key:   value` lines, then a SUCCESS line.
const DOCUMENTED_INFO = `General
=============================
Domain name:                            example.com
Owner's contact name:                   John Doe (jdoe)
Domain status:                          OK
Creation date:                          Sep 22, 2020
Total size of backup files in local storage:0 B
Traffic:                                0 B/Month

Hosting
=============================
Hosting type:                           Physical hosting
IP Address:                             203.0.113.2
FTP Login:                              jdoe_ftp
Disk space used by httpdocs:            3.92 MB

SUCCESS: Gathering information for 'example.com' complete
`;

test('domain --info gives the system user from the FTP Login line, and the owner', () => {
  const info = parseDomainInfo(DOCUMENTED_INFO);
  assert.equal(info.ftpLogin, 'jdoe_ftp');
  assert.equal(info.domainName, 'example.com');
  assert.equal(info.ownerLogin, 'jdoe');
  assert.equal(info.ownerName, 'John Doe');
  assert.equal(info.suspended, false);
  assert.equal(info.hostingType, 'Physical hosting');
});

test('a status other than OK reads as suspended', () => {
  const info = parseDomainInfo(DOCUMENTED_INFO.replace('Domain status:                          OK', 'Domain status:                          Suspended by administrator'));
  assert.equal(info.suspended, true);
});

test('CRLF output parses the same', () => {
  assert.equal(parseDomainInfo(DOCUMENTED_INFO.replace(/\n/g, '\r\n')).ftpLogin, 'jdoe_ftp');
});

test('no system user is guessed: missing, ambiguous or invalid FTP Login gives none', () => {
  const missing = parseDomainInfo(DOCUMENTED_INFO.replace(/^FTP Login:.*\n/m, ''));
  assert.equal(missing.ftpLogin, null);
  assert.match(missing.ftpLoginProblem ?? '', /no "FTP Login"/);

  const twice = parseDomainInfo(DOCUMENTED_INFO + 'FTP Login:                              other_user\n');
  assert.equal(twice.ftpLogin, null);
  assert.match(twice.ftpLoginProblem ?? '', /several/);

  for (const bad of ['-rf', '$(id)', 'a b', '../../etc', '']) {
    const r = parseDomainInfo(DOCUMENTED_INFO.replace('jdoe_ftp', bad));
    assert.equal(r.ftpLogin, null, bad);
  }
});

test('a customer name with parentheses keeps the login from the last pair', () => {
  const info = parseDomainInfo(DOCUMENTED_INFO.replace('John Doe (jdoe)', 'ACME (Europe) Ltd (acme2)'));
  assert.equal(info.ownerLogin, 'acme2');
  assert.equal(info.ownerName, 'ACME (Europe) Ltd');
});

test('subscription --list keeps domain names and counts the other lines', () => {
  const r = parseNameList('example.com\nShop.Example.net\n\n-rf\nnot a domain\n../etc\nexample.com\n');
  assert.deepEqual(r.names, ['example.com', 'shop.example.net']);
  assert.equal(r.skipped, 3);
});

test('customer --info gives the e-mail address', () => {
  const r = parseCustomerInfo('Company name:                           \nContact name:                           John Doe\nLogin:                                  jdoe\nE-mail:                                 jdoe@example.com\n');
  assert.deepEqual(r, { login: 'jdoe', name: 'John Doe', email: 'jdoe@example.com' });
});

test('plesk bin is called with an argument array: bin, utility, then the parameters as given', () => {
  assert.deepEqual(PleskCliRunner.argv('domain', ['--info', 'a b;rm -rf /']), ['bin', 'domain', '--info', 'a b;rm -rf /']);
});

test('the CLI fallback lists subscriptions with plesk bin and maps their system users', async () => {
  const data = generatePleskData({ subscriptions: 40, resellers: 2, customersPerReseller: 3, seed: 7 });
  const emu = new CliEmulator(data);
  const dir = mkdtempSync(join(tmpdir(), 'plesk-cli-'));
  const pleskPath = join(dir, 'plesk'); // a plain file: the program is never executed, FakeHost answers
  writeFileSync(pleskPath, '');
  const passwd = writePasswdFor(data);
  const host = new FakeHost((program, args) => {
    assert.equal(program, pleskPath);
    assert.equal(args[0], 'bin');
    const r = emu.call(args[1]!, args.slice(2));
    return r ? { stdout: r.stdout, stderr: r.stderr, code: r.code } : { stderr: 'unknown utility', code: 1 };
  });
  const inv = new PleskInventory({ host, pleskCli: pleskPath, uidLookup: passwdFileUidLookup(new LocalHost('t'), passwd.path), concurrency: 4 });
  const r = await inv.list();
  assert.equal(r.source, 'plesk-cli');
  const mains = data.domains.filter((d) => d.base_domain_id === 0);
  assert.equal(r.subscriptions.length, mains.length);
  for (const main of mains) {
    const s = r.subscriptions.find((x) => x.id === main.name)!;
    assert.equal(s.sysUser, main.sysUser);
    assert.equal(s.uid, passwd.uids.get(main.sysUser!));
    assert.deepEqual(s.logDirs, [`/var/www/vhosts/system/${main.name}/logs`]);
    assert.equal(s.customer?.login, data.clients.find((c) => c.id === main.ownerId)!.login);
  }
  assert.ok(r.warnings.some((w) => /only main domains are listed/.test(w)));
  // the exact commands: one list, one --info per subscription, one customer --info per owner
  const calls = host.calls.map((c) => c.args.slice(1, 3).join(' '));
  assert.equal(calls.filter((c) => c === 'subscription --list').length, 1);
  assert.equal(calls.filter((c) => c.startsWith('domain --info')).length, mains.length);
  assert.ok(host.calls.every((c) => c.args.every((a) => !a.includes('\n'))));
});

test('a broken base_domain_id chain leaves the domain unmapped instead of attaching it somewhere', () => {
  const out = mapSubscriptions({
    domains: [
      { id: 1, name: 'main.example', hosting_type: 'virtual', www_root: '/var/www/vhosts/main.example/httpdocs', base_domain_id: 0 },
      { id: 2, name: 'orphan.example', hosting_type: 'virtual', www_root: '/x', base_domain_id: 99 },
      { id: 3, name: 'loop-a.example', hosting_type: 'virtual', www_root: '/x', base_domain_id: 4 },
      { id: 4, name: 'loop-b.example', hosting_type: 'virtual', www_root: '/x', base_domain_id: 3 },
      { id: 5, name: '../../etc', hosting_type: 'virtual', www_root: '/x', base_domain_id: 1 },
    ],
    clients: [],
    details: new Map([[1, { info: parseDomainInfo(DOCUMENTED_INFO.replace('example.com', 'main.example')), owner: null }]]),
    uids: new Map([['jdoe_ftp', 4079]]),
    vhostsRoot: '/var/www/vhosts',
  });
  assert.equal(out.subscriptions.length, 1);
  assert.deepEqual(out.subscriptions[0]!.domains, ['main.example']);
  assert.equal(out.subscriptions[0]!.uid, 4079);
  assert.ok(out.warnings.some((w) => w.includes('orphan.example') && w.includes('99')));
  assert.ok(out.warnings.some((w) => w.includes('loop-a.example')));
  assert.ok(out.warnings.some((w) => w.includes('not a usable domain name')));
});

test('domain --info answering for another domain is not used', () => {
  const out = mapSubscriptions({
    domains: [{ id: 1, name: 'main.example', hosting_type: 'virtual', www_root: '', base_domain_id: 0 }],
    clients: [],
    details: new Map([[1, { info: parseDomainInfo(DOCUMENTED_INFO), owner: null }]]),
    uids: new Map([['jdoe_ftp', 4079]]),
    vhostsRoot: '/var/www/vhosts',
  });
  assert.equal(out.subscriptions[0]!.sysUser, null);
  assert.equal(out.subscriptions[0]!.uid, null);
  assert.ok(out.warnings.some((w) => w.includes('answered for example.com')));
});

test('domain aliases from /domains aliases[] belong to their subscription, once each, hostile names left out', () => {
  const domains = [
    toDomain({ id: 1, name: 'main.example', hosting_type: 'virtual', www_root: '', base_domain_id: 0, aliases: ['Alias.example', { name: 'other-alias.example' }, '../../etc', 42] }),
    toDomain({ id: 2, name: 'addon.example', hosting_type: 'virtual', www_root: '', base_domain_id: 1, aliases: ['alias.example'] }),
    // an older panel without the field
    toDomain({ id: 3, name: 'plain.example', hosting_type: 'virtual', www_root: '', base_domain_id: 0 }),
  ].filter((d) => d !== null);
  const out = mapSubscriptions({ domains, clients: [], details: new Map(), uids: new Map(), vhostsRoot: '/var/www/vhosts' });
  const main = out.subscriptions.find((s) => s.domains[0] === 'main.example')!;
  assert.deepEqual(main.domains, ['main.example', 'addon.example', 'alias.example', 'other-alias.example']);
  assert.deepEqual(out.subscriptions.find((s) => s.domains[0] === 'plain.example')!.domains, ['plain.example']);
});
