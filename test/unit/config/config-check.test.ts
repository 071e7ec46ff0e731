/**
 * `spamtrace config check` over the files serve and watch load: the main config, notify.json,
 * the fleet file and the watch policy. Each problem is printed on its own line with its file and JSON
 * path; a bad value and an unknown key in each file are both named, at once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configCommand } from '../../../src/cli/config-command';

const dir = mkdtempSync(join(tmpdir(), 'spamtrace-config-check-'));
function file(name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value), { mode: 0o600 });
  return path;
}

const goodMain = () => file('good.json', { store: { path: join(dir, 'store.db') } });
const goodNotify = () => file('notify-good.json', { from: 'Support <abuse@hoster.example>' });
const goodFleet = () => file('fleet-good.json', { hosts: [{ alias: 'mx1', roles: ['mail'] }] });

async function check(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | string; lines: string[]; message: string }> {
  let out = '';
  const io = { stdout: { write: (t: string) => (out += t) }, env, lookupUid: () => null };
  try {
    const code = await configCommand(['check', ...args], io);
    return { code, lines: out.split('\n').filter(Boolean), message: '' };
  } catch (e) {
    const err = e as { code: string; message: string };
    return { code: err.code, lines: out.split('\n').filter(Boolean), message: err.message };
  }
}

test('the main config: a bad value and an unknown key, each with file and JSON path', async () => {
  const main = file('main-bad.json', { service: { listen: { port: 'http' } }, storePath: '/x' });
  const r = await check(['--config', main, '--notify-config', goodNotify(), '--fleet', goodFleet()]);
  assert.equal(r.code, 'E_CONFIG');
  assert.ok(r.lines.includes(`${main}: service.listen.port: must be a whole number from 1 to 65535, got "http"`), r.lines.join('\n'));
  assert.ok(r.lines.some((l) => l.startsWith(`${main}: storePath: unknown key`)), r.lines.join('\n'));
  assert.equal(r.lines.length, 2, 'the good notify and fleet files add no line');
  assert.match(r.message, /2 problems in all/);
});

test('notify.json: a bad value and an unknown key, each with file and JSON path', async () => {
  const notify = file('notify-bad.json', { from: 'abuse@hoster.example', policy: { autoMinScore: 2 }, transport: { kind: 'smtp', host: 'mail.example', prot: 25 } });
  const r = await check(['--config', goodMain(), '--notify-config', notify, '--fleet', goodFleet()]);
  assert.equal(r.code, 'E_CONFIG');
  assert.deepEqual(
    r.lines.filter((l) => l.startsWith(notify)).map((l) => l.slice(notify.length + 2).replace(/ \(.*\)$/, '')),
    ['transport.prot: unknown key', 'policy.autoMinScore: must be a number from 6 to 1000'],
  );
});

test('the fleet file: a bad value and an unknown key, each with file and JSON path, all at once', async () => {
  const fleet = file('fleet-bad.json', { parallel: 0, hosts: [{ alias: 'mx1', roles: ['mail', 'dns'] }, { alias: 'web1', roles: ['web'], role: 'x' }] });
  const r = await check(['--config', goodMain(), '--notify-config', goodNotify(), '--fleet', fleet]);
  assert.equal(r.code, 'E_CONFIG');
  assert.deepEqual([...r.lines].sort(), [
    `${fleet}: hosts[0].roles: unknown role "dns" (mail, web, panel)`,
    `${fleet}: hosts[1].role: unknown field "role"`,
    `${fleet}: parallel: must be a whole number from 1 to 64`,
  ].sort());
});

test('problems in all three files are listed together; the files come from the environment as serve finds them', async () => {
  const r = await check([], {
    SPAMTRACE_CONFIG: file('env-main.json', { panel: 'cpanel' }),
    SPAMTRACE_NOTIFY_CONFIG: file('env-notify.json', '{"from": '),
    SPAMTRACE_FLEET: file('env-fleet.json', { hosts: [] }),
  });
  assert.equal(r.code, 'E_CONFIG');
  assert.equal(r.lines.length, 3, r.lines.join('\n'));
  assert.match(r.lines[0]!, /env-main\.json: panel: must be one of auto, plesk/);
  assert.match(r.lines[1]!, /env-notify\.json: not valid JSON/);
  assert.match(r.lines[2]!, /env-fleet\.json: hosts: must be a non-empty list/);
});

test('all three good: each named as ok, exit 0; an absent default notify file is a note', async () => {
  const fleet = goodFleet();
  const r = await check(['--config', goodMain(), '--fleet', fleet], {});
  assert.equal(r.code, 0, r.message);
  assert.ok(r.lines.some((l) => /^config ok: .*good\.json$/.test(l)));
  assert.ok(r.lines.includes(`fleet file ok: ${fleet}`));
  assert.ok(r.lines.includes('note: /etc/spamtrace/notify.json does not exist: no customer notices') || r.lines.includes('notify settings ok: /etc/spamtrace/notify.json'));
  const named = await check(['--config', goodMain(), '--notify-config', goodNotify()]);
  assert.ok(named.lines.some((l) => /^notify settings ok: .*notify-good\.json$/.test(l)));
});

test('config print refuses the flags that only check reads', async () => {
  await assert.rejects(configCommand(['print', '--fleet', '/x'], { stdout: { write: () => true }, env: {} }), (e: { code: string }) => e.code === 'E_USAGE');
  await assert.rejects(configCommand(['print', '--watch-policy', '/x'], { stdout: { write: () => true }, env: {} }), (e: { code: string }) => e.code === 'E_USAGE');
});

test('the watch policy: every bad value and unknown key at once, each with file and JSON path', async () => {
  const policy = file('watch-bad.json', {
    mode: 'on',
    windowMinute: 10,
    maxTripsPerHour: 0,
    actions: { local: ['queue-delete'], smtp: ['queue-hold'] },
    resellers: { res1: { minMessages: 0, maxPerHour: 5 }, 'a b': {} },
    alertTo: 'admin',
    dnsbl: { zones: ['zen.spamhaus.org'], intervalMinutes: 0, port: 53 },
  });
  const r = await check(['--config', goodMain(), '--notify-config', goodNotify(), '--watch-policy', policy]);
  assert.equal(r.code, 'E_CONFIG');
  assert.deepEqual(
    r.lines.map((l) => l.slice(policy.length + 2).replace(/ \(.*\)$/, '')),
    [
      'windowMinute: unknown key',
      'mode: must be "dry-run" or "live", got "on"',
      'maxTripsPerHour: must be a whole number from 1 to 1000000',
      'actions.smtp: unknown kind',
      'actions.local: must be a list of: queue-hold, block-submit, defer-login, block-login, defer-client',
      'resellers.res1.maxPerHour: unknown key',
      'resellers.res1.minMessages: must be a whole number from 1 to 1000000',
      'resellers."a b": not a reseller login',
      'alertTo: must be a mail address or null, got "admin"',
      'dnsbl.port: unknown key',
      'dnsbl.intervalMinutes: must be a whole number from 1 to 1440',
    ],
  );
  assert.ok(r.lines.every((l) => l.startsWith(`${policy}: `)), r.lines.join('\n'));
  assert.match(r.message, /11 problems in all/);
});

test('the watch policy: a good one is named as ok; one that is not JSON is named with its file', async () => {
  const good = file('watch-good.json', { mode: 'live', resellers: { res1: { maxMessagesPerMinute: 50 } }, dnsbl: { zones: [] } });
  const r = await check(['--config', goodMain(), '--notify-config', goodNotify(), '--watch-policy', good]);
  assert.equal(r.code, 0, r.message);
  assert.ok(r.lines.includes(`watch policy ok: ${good}`), r.lines.join('\n'));
  const broken = file('watch-broken.json', '{"mode": ');
  const b = await check(['--config', goodMain(), '--notify-config', goodNotify(), '--watch-policy', broken]);
  assert.equal(b.code, 'E_CONFIG');
  assert.equal(b.lines.length, 1);
  assert.ok(b.lines[0]!.startsWith(`${broken}: not valid JSON`), b.lines[0]);
});

test("the config's static inventory map: every problem with its file and JSON path; a good one is named as ok", async () => {
  const map = file('inventory-bad.json', { version: 2, subscriptions: [{ id: 'a', uid: 1, logdirs: [] }, { id: 'b', docRoots: ['html'] }] });
  const main = file('main-static.json', { panel: 'static', staticFile: map });
  const r = await check(['--config', main, '--notify-config', goodNotify()]);
  assert.equal(r.code, 'E_INVENTORY_FILE');
  assert.deepEqual(
    r.lines.map((l) => l.replace(/ \(allowed: .*\)$/, '')),
    [
      `${map}: version: must be 1, got 2`,
      `${map}: subscriptions[0].logdirs: unknown key`,
      `${map}: subscriptions[1]: needs "sysUser" or "uid" (or both)`,
      `${map}: subscriptions[1].docRoots[0]: must be an absolute path, got "html"`,
    ],
  );
  const good = file('inventory-good.json', { subscriptions: [{ id: 'a', uid: 0 }] });
  const ok = await check(['--config', file('main-static-good.json', { panel: 'static', staticFile: good }), '--notify-config', goodNotify()]);
  assert.equal(ok.code, 0, ok.message);
  assert.ok(ok.lines.includes(`static inventory map ok: ${good} (1 subscriptions)`), ok.lines.join('\n'));
});

test('notify.json: an SMTP password file others may read is named like the config\'s secret files', async () => {
  const loose = join(dir, 'smtp-password');
  writeFileSync(loose, 'secret\n', { mode: 0o644 });
  const notify = file('notify-smtp.json', { from: 'abuse@hoster.example', transport: { kind: 'smtp', host: 'mail.example', auth: { user: 'abuse', passwordFile: loose } } });
  const r = await check(['--config', goodMain(), '--notify-config', notify]);
  assert.equal(r.code, 'E_SECRET_FILE');
  assert.equal(r.lines.length, 1, r.lines.join('\n'));
  assert.ok(r.lines[0]!.startsWith(`${notify}: transport.auth.passwordFile: ${loose}: `), r.lines[0]);
  assert.doesNotMatch(r.lines.join('\n'), /secret\n/);
});
