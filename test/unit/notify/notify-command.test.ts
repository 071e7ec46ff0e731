import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { notifyCommand } from '../../../src/cli/notify-command';
import { sampleReport, localSpamSource, saslSpamSource, normalSource, withLocale, SCRIPT_PATH } from './report-fixture';

function setup(t: { after(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'spamtrace-notify-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const report = join(dir, 'report.json');
  const config = join(dir, 'notify.json');
  writeFileSync(report, JSON.stringify(sampleReport([withLocale(localSpamSource({ score: 6 }), 'de'), saslSpamSource(), normalSource()])));
  writeFileSync(config, JSON.stringify({ from: 'abuse@hoster.example', transport: { kind: 'smtp', host: '127.0.0.1', port: 9 } }));
  return { dir, report, config, store: join(dir, 'st.db') };
}

async function run(args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await notifyCommand(args, { stdout: { write: (s: string) => (out += s) }, env: {} });
  return { code, out };
}

test('--help shows every subcommand and exits 0', async () => {
  const r = await run(['--help']);
  assert.equal(r.code, 0);
  for (const word of ['preview', 'send', 'list', 'approve', 'unconfirmed']) assert.ok(r.out.includes(word), word);
});

test('preview renders one source in the customer\'s language, or in both on request', async (t) => {
  const p = setup(t);
  const own = await run(['preview', '--report', p.report, '--source', 'uid:4079', '--notify-config', p.config]);
  assert.equal(own.code, 0);
  assert.match(own.out, /----- de -----/);
  assert.doesNotMatch(own.out, /----- en -----/);
  assert.ok(own.out.includes(SCRIPT_PATH));
  const both = await run(['preview', '--report', p.report, '--source', 'uid:4079', '--lang', 'both', '--format', 'html', '--notify-config', p.config]);
  assert.match(both.out, /----- de -----[\s\S]*<html lang="de">[\s\S]*----- en -----[\s\S]*<html lang="en">/);
});

test('preview without --source names the sources to choose from', async (t) => {
  const p = setup(t);
  await assert.rejects(run(['preview', '--report', p.report]), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'E_USAGE');
    assert.match(e.message, /uid:4079 \(spam\).*sasl:info@example-store\.com \(spam\)/);
    return true;
  });
});

test('a file that is not a scan report is refused with its own code', async (t) => {
  const p = setup(t);
  writeFileSync(p.report, '{"hello": 1}');
  await assert.rejects(run(['preview', '--report', p.report, '--source', 'x']), { code: 'E_REPORT_FILE' });
});

test('send --no-deliver queues by policy; list shows states; approve moves a notice on', async (t) => {
  const p = setup(t);
  const sent = await run(['send', '--report', p.report, '--store', p.store, '--notify-config', p.config, '--no-deliver']);
  assert.equal(sent.code, 0);
  assert.match(sent.out, /uid:4079: notice \d+ to inhaber@beispiel-shop\.de \(customer\): awaiting-approval - spam with score 6/);
  assert.match(sent.out, /sasl:info@example-store\.com: notice \d+ .*: queued/);
  assert.match(sent.out, /uid:5001: no notice \(verdict normal/);
  const list = await run(['list', '--store', p.store, '--json']);
  const rows = JSON.parse(list.out) as { id: number; state: string; recipient: string }[];
  assert.deepEqual(rows.map((r) => r.state).sort(), ['awaiting-approval', 'queued']);
  const waiting = rows.find((r) => r.state === 'awaiting-approval')!;
  const ok = await run(['approve', String(waiting.id), '--store', p.store]);
  assert.match(ok.out, /queued/);
  await assert.rejects(run(['approve', String(waiting.id), '--store', p.store]), /is queued; approve needs awaiting-approval/);
  const text = await run(['list', '--store', p.store, '--state', 'queued']);
  assert.equal(text.out.trim().split('\n').length, 2);
});

test('send without a notify config says what to write', async (t) => {
  const p = setup(t);
  await assert.rejects(run(['send', '--store', p.store, '--notify-config', join(p.dir, 'missing.json')]), { code: 'E_CONFIG' });
});

test('unknown subcommands and states are usage errors', async (t) => {
  const p = setup(t);
  await assert.rejects(run(['frobnicate']), { code: 'E_USAGE' });
  await assert.rejects(run(['list', '--store', p.store, '--state', 'lost']), /unknown state lost/);
  await assert.rejects(run(['approve', 'abc', '--store', p.store]), { code: 'E_USAGE' });
});
