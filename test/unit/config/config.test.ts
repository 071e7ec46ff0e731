/** The config file and the secret files, on real files with real modes and owners. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, resolveConfigPath } from '../../../src/config/load-config';
import { DEFAULT_CONFIG } from '../../../src/config/config-types';
import { readSecretFile, checkSecretFile, ownersAllowed } from '../../../src/config/secret-file';
import { readPanelSecret } from '../../../src/auth/panel-secret';
import { configCommand } from '../../../src/cli/config-command';

const dir = mkdtempSync(join(tmpdir(), 'spamtrace-config-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const isRoot = process.getuid?.() === 0;
const rootOnly = isRoot ? false : 'needs root to create files owned by other users';
const NOBODY = 65534;

function file(name: string, text: string, mode = 0o600): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  chmodSync(p, mode);
  return p;
}

function codeOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (e) {
    return { code: (e as { code: string }).code, message: (e as Error).message };
  }
  assert.fail('expected an error');
}

test('without a config file at the default path the defaults apply', () => {
  const loaded = loadConfig({ path: join(dir, 'absent.json'), explicit: false });
  assert.equal(loaded.source, null);
  assert.deepEqual(loaded.config, DEFAULT_CONFIG);
});

test('a config file named with --config or SPAMTRACE_CONFIG must exist', () => {
  const e = codeOf(() => loadConfig({ path: join(dir, 'absent.json'), explicit: true }));
  assert.equal(e.code, 'E_CONFIG');
  assert.match(e.message, /absent\.json: cannot read the config file: no such file/);
});

test('--config wins over SPAMTRACE_CONFIG, which wins over the default path', () => {
  assert.deepEqual(resolveConfigPath('/a.json', { SPAMTRACE_CONFIG: '/b.json' }), { path: '/a.json', explicit: true });
  assert.deepEqual(resolveConfigPath(undefined, { SPAMTRACE_CONFIG: '/b.json' }), { path: '/b.json', explicit: true });
  assert.deepEqual(resolveConfigPath(undefined, {}), { path: '/etc/spamtrace/spamtrace.json', explicit: false });
});

test('a partial file keeps the defaults for what it leaves out, and the result is frozen', () => {
  const p = file('partial.json', JSON.stringify({ $comment: 'test box', panel: 'confixx', roots: { confixx: '/home/www/' }, service: { listen: { port: 9000 } } }), 0o644);
  const { config, source } = loadConfig({ path: p, explicit: true });
  assert.equal(source, p);
  assert.equal(config.panel, 'confixx');
  assert.equal(config.roots.confixx, '/home/www');
  assert.equal(config.roots.vhosts, '/var/www/vhosts');
  assert.deepEqual(config.service.listen, { host: '127.0.0.1', port: 9000 });
  assert.ok(Object.isFrozen(config.service.listen));
  assert.throws(() => {
    (config.service.listen as { port: number }).port = 1;
  }, TypeError);
});

test('every wrong key is named in one error, with a hint for a typo', () => {
  const p = file('bad.json', JSON.stringify({
    panel: 'cpanel',
    mailLog: ['/var/log/mail.log'],
    plesk: { url: 'https://admin:pw@host:8443', tls: { fingerprint256: 'zz' } },
    service: { listen: { host: 'a b', port: '8765' } },
    store: { path: 'relative.db' },
  }), 0o644);
  const e = codeOf(() => loadConfig({ path: p, explicit: true }));
  assert.equal(e.code, 'E_CONFIG');
  for (const key of ['panel: must be one of auto, plesk, confixx, filesystem, static, got "cpanel"', 'mailLog: unknown key (did you mean "mailLogs"?)', 'plesk.url: must be an http(s) URL without credentials', 'plesk.tls.fingerprint256', 'service.listen.host', 'service.listen.port: must be a whole number from 1 to 65535, got "8765"', 'store.path: must be an absolute path']) {
    assert.ok(e.message.includes(key), `${key} missing from: ${e.message}`);
  }
  assert.match(e.message, /7 problems/);
});

test('a config file that is not JSON says so and where', () => {
  const e = codeOf(() => loadConfig({ path: file('broken.json', '{"panel": "plesk",}', 0o644), explicit: true }));
  assert.equal(e.code, 'E_CONFIG');
  assert.match(e.message, /broken\.json: not valid JSON/);
});

test('a config nested 20,000 deep is E_CONFIG naming the file, not a RangeError', () => {
  for (const text of [`{"panel": ${'['.repeat(20_000)}${']'.repeat(20_000)}}`, '{"a":'.repeat(100_000)]) {
    const e = codeOf(() => loadConfig({ path: file('deep.json', text, 0o644), explicit: true }));
    assert.equal(e.code, 'E_CONFIG');
    assert.match(e.message, /deep\.json: not a spamtrace config: nested more than 64 levels deep/);
  }
  // brackets inside strings are text, not nesting: that file is refused for its content only
  const e = codeOf(() => loadConfig({ path: file('deep.json', `{"x": "${'['.repeat(1000)}"}`, 0o644), explicit: true }));
  assert.doesNotMatch(e.message, /nested/);
});

test('a config file others may write is refused: it tells a root service what to read', () => {
  const e = codeOf(() => loadConfig({ path: file('open.json', '{}', 0o666), explicit: true }));
  assert.equal(e.code, 'E_CONFIG');
  assert.match(e.message, /mode 0666.*chmod go-w/);
});

test('panel "static" without a staticFile is an error naming the key', () => {
  const e = codeOf(() => loadConfig({ path: file('static.json', '{"panel":"static"}', 0o644), explicit: true }));
  assert.match(e.message, /staticFile: must be set when panel is "static"/);
});

test('dnsbl: off by default; zones, resolver and addresses are checked, each wrong one named', () => {
  assert.deepEqual(DEFAULT_CONFIG.dnsbl.zones, [], 'a scan asks no blocklist unless configured');
  const ok = loadConfig({ path: file('dnsbl.json', '{"dnsbl":{"zones":["ZEN.spamhaus.org"],"server":"127.0.0.1:5353","addresses":["192.0.2.1","2001:db8::1"]}}', 0o644), explicit: true });
  assert.deepEqual(ok.config.dnsbl.zones, ['zen.spamhaus.org']);
  assert.equal(ok.config.dnsbl.cacheFile, '/var/lib/spamtrace/watch/dnsbl.json');
  const e = codeOf(() => loadConfig({ path: file('dnsbl-bad.json', '{"dnsbl":{"zones":["not a zone"],"server":"resolver.example","addresses":["1.2.3"],"cachefile":"/x"}}', 0o644), explicit: true }));
  assert.equal(e.code, 'E_CONFIG');
  for (const k of ['dnsbl.zones', 'dnsbl.server', 'dnsbl.addresses', 'dnsbl.cachefile: unknown key']) assert.ok(e.message.includes(k), `${k} in ${e.message}`);
});

test('a 0600 root-owned secret file is read without its trailing newline', { skip: rootOnly }, () => {
  const p = file('key', 'sekrit-value\n');
  assert.equal(readSecretFile(p, 'Plesk API key', [0]).toString(), 'sekrit-value');
});

test('a secret file group or others can read is refused, saying how to fix it', () => {
  const p = file('loose-key', 'sekrit', 0o640);
  const e = codeOf(() => readSecretFile(p, 'Plesk API key', [process.getuid?.() ?? 0]));
  assert.equal(e.code, 'E_SECRET_FILE');
  assert.match(e.message, /Plesk API key \(.*loose-key\): mode 0640 lets group or others in; chmod 0600 it/);
});

test('a secret file owned by another user is refused', { skip: rootOnly }, () => {
  const p = file('nobody-key', 'sekrit');
  chownSync(p, NOBODY, NOBODY);
  const e = codeOf(() => readSecretFile(p, 'Plesk API key', [0]));
  assert.match(e.message, /owned by uid 65534; it must be owned by root/);
});

test('a secret file reached through a symlink is refused', () => {
  const target = file('real-key', 'sekrit');
  const link = join(dir, 'link-key');
  symlinkSync(target, link);
  const e = codeOf(() => readSecretFile(link, 'Plesk API key', [0]));
  assert.match(e.message, /symbolic link/);
  assert.equal(checkSecretFile(link, [0]).state, 'unsafe');
});

test('the panel signing key may belong to the panel user, and must be at least 32 bytes', { skip: rootOnly }, () => {
  const p = file('panel-secret', `${'k'.repeat(40)}\n`);
  chownSync(p, NOBODY, NOBODY);
  const config = { ...DEFAULT_CONFIG, service: { ...DEFAULT_CONFIG.service, panelSecretFile: p, panelUser: 'nobody' } };
  const lookup = (name: string) => (name === 'nobody' ? NOBODY : null);
  assert.equal(readPanelSecret(config, lookup).length, 40);
  const short = file('short-secret', 'k'.repeat(10));
  const e = codeOf(() => readPanelSecret({ ...config, service: { ...config.service, panelSecretFile: short } }, lookup));
  assert.match(e.message, /holds 10 bytes, at least 32 needed/);
});

test('config print shows paths and states of secret files and never their content', async () => {
  const key = file('print-key', 'TOPSECRET-API-KEY');
  const loose = file('print-loose', 'TOPSECRET-PANEL', 0o644);
  const cfg = file('print.json', JSON.stringify({ plesk: { apiKeyFile: key }, service: { panelSecretFile: loose } }), 0o644);
  let out = '';
  const code = await configCommand(['print', '--config', cfg], { stdout: { write: (t: string) => (out += t) }, env: {}, lookupUid: () => null });
  assert.equal(code, 0);
  assert.doesNotMatch(out, /TOPSECRET/);
  const printed = JSON.parse(out);
  assert.equal(printed.source, cfg);
  assert.equal(printed.config.plesk.apiKeyFile, key);
  assert.equal(printed.secretFiles['plesk.apiKeyFile'].state, isRoot ? 'ok' : 'unsafe');
  assert.equal(printed.secretFiles['service.panelSecretFile'].state, 'unsafe');
  assert.match(printed.secretFiles['service.panelSecretFile'].problem, /mode 0644/);
  assert.equal(printed.secretFiles['confixx.dbPasswordFile'].state, 'not set');
});

test('config check fails on an unsafe secret file and passes when only files are missing', async () => {
  const loose = file('check-loose', 'x'.repeat(40), 0o644);
  const bad = file('check-bad.json', JSON.stringify({ service: { panelSecretFile: loose } }), 0o644);
  const io = { stdout: { write: () => true }, env: {}, lookupUid: () => null };
  await assert.rejects(configCommand(['check', '--config', bad], io), (e: { code: string; message: string }) => e.code === 'E_SECRET_FILE' && /service\.panelSecretFile/.test(e.message));
  const good = file('check-good.json', JSON.stringify({ plesk: { apiKeyFile: join(dir, 'not-yet') } }), 0o644);
  let out = '';
  const code = await configCommand(['check'], { ...io, env: { SPAMTRACE_CONFIG: good }, stdout: { write: (t: string) => (out += t) } });
  assert.equal(code, 0);
  assert.match(out, /config ok: .*check-good\.json/);
  assert.match(out, /plesk\.apiKeyFile .*not-yet does not exist yet/);
});

test('config without a subcommand is a usage error', async () => {
  await assert.rejects(configCommand([], { stdout: { write: () => true }, env: {} }), (e: { code: string }) => e.code === 'E_USAGE');
});

test('the panel user is looked up with the real getent: its uid joins root, an unknown user adds nothing', () => {
  // daemon is uid 1 on every Debian/Ubuntu system
  assert.deepEqual(ownersAllowed('daemon'), [0, 1]);
  assert.deepEqual(ownersAllowed('root'), [0]);
  assert.deepEqual(ownersAllowed('no_such_user_spamtrace'), [0]);
  assert.deepEqual(ownersAllowed(null), [0]);
});
