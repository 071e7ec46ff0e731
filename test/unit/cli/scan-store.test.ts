/**
 * `spamtrace scan --store` as a real process: the demo scan lands in the store the
 * configuration names (the one `serve` opens by default), and the UI reading that store
 * shows it as its newest scan, started from the command line. `serve` itself refuses
 * --store among its scan options (it stores every scan already).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../../src/package-root';
import { openStore, latestReport, listScans } from '../../../src/store';
import { serveCommand } from '../../../src/cli/serve-command';
import { parseScanArgs } from '../../../src/cli/scan-args';
import { get, signIn, startTestApp } from '../web/harness';

const CLI = join(packageRoot(__dirname), 'dist', 'src', 'cli.js');

function scan(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [CLI, 'scan', '--demo', '--no-progress', ...args], { encoding: 'utf8', env: { ...process.env, SPAMTRACE_CONFIG: '', ...env } });
}

test('scan --store writes into the configuration\'s store.path, and the UI shows that scan as its newest', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'scan-store-'));
  const db = join(dir, 'lib', 'spamtrace.db');
  const config = join(dir, 'spamtrace.json');
  writeFileSync(config, JSON.stringify({ store: { path: db } }));
  const r = scan(['--json', '--store', '--config', config]);
  assert.equal(r.status, 1, r.stderr);
  assert.ok(existsSync(db), 'the store named by store.path was created');
  const printed = JSON.parse(r.stdout) as { sources: { id: string; verdict: string }[] };

  const store = openStore(db);
  try {
    const latest = latestReport(store);
    assert.ok(latest, 'a finished scan is in the store');
    assert.deepEqual(latest.report, printed, 'the stored report is the one printed');
    const [row] = listScans(store);
    assert.equal(row?.trigger, 'cli');
    assert.equal(row?.state, 'done');
    assert.equal(row?.spamSources, printed.sources.filter((s) => s.verdict === 'spam').length);
  } finally {
    store.close();
  }

  const app = await startTestApp({ withReport: false, storePath: db });
  try {
    const admin = await signIn(app, 'admin');
    const overview = await (await get(`${app.url}/`, admin.cookie)).text();
    assert.match(overview, /<code>uid:4079<\/code> <span class="verdict verdict-spam">spam<\/span>/, 'the overview lists the stored scan\'s spam source');
    const scans = await (await get(`${app.url}/scans`, admin.cookie)).text();
    assert.match(scans, /<td>done<\/td>\s*<td>[^<]+<\/td>\s*<td class="num">2<\/td>/i, 'the scans page lists it, done, with its two spam sources');
    assert.doesNotMatch(overview, /A scan is running/);
  } finally {
    await app.close();
  }
});

test('scan --db FILE stores there without --store; without either nothing is written', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scan-store-'));
  const db = join(dir, 'other.db');
  const config = join(dir, 'spamtrace.json');
  writeFileSync(config, JSON.stringify({ store: { path: join(dir, 'default.db') } }));
  assert.equal(scan(['--db', db, '--config', config]).status, 1);
  assert.ok(existsSync(db));
  assert.ok(!existsSync(join(dir, 'default.db')), '--db wins over store.path');
  const plain = scan(['--config', config]);
  assert.equal(plain.status, 1, plain.stderr);
  assert.ok(!existsSync(join(dir, 'default.db')), 'a scan without --store writes no store');
  assert.equal(parseScanArgs(['--db', db]).store, true);
  assert.equal(parseScanArgs([]).store, false);
});

test('scan --help names --store and --db', () => {
  const r = spawnSync(process.execPath, [CLI, 'scan', '--help'], { encoding: 'utf8' });
  assert.equal(r.status, 0);
  assert.match(r.stdout, /--store {2,}also keep the report in the store/);
  assert.match(r.stdout, /--db FILE {2,}the store for --store/);
});

test('serve refuses --store after "--": it stores every scan already', async () => {
  const quiet = { stdout: { write: () => true }, stderr: { write: () => true }, stdin: process.stdin, env: {} };
  await assert.rejects(serveCommand(['--no-panel', '--', '--store'], quiet), /leave --store and --db out/);
});
