import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { auditFor, openStore } from '../../../src/store';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { actCommand } from '../../../src/cli/act-command';
import { panelActions } from '../../../src/act/panel-wiring';
import { DEFAULT_CONFIG } from '../../../src/config/config-types';
import { LocalHost } from '../../../src/host/local-host';
import { FakeHost } from '../collect/fake-host';
import { RoutedHost } from '../../../src/fleet/routed-host';

function io(env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  return {
    io: { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, env: { SPAMTRACE_CONFIG: '', ...env } },
    out: () => stdout,
    err: () => stderr,
  };
}

test('act --help lists every subcommand and action and exits 0', async () => {
  const c = io();
  assert.equal(await actCommand(['--help'], c.io), 0);
  for (const word of ['plan', 'apply', 'undo', 'list', 'status', 'queue-hold', 'queue-delete', '--confirm-delete', 'block-submit', 'block-login', 'quarantine-script']) {
    assert.ok(c.out().includes(word), word);
  }
});

test('an unknown subcommand and a non-numeric confirmation are usage errors', async () => {
  await assert.rejects(actCommand(['frobnicate'], io().io), (e: { code?: string }) => e.code === 'E_USAGE');
  await assert.rejects(actCommand(['apply', 'queue-delete', 'uid:1', '--confirm-delete', 'all'], io().io), /--confirm-delete takes the number/);
});

test('undo refuses an id that is not an action id before touching the journal', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'act-cli-'));
  await assert.rejects(actCommand(['undo', '../../etc/passwd'], io({ SPAMTRACE_ACT_JOURNAL: join(dir, 'j.jsonl') }).io), /not an action id/);
});

test('list and status on an empty journal say so', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'act-cli-'));
  const env = { SPAMTRACE_ACT_JOURNAL: join(dir, 'journal.jsonl') };
  const l = io(env);
  assert.equal(await actCommand(['list'], l.io), 0);
  assert.match(l.out(), /no actions in the journal/);
  const s = io(env);
  assert.equal(await actCommand(['status'], s.io), 0);
  assert.match(s.out(), /no half-done actions/);
});

test('status reports an intent without a record as half-done and exits 1', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'act-cli-'));
  const journal = join(dir, 'journal.jsonl');
  const plan = { action: 'queue-hold', target: 'uid:4079', summary: 's', steps: [], undoSteps: [], before: null, data: { source: 'uid:4079', ids: [] }, reversible: true, noop: false, warnings: [] };
  writeFileSync(journal, JSON.stringify({ id: '20261128T230000Z-0a0b0c0d', phase: 'intent', at: '2026-11-28T23:00:00Z', actor: 'root', plan }) + '\n');
  const s = io({ SPAMTRACE_ACT_JOURNAL: journal });
  assert.equal(await actCommand(['status', '--json'], s.io), 1);
  const out = JSON.parse(s.out()) as { halfDone: { id: string; state: string }[] };
  assert.deepEqual(out.halfDone.map((e) => [e.id, e.state]), [['20261128T230000Z-0a0b0c0d', 'half-done']]);
});

test('panel actions are offered only where the panel is installed on that host', async () => {
  const host = new LocalHost();
  const names = async (config: typeof DEFAULT_CONFIG, exists: (p: string) => boolean, remote = false) =>
    (await panelActions(host, config, { exists: async (p) => exists(p), remote })).map((a) => a.name);
  assert.deepEqual(await names(DEFAULT_CONFIG, () => false), []);
  assert.deepEqual(await names(DEFAULT_CONFIG, (p) => p === '/usr/sbin/plesk'), ['plesk-mail-limit', 'plesk-suspend']);
  assert.deepEqual(await names({ ...DEFAULT_CONFIG, panel: 'confixx' }, () => true), ['confixx-lock']);
  // over SSH: Confixx's lock (its mysql client through the connection), not Plesk's actions
  assert.deepEqual(await names(DEFAULT_CONFIG, () => true, true), ['confixx-lock']);
});

test('the panel is looked for on the host itself, through its stat', async () => {
  const asked: string[] = [];
  const host = new FakeHost(() => ({ code: 1 }));
  host.stat = async (p: string) => {
    asked.push(p);
    return p === DEFAULT_CONFIG.confixx.confFile ? { path: p, size: 1, mtime: new Date(0), mode: 0o100600, uid: 0, gid: 0, isFile: true, isDirectory: false, isSymbolicLink: false } : null;
  };
  assert.deepEqual((await panelActions(host, DEFAULT_CONFIG)).map((a) => a.name), ['confixx-lock']);
  assert.deepEqual(asked, ['/usr/sbin/plesk', DEFAULT_CONFIG.confixx.confFile]);
});

test('a split mail/web pair: Confixx on the web node is found and read through the web node, as the scan finds it', async () => {
  const asked: string[] = [];
  const node = (name: string, has: string | null): FakeHost => {
    const h = new FakeHost(() => ({ code: 1 }));
    h.stat = async (p: string) => {
      asked.push(`${name} ${p}`);
      return p === has ? { path: p, size: 1, mtime: new Date(0), mode: 0o100600, uid: 0, gid: 0, isFile: true, isDirectory: false, isSymbolicLink: false } : null;
    };
    return h;
  };
  const mail = node('mail', null);
  const web = node('web', DEFAULT_CONFIG.confixx.confFile);
  const pair = new RoutedHost(mail, web);
  // /root/confixx is no web path: routed by path alone it would be asked of the mail node only
  assert.deepEqual((await panelActions(pair, DEFAULT_CONFIG, { remote: true })).map((a) => a.name), ['confixx-lock']);
  assert.deepEqual(asked, [`web ${DEFAULT_CONFIG.confixx.confFile}`]);
  asked.length = 0;
  const onMail = new RoutedHost(node('mail', DEFAULT_CONFIG.confixx.confFile), node('web', null));
  assert.deepEqual((await panelActions(onMail, DEFAULT_CONFIG, { remote: true })).map((a) => a.name), ['confixx-lock'], 'a panel on the mail node is still found after the web node');
  assert.deepEqual(asked, [`web ${DEFAULT_CONFIG.confixx.confFile}`, `mail ${DEFAULT_CONFIG.confixx.confFile}`]);
});

test('--fleet and --ssh-config need --host; --root is not for --host', async () => {
  await assert.rejects(actCommand(['list', '--fleet', '/nonexistent'], io().io), /--fleet needs --host ALIAS/);
  await assert.rejects(actCommand(['list', '--ssh-config', '/nonexistent'], io().io), /--ssh-config needs --host ALIAS/);
  await assert.rejects(actCommand(['plan', 'quarantine-script', '/x', '--host', 'mail1', '--root', '/var/www'], io().io), /--root and --quarantine-dir are for quarantine-script/);
  await assert.rejects(actCommand(['list', '--host=-oProxyCommand=x'], io().io), /not an SSH alias/);
});

test('list --host reads the local journal of that host without connecting, and names the host', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'act-cli-'));
  const journal = join(dir, 'journal.jsonl');
  const plan = { action: 'queue-hold', target: 'uid:4079', summary: 's', steps: [], undoSteps: [], before: null, data: { source: 'uid:4079', ids: [] }, reversible: true, noop: false, warnings: [] };
  writeFileSync(journal, JSON.stringify({ id: '20261128T230000Z-0a0b0c0d', phase: 'intent', at: '2026-11-28T23:00:00Z', actor: 'root', plan, remote: 'confixx1' }) + '\n');
  const s = io({ SPAMTRACE_ACT_JOURNAL: journal });
  // the alias does not resolve anywhere: list must not need it to
  assert.equal(await actCommand(['status', '--host', 'confixx1', '--ssh-config', '/nonexistent'], s.io), 1);
  assert.match(s.out(), /HALF-DONE 20261128T230000Z-0a0b0c0d queue-hold uid:4079 on confixx1: .*undo: spamtrace act undo 20261128T230000Z-0a0b0c0d --host confixx1/);
  const local = io({ SPAMTRACE_ACT_JOURNAL: journal });
  await assert.rejects(actCommand(['undo', '20261128T230000Z-0a0b0c0d'], local.io), /was taken over SSH on confixx1: undo it with --host confixx1/);
});

test('where the UI\'s store exists, a command-line action lands in its audit table too', { skip: process.getuid?.() === 0 ? false : 'quarantine needs root' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'act-store-'));
  const root = join(dir, 'www');
  mkdirSync(join(root, 'images'), { recursive: true });
  const script = join(root, 'images', 'kqzvmx.php');
  writeFileSync(script, '<?php mail("a@b", "x", "y");');
  // a site user's script (nobody: an account on every system); the owner's process must reach it
  chmodSync(dir, 0o755);
  chownSync(join(root, 'images'), 65534, 65534);
  chownSync(script, 65534, 65534);
  const storePath = join(dir, 'spamtrace.db');
  openStore(storePath).db.close();
  const configPath = join(dir, 'spamtrace.json');
  writeFileSync(configPath, JSON.stringify({ store: { path: storePath } }));
  const c = io();
  const args = ['--config', configPath, '--journal', join(dir, 'journal.jsonl'), '--quarantine-dir', join(dir, 'q'), '--root', root, '--actor', 'tester'];
  const code = await actCommand(['apply', 'quarantine-script', script, ...args], c.io);
  assert.equal(code, 0, c.out() + c.err());
  const store = openStore(storePath);
  const rows = auditFor(store, script);
  store.db.close();
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.actor, 'tester');
  assert.equal(rows[0]!.action, 'quarantine-script');
  assert.equal(existsSync(script), false, 'the script was moved');
  assert.equal((await actCommand(['undo', 'quarantine-script', script, ...args], io().io)), 0);
  assert.equal(existsSync(script), true, 'and restored');
});

test('a host that cannot be reached over SSH is E_ACT_SSH with ssh\'s reason, and nothing is journaled', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'act-cli-'));
  const config = join(dir, 'ssh_config');
  // port 1 on loopback: nobody listens, the connection is refused at once
  writeFileSync(config, `Host deadhost\n  HostName 127.0.0.1\n  Port 1\n  UserKnownHostsFile /dev/null\n`);
  const journal = join(dir, 'journal.jsonl');
  await assert.rejects(
    actCommand(['apply', 'queue-hold', 'uid:4079', '--host', 'deadhost', '--ssh-config', config], io({ SPAMTRACE_ACT_JOURNAL: journal, SPAMTRACE_FLEET: '' }).io),
    (e: { code?: string; message?: string }) => e.code === 'E_ACT_SSH' && /deadhost/.test(e.message ?? '') && /refused/i.test(e.message ?? ''),
  );
  assert.equal(existsSync(journal), false);
});
