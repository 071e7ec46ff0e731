/**
 * The generated hosting-server log (test/fixtures/maillog/hosting-log.ts) end to end:
 * the built CLI as an admin runs it (`scan --no-queue --maillog FILE`), and pflogsumm
 * (Debian's package, .ci/run installs it) as a second opinion on the totals.
 *
 * Units, where pflogsumm 1.1.5 and we differ in what we call a message:
 * - pflogsumm "received" counts smtpd client= and pickup lines; our mail log summary's
 *   `messages` also counts the bounces Postfix generated itself (no client, no pickup),
 *   which form the source `unknown:bounces`: received = messages - those bounces.
 * - "delivered" and "bounced" count recipients (one line each), "forwarded" counts
 *   local(8)'s `forwarded as` lines; our per-recipient deliveries count the same way.
 * - "deferred" counts messages with at least one deferral (pflogsumm keys by queue ID,
 *   so the generated log defers no message whose ID is reused).
 * - pflogsumm 1.1.5 does not know Postfix 3.11's `tls=` field: a log with it loses
 *   those deliveries there, not here (the last test).
 *
 * Touches no lab service (postconf is only read); run it under the lock like the others.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectMailLog } from '../../src/collect/maillog';
import { SkipTally } from '../../src/collect/skip-tally';
import { LocalHost } from '../../src/host/local-host';
import { makeHostingLog } from '../fixtures/maillog/hosting-log';
import { parseReport, runCli } from '../helpers/run-cli';

const { lines, truth } = makeHostingLog();
const MTIME = new Date(2026, 2, 12);

function writeTemp(name: string, text: string[]): { path: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'spamtrace-hosting-'));
  const path = join(dir, name);
  writeFileSync(path, text.join('\n') + '\n');
  utimesSync(path, MTIME, MTIME);
  return { path, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** pflogsumm's "Grand Totals" block: received, delivered, forwarded, deferred, bounced. */
function pflogsumm(path: string): Record<string, number> {
  const out = execFileSync('pflogsumm', [path], { encoding: 'utf8', timeout: 120_000 });
  const totals: Record<string, number> = {};
  for (const m of out.matchAll(/^\s+(\d+)\s+(received|delivered|forwarded|deferred|bounced)\b/gm)) totals[m[2]!] ??= Number(m[1]);
  return totals;
}

async function ourTotals(path: string) {
  const r = await collectMailLog(new LocalHost('test'), { paths: [path], now: MTIME }, new SkipTally());
  const d = r.messages.flatMap((m) => m.deliveries);
  const forwarded = (x: { reason: string | null }) => x.reason?.startsWith('forwarded as ') ?? false;
  return {
    received: r.messages.filter((m) => !m.resentFrom && (m.pickupUid !== null || m.clientAddress !== null)).length,
    delivered: d.filter((x) => x.status === 'sent' && !forwarded(x)).length,
    forwarded: d.filter((x) => x.status === 'sent' && forwarded(x)).length,
    deferred: r.messages.filter((m) => m.deliveries.some((x) => x.status === 'deferred')).length,
    bounced: d.filter((x) => x.status === 'bounced').length,
  };
}

test('pflogsumm, our reader and the hand count agree on received, delivered, forwarded, deferred and bounced', async () => {
  const f = writeTemp('mail.log', lines);
  try {
    const hand = { received: truth.received, delivered: truth.delivered, forwarded: truth.forwarded, deferred: truth.deferred, bounced: truth.bounced };
    assert.deepEqual(pflogsumm(f.path), hand);
    assert.deepEqual(await ourTotals(f.path), hand);
  } finally {
    f.cleanup();
  }
});

test('scan --no-queue --maillog FILE: no benign source suspicious, every spam source spam, counts as by hand', { timeout: 180_000 }, async () => {
  const f = writeTemp('mail.log', lines);
  try {
    const r = await runCli(['scan', '--no-queue', '--since', '2026-03-01T00:00', '--until', '2026-03-12T00:00', '--maillog', f.path, '--no-weblogs', '--json', '--no-progress']);
    // exit code 1: a spam source was found
    assert.equal(r.code, 1, r.stderr);
    const report = parseReport(r.stdout);
    const byId = new Map(report.sources.map((s) => [s.id, s]));
    const suspiciousBenign = truth.benign.filter((id) => byId.get(id)?.verdict !== 'normal');
    assert.deepEqual(suspiciousBenign, []);
    for (const id of truth.spam) assert.equal(byId.get(id)?.verdict, 'spam', id);
    for (const [id, n] of Object.entries(truth.messages)) assert.equal(byId.get(id)?.messages, n, id);
    // pflogsumm's "received" is our messages less the bounces Postfix generated itself
    assert.equal(report.mailLog!.messages - byId.get('unknown:bounces')!.messages, truth.received);
    assert.equal(report.mailLog!.forwardedCopies, truth.forwarded);
    assert.equal(report.mailLog!.alsoInQueue, 0);
  } finally {
    f.cleanup();
  }
});

test("Postfix 3.11's tls= field: our totals stay, pflogsumm 1.1.5 loses those deliveries", async () => {
  const withTls = lines.map((l) => (/ postfix\/smtp\[\d+\]: \w+: to=</.test(l) ? l.replace(/(delays=[\d./]+, )/, '$1tls=may, ') : l));
  const changed = withTls.filter((l, i) => l !== lines[i]).length;
  assert.ok(changed > 100);
  const f = writeTemp('mail.log', withTls);
  try {
    const ours = await ourTotals(f.path);
    assert.equal(ours.delivered, truth.delivered);
    assert.equal(ours.bounced, truth.bounced);
    assert.ok(pflogsumm(f.path).delivered! < truth.delivered);
  } finally {
    f.cleanup();
  }
});
