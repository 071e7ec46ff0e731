/**
 * `npm run package:plesk` end to end: build the zip with the real packager, unpack it
 * with unzip, and check what Plesk will find: the layout (Extensions Guide, "Extension
 * Structure"), meta.xml, PHP that php -l accepts, executable root helpers that bash -n
 * accepts and that refuse anything but their fixed verbs, a unit systemd accepts, and a
 * bundled Node app that starts without the repository's node_modules.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { packageRoot } from '../../src/package-root';
import { META_FIELDS, parseMetaXml } from '../../src/package/meta-xml';

const root = packageRoot();
const have = (cmd: string, args: string[] = ['--version']) => spawnSync(cmd, args).error === undefined;
const missing = ['zip', 'unzip', 'php'].filter((c) => !have(c, c === 'unzip' ? ['-v'] : c === 'zip' ? ['-v'] : ['--version']));
const skip = missing.length ? `needs ${missing.join(', ')} (Debian: zip, unzip, php-cli)` : false;

let work = '';
let unpacked = '';
let zipPath = '';
let packagerOutput = '';

before(() => {
  if (skip) return;
  work = mkdtempSync(join(tmpdir(), 'spamtrace-pkg-test-'));
  const r = spawnSync(process.execPath, [join(root, 'dist', 'src', 'package', 'plesk-package.js'), '--out', work], { encoding: 'utf8' });
  assert.equal(r.status, 0, `packager failed: ${r.stderr}`);
  packagerOutput = r.stdout;
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  zipPath = join(work, `spamtrace-plesk-${version}.zip`);
  unpacked = join(work, 'unpacked');
  const u = spawnSync('unzip', ['-q', zipPath, '-d', unpacked], { encoding: 'utf8' });
  assert.equal(u.status, 0, u.stderr);
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(unpacked, join(e.parentPath ?? (e as unknown as { path: string }).path, e.name)));
}

test('the zip has Plesk\'s extension layout: meta.xml at the root, htdocs, plib, sbin, nothing else', { skip }, () => {
  assert.deepEqual(readdirSync(unpacked).sort(), ['htdocs', 'meta.xml', 'plib', 'sbin']);
  for (const f of [
    'htdocs/index.php',
    'plib/controllers/IndexController.php',
    'plib/hooks/CustomButtons.php',
    'plib/library/Token.php',
    'plib/library/Identity.php',
    'plib/library/Manifest.php',
    'plib/library/Forwarder.php',
    'plib/library/ServiceState.php',
    'plib/app/native-build.json',
    'plib/scripts/post-install.php',
    'plib/scripts/pre-uninstall.php',
    'plib/views/scripts/index/index.phtml',
    'plib/panel-manifest',
    'sbin/spamtrace-service',
    'sbin/spamtrace.service',
    'sbin/spamtrace-watch.service',
    'plib/app/dist/src/cli.js',
    'plib/app/package.json',
    'plib/app/package-lock.json',
    'plib/app/schema/report.v1.schema.json',
    'plib/app/node_modules/express/package.json',
  ]) {
    assert.ok(existsSync(join(unpacked, f)), `${f} is missing`);
  }
  assert.match(packagerOutput, /MB zip, \d+ files, .* MB unpacked, \d+ node_modules packages/);
});

test('no zip entry escapes the extension folder and none is a symlink', { skip }, () => {
  const names = spawnSync('unzip', ['-Z1', zipPath], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  assert.ok(names.length > 10);
  for (const n of names) assert.ok(!n.startsWith('/') && !n.split('/').includes('..'), n);
  const links = spawnSync('unzip', ['-Z', zipPath], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l.startsWith('l'));
  assert.deepEqual(links, []);
});

test('meta.xml parses, has every descriptor field, and carries package.json\'s version', { skip }, () => {
  const meta = parseMetaXml(readFileSync(join(unpacked, 'meta.xml'), 'utf8'));
  for (const f of META_FIELDS) assert.ok(meta[f], `<${f}> is empty`);
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string; description: string };
  assert.equal(meta.version, pkg.version);
  assert.equal(meta.description, pkg.description);
  assert.equal(meta.id, 'spamtrace');
  // Plesk's samples say unix (plesk/ext-ssh-terminal src/meta.xml); "linux" is no value Plesk knows
  assert.equal(meta.os, 'unix');
  assert.match(meta.plesk_min_version ?? '', /^\d+\.\d+(\.\d+)?$/);
  assert.match(meta.release ?? '', /^\d+$/);
  // Plesk finds plib/ classes by the extension id: Modules_<Id>_<Name>.
  const hook = readFileSync(join(unpacked, 'plib/hooks/CustomButtons.php'), 'utf8');
  assert.match(hook, /class Modules_Spamtrace_CustomButtons extends pm_Hook_CustomButtons/);
});

test('php -l accepts every PHP file of the shim', { skip }, () => {
  const php = filesUnder(unpacked).filter((f) => !f.startsWith('plib/app/') && /\.(php|phtml)$/.test(f));
  assert.ok(php.length >= 9, `only ${php.length} PHP files`);
  for (const f of php) {
    const r = spawnSync('php', ['-l', join(unpacked, f)], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${f}: ${r.stdout}${r.stderr}`);
  }
});

test('sbin scripts are executable, pass bash -n, and the helper refuses anything but its verbs', { skip }, () => {
  const scripts = readdirSync(join(unpacked, 'sbin')).filter((n) => readFileSync(join(unpacked, 'sbin', n), 'latin1').startsWith('#!'));
  assert.deepEqual(scripts, ['spamtrace-service']);
  for (const name of scripts) {
    const p = join(unpacked, 'sbin', name);
    assert.equal(statSync(p).mode & 0o111, 0o111, `${name} is not executable`);
    const r = spawnSync('bash', ['-n', p], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  }
  const helper = join(unpacked, 'sbin', 'spamtrace-service');
  const canary = join(work, 'canary');
  for (const args of [[], ['bogus'], [`status; touch ${canary}`], ['$(touch ' + canary + ')'], ['start', 'stop']]) {
    const r = spawnSync(helper, args, { encoding: 'utf8' });
    assert.equal(r.status, 64, `${JSON.stringify(args)}: ${r.stderr}`);
    assert.match(r.stderr, /usage: spamtrace-service install\|upgrade\|start\|stop\|restart\|status\|uninstall/);
  }
  assert.equal(existsSync(canary), false);
});

test('the systemd unit template, filled in as the helper does, is accepted by systemd-analyze', { skip: skip || (have('systemd-analyze') ? false : 'systemd-analyze is not installed') }, () => {
  const unit = readFileSync(join(unpacked, 'sbin', 'spamtrace.service'), 'utf8')
    .replaceAll('@NODE@', process.execPath)
    .replaceAll('@APP@', join(unpacked, 'plib', 'app'));
  const file = join(work, 'spamtrace.service');
  writeFileSync(file, unit);
  const r = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr.trim(), '', 'systemd-analyze warned');
  for (const hardening of ['ProtectSystem=strict', 'NoNewPrivileges=yes', 'PrivateTmp=yes', 'ReadWritePaths=/var/lib/spamtrace', 'CapabilityBoundingSet=']) {
    assert.ok(unit.includes(hardening), hardening);
  }
});

test('the watch unit template, filled in as the helper does, is accepted by systemd-analyze and may write where containment writes', { skip: skip || (have('systemd-analyze') ? false : 'systemd-analyze is not installed') }, () => {
  const unit = readFileSync(join(unpacked, 'sbin', 'spamtrace-watch.service'), 'utf8')
    .replaceAll('@NODE@', process.execPath)
    .replaceAll('@APP@', join(unpacked, 'plib', 'app'));
  const file = join(work, 'spamtrace-watch.service');
  writeFileSync(file, unit);
  const r = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr.trim(), '', 'systemd-analyze warned');
  assert.match(unit, /^ExecStart=\S+ \S+\/dist\/src\/cli\.js watch$/m);
  assert.match(unit, /^ReadWritePaths=\/var\/lib\/spamtrace \/etc\/postfix \/var\/spool\/postfix$/m);
});

test('the PHP manifest reader accepts the packaged panel-manifest', { skip }, () => {
  const code = `require $argv[1]; $m = Modules_Spamtrace_Manifest::read($argv[2]); echo json_encode($m);`;
  const r = spawnSync('php', ['-r', code, '--', join(unpacked, 'plib/library/Manifest.php'), join(unpacked, 'plib/panel-manifest')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const m = JSON.parse(r.stdout) as Record<string, string>;
  assert.equal(m['auth.secret_file'], '/etc/spamtrace/panel-secret');
  assert.equal(m['service.listen'], '127.0.0.1:8765');
  assert.equal(m['entry.reseller'], '/reseller');
});

test('the bundled app starts from the unpacked zip with its own node_modules', { skip }, () => {
  const r = spawnSync(process.execPath, [join(unpacked, 'plib/app/dist/src/cli.js'), '--help'], { encoding: 'utf8', cwd: work });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Usage: spamtrace/);
  // A whole offline scan from the bundle: exit 1 means it found the seed's spam source.
  const demo = spawnSync(process.execPath, [join(unpacked, 'plib/app/dist/src/cli.js'), 'scan', '--demo', '--json'], { encoding: 'utf8', cwd: work });
  assert.equal(demo.status, 1, demo.stderr);
  assert.ok((JSON.parse(demo.stdout) as { sources: unknown[] }).sources.length > 0);
  const mods = readdirSync(join(unpacked, 'plib/app/node_modules'));
  for (const dev of ['typescript', 'ajv', 'ajv-formats', '@types/express', '@types/ejs']) {
    assert.ok(!existsSync(join(unpacked, 'plib/app/node_modules', dev)), `${dev} is a devDependency and must not be bundled`);
  }
  assert.ok(mods.includes('express') && mods.includes('mysql2'), 'production dependencies are bundled');
});
