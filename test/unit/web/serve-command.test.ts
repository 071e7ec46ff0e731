/**
 * `spamtrace serve` as a real process: hash a password, start standalone (no panel key),
 * log in, and stop on SIGTERM. Also the option parsing an admin can get wrong.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../../src/package-root';
import { createServer } from 'node:net';
import { parseDuration, parseListen, parsePanelHosts, serveCommand } from '../../../src/cli/serve-command';
import { cookieOf, csrfIn, form, get } from './harness';

const ENTRY = join(packageRoot(__dirname), 'dist', 'src', 'cli', 'serve-command.js');
const run = (args: string[]) => `require(${JSON.stringify(ENTRY)}).serveCommand(${JSON.stringify(args)}).then((c) => { process.exitCode = c; }, (e) => { process.stderr.write('spamtrace: ' + (e.code || 'E_INTERNAL') + ': ' + e.message + '\\n'); process.exitCode = 2; });`;

test('serve hash-password prints an scrypt line; serve starts standalone, lets the admin in, and stops on SIGTERM', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'serve-'));
  const hashed = spawnSync(process.execPath, ['-e', run(['hash-password'])], { input: 'a long enough password\n', encoding: 'utf8' });
  assert.equal(hashed.status, 0, hashed.stderr);
  assert.match(hashed.stdout, /^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+\n$/);
  const file = join(dir, 'admin-password');
  writeFileSync(file, hashed.stdout, { mode: 0o600 });
  const port = await closedPort();
  const child = spawn(process.execPath, ['-e', run(['--no-panel', '--admin-password-file', file, '--store', join(dir, 'db.sqlite'), '--listen', `127.0.0.1:${port}`, '--', '--no-weblogs'])], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SPAMTRACE_CONFIG: '' },
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.on('close', r));
  try {
    await until(() => stderr.includes('serving on') || child.exitCode !== null, 90_000);
    assert.match(stderr, new RegExp(`serving on http://127\\.0\\.0\\.1:${port}/`));
    const url = `http://127.0.0.1:${port}`;
    const login = await get(`${url}/login`);
    const anon = cookieOf(login);
    const r = await form(`${url}/login`, { _csrf: csrfIn(await login.text()), user: 'admin', password: 'a long enough password' }, anon);
    assert.equal(r.status, 303);
    const page = await get(`${url}/`, cookieOf(r));
    assert.equal(page.status, 200);
    assert.match(await page.text(), /No scan yet/);
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0, stderr);
});

test('listen addresses and scan intervals are checked at start', () => {
  assert.deepEqual(parseListen('127.0.0.1:8765'), { host: '127.0.0.1', port: 8765 });
  assert.deepEqual(parseListen('[::1]:8765'), { host: '::1', port: 8765 });
  assert.throws(() => parseListen('127.0.0.1'), /HOST:PORT/);
  assert.throws(() => parseListen('127.0.0.1:70000'), /HOST:PORT/);
  assert.equal(parseDuration('15m'), 900_000);
  assert.equal(parseDuration('0'), 0);
  assert.throws(() => parseDuration('5s'), /at least 1m/);
  assert.throws(() => parseDuration('soon'), /duration/);
});

/**
 * Polls until `done()` holds or the deadline passes. Deadlines are generous: a node process
 * started under a loaded CI machine can take many seconds to listen or to finish a scan.
 */
async function until(done: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await done()) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
}

const quietIo = { stdout: { write: () => true }, stderr: { write: () => true }, stdin: process.stdin, env: { SPAMTRACE_CONFIG: '', SPAMTRACE_FLEET: '' } };

test('serve --hosts takes the fleet flags of "scan --hosts" and refuses what cannot work on remote hosts', async () => {
  await assert.rejects(serveCommand(['--hosts', 'mx1', '--no-panel', '--', '--queue-file', '/tmp/q.json'], quietIo), /--queue-file reads local files/);
  await assert.rejects(serveCommand(['--no-panel', '--', '--hosts', 'mx1'], quietIo), /--hosts goes before "--"/);
  await assert.rejects(serveCommand(['--fleet', '/nonexistent.json', '--no-panel'], quietIo), /--fleet needs --hosts/);
  await assert.rejects(serveCommand(['--hosts', 'bad;alias', '--no-panel'], quietIo), /not an SSH alias/);
  assert.equal(parsePanelHosts(undefined, null), 'all', 'without --hosts: this server only, as before');
  assert.throws(() => parsePanelHosts('mx1', null), /--panel-hosts needs --hosts/);
  assert.deepEqual(parsePanelHosts(undefined, ['mx1', 'mx2']), [], 'with --hosts: no other host is this panel\'s unless named');
  assert.deepEqual(parsePanelHosts('mx1', ['mx1', 'mx2']), ['mx1']);
  assert.equal(parsePanelHosts('all', ['mx1', 'mx2']), 'all');
  assert.throws(() => parsePanelHosts('mx3', ['mx1', 'mx2']), /not one of the scanned hosts/);
});

/** A TCP port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

test('serve --hosts with a real ssh client: a dead host is listed as unreachable after the scan on start', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'serve-fleet-'));
  const hashed = spawnSync(process.execPath, ['-e', run(['hash-password'])], { input: 'a long enough password\n', encoding: 'utf8' });
  const file = join(dir, 'admin-password');
  writeFileSync(file, hashed.stdout, { mode: 0o600 });
  const sshConfig = join(dir, 'ssh_config');
  writeFileSync(sshConfig, `Host deadbox\n  HostName 127.0.0.1\n  Port ${await closedPort()}\n  User root\n  ConnectTimeout 5\n`);
  const port = await closedPort();
  const args = ['--no-panel', '--admin-password-file', file, '--store', join(dir, 'db.sqlite'), '--listen', `127.0.0.1:${port}`, '--hosts', 'deadbox', '--ssh-config', sshConfig, '--scan-on-start', '--', '--no-weblogs'];
  const child = spawn(process.execPath, ['-e', run(args)], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SPAMTRACE_CONFIG: '', SPAMTRACE_FLEET: '' } });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.on('close', r));
  try {
    await until(() => stderr.includes('serving on') || child.exitCode !== null, 90_000);
    assert.match(stderr, /serving on/);
    const url = `http://127.0.0.1:${port}`;
    const login = await get(`${url}/login`);
    const r = await form(`${url}/login`, { _csrf: csrfIn(await login.text()), user: 'admin', password: 'a long enough password' }, cookieOf(login));
    const cookie = cookieOf(r);
    let state = '';
    await until(async () => {
      const p = await get(`${url}/scans/1/progress`, cookie);
      if (p.status === 200) state = ((await p.json()) as { state: string }).state;
      return state === 'done' || state === 'failed';
    }, 180_000);
    assert.equal(state, 'done', stderr);
    const html = await (await get(`${url}/`, cookie)).text();
    const row = /<tr class="host" data-host="deadbox"[\s\S]*?<\/tr>/.exec(html)?.[0] ?? '';
    assert.match(row, /data-state="unreachable"/);
    assert.match(row, /unreachable: no SSH connection/);
    assert.match(row, /root@127\.0\.0\.1/);
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0, stderr);
});
