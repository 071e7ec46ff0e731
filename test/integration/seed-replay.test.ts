/**
 * The seed article, replayed: its mailq and postcat output, given offline, must lead
 * where the admin's hour of grep led.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { packageRoot, parseReport, runCli } from '../helpers/run-cli';

const seed = (f: string): string => join(packageRoot(), 'examples', 'seed', f);

test('the seed replay finds uid 4079 as web274, spam, blocklisted by AOL', async () => {
  const r = await runCli(['scan', '--json', '--queue-file', seed('mailq.txt'), '--postcat-file', seed('postcat.txt'), '--passwd-file', seed('passwd')]);
  assert.equal(r.code, 1, r.stderr);
  const report = parseReport(r.stdout);
  const uid = report.sources.find((s) => s.id === 'uid:4079');
  assert.ok(uid, 'uid 4079 is a source');
  assert.equal(uid.kind, 'local');
  assert.equal(uid.user, 'web274');
  assert.equal(uid.home, '/var/www/web274');
  assert.equal(uid.verdict, 'spam');
  assert.equal(uid.messages, 5);
  assert.equal(uid.deferrals.blocklisted, 5);
  assert.ok(uid.deferralRules.some((d) => d.rule === 'aol-dyn-t1' && d.provider === 'AOL'));
  assert.equal(report.queue.reportedTotal, 12505);
});

test('the seed replay finds the stolen login kontakt@xxx.de from 93.120.196.244, spam', async () => {
  const r = await runCli(['scan', '--json', '--queue-file', seed('mailq.txt'), '--postcat-file', seed('postcat.txt')]);
  const report = parseReport(r.stdout);
  const sasl = report.sources.find((s) => s.id === 'sasl:kontakt@xxx.de');
  assert.ok(sasl);
  assert.equal(sasl.kind, 'sasl');
  assert.equal(sasl.saslUsername, 'kontakt@xxx.de');
  assert.deepEqual(sasl.clientAddresses, ['93.120.196.244']);
  assert.deepEqual(sasl.heloNames, ['cisqyltfbn']);
  assert.equal(sasl.recipients, 8);
  assert.equal(sasl.verdict, 'spam');
});

test('--demo prints the seed findings as text and exits 1', async () => {
  const r = await runCli(['scan', '--demo']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /^SPAM +uid 4079 \(web274, \/var\/www\/web274\): 5 messages/m);
  assert.match(r.stdout, /AOL DYN:T1/);
  assert.match(r.stdout, /SASL login kontakt@xxx\.de from 93\.120\.196\.244/);
});

test('a mailq listing alone names no culprit but points at the messages to open', async () => {
  const r = await runCli(['scan', '--json', '--queue-file', seed('mailq.txt')]);
  assert.equal(r.code, 0, 'no spam verdict without an origin');
  const report = parseReport(r.stdout);
  assert.ok(report.sources.every((s) => s.kind === 'unknown'));
  const s = report.sources[0]!;
  assert.equal(s.verdict, 'suspicious');
  assert.equal(s.messages, 5);
  assert.ok(s.reasons.some((x) => x.includes('postcat')));
});

test('postcat output pasted twice counts each message once', async () => {
  const { readFileSync, writeFileSync, mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'spamtrace-test-'));
  try {
    const twice = join(dir, 'postcat-twice.txt');
    const once = readFileSync(seed('postcat.txt'), 'latin1');
    writeFileSync(twice, once + once, 'latin1');
    const report = parseReport((await runCli(['scan', '--json', '--postcat-file', twice])).stdout);
    assert.equal(report.queue.examined, 2);
    assert.equal(report.sources.reduce((n, s) => n + s.messages, 0), 2);
    assert.ok(report.skipped.some((s) => /given twice|printed twice/.test(s.reason)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
