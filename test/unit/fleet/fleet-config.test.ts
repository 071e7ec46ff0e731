import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFleetConfig, parseFleetConfig, selectHosts } from '../../../src/fleet/fleet-config';
import { SpamtraceError } from '../../../src/errors';

const split = {
  version: 1,
  sshConfig: '/root/.ssh/config',
  parallel: 2,
  hosts: [
    { alias: 'mx1', roles: ['mail'], webFrom: 'web1' },
    { alias: 'web1', roles: ['web', 'panel'] },
    { alias: 'plesk1', roles: ['mail', 'web', 'panel'] },
  ],
};

test('a fleet file with a split mail/web pair and a full node is read and frozen, defaults filled in', () => {
  const c = parseFleetConfig(split);
  assert.equal(c.parallel, 2);
  assert.equal(c.hostTimeoutSeconds, 900);
  assert.deepEqual(c.hosts.map((h) => [h.alias, h.roles.join('+'), h.webFrom]), [
    ['mx1', 'mail', 'web1'],
    ['web1', 'web+panel', null],
    ['plesk1', 'mail+web+panel', null],
  ]);
  assert.ok(Object.isFrozen(c));
});

const bad: Array<[string, unknown, RegExp]> = [
  ['no hosts', { hosts: [] }, /hosts: must be a non-empty list/],
  ['an unknown role', { hosts: [{ alias: 'a', roles: ['dns'] }] }, /unknown role "dns"/],
  ['an alias that is an ssh option', { hosts: [{ alias: '-oProxyCommand=x', roles: ['mail'] }] }, /must be an SSH host alias/],
  ['an alias twice', { hosts: [{ alias: 'a', roles: ['mail'] }, { alias: 'a', roles: ['web'] }] }, /listed twice/],
  ['webFrom to a host not in the file', { hosts: [{ alias: 'a', roles: ['mail'], webFrom: 'b' }] }, /"b" is not a host of this file/],
  ['webFrom to a node without web logs', { hosts: [{ alias: 'a', roles: ['mail'], webFrom: 'b' }, { alias: 'b', roles: ['mail'] }] }, /needs the roles web and panel/],
  ['webFrom on a node without mail', { hosts: [{ alias: 'a', roles: ['web'], webFrom: 'b' }, { alias: 'b', roles: ['web', 'panel'] }] }, /only a mail node/],
  ['a typo in a field', { hosts: [{ alias: 'a', roles: ['mail'], role: 'x' }] }, /unknown field "role"/],
  ['parallel 0', { parallel: 0, hosts: [{ alias: 'a', roles: ['mail'] }] }, /parallel: must be a whole number from 1/],
  ['a relative sshConfig', { sshConfig: 'ssh/config', hosts: [{ alias: 'a', roles: ['mail'] }] }, /absolute path/],
];
for (const [what, value, message] of bad) {
  test(`a fleet file with ${what} is refused with E_CONFIG naming the field`, () => {
    assert.throws(() => parseFleetConfig(value, '/etc/spamtrace/fleet.json'), (e: unknown) => e instanceof SpamtraceError && e.code === 'E_CONFIG' && message.test(e.message) && e.message.includes('/etc/spamtrace/fleet.json'));
  });
}

test('a fleet file that is not JSON says so with its path', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'spamtrace-fleet-'));
  try {
    writeFileSync(join(dir, 'fleet.json'), '{ hosts: ');
    await assert.rejects(loadFleetConfig(join(dir, 'fleet.json')), /fleet\.json is not valid JSON/);
    await assert.rejects(loadFleetConfig(join(dir, 'missing.json')), /could not be read: ENOENT/);
    writeFileSync(join(dir, 'fleet.json'), `{"hosts": ${'['.repeat(20_000)}${']'.repeat(20_000)}}`);
    await assert.rejects(loadFleetConfig(join(dir, 'fleet.json')), /fleet\.json is nested more than 64 levels deep/);
    writeFileSync(join(dir, 'fleet.json'), JSON.stringify(split));
    assert.equal((await loadFleetConfig(join(dir, 'fleet.json'))).hosts.length, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--hosts all takes every host; named aliases must be in the file', () => {
  const c = parseFleetConfig(split);
  assert.equal(selectHosts(c, 'all').length, 3);
  assert.deepEqual(selectHosts(c, ['plesk1', 'mx1', 'plesk1']).map((h) => h.alias), ['plesk1', 'mx1']);
  assert.throws(() => selectHosts(c, ['mx2']), (e: unknown) => e instanceof SpamtraceError && e.code === 'E_USAGE' && /mx2.*known: mx1, web1, plesk1/.test(e.message));
});
