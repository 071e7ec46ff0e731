/**
 * The DNSBL check against a real DNS server: Debian's nsd on 127.0.0.1 (a free port)
 * serving zones written here under the lists' real zone names, so the resolver, the
 * reversed names, the TTLs and Spamhaus's return codes go through real DNS packets while no
 * query leaves the machine. Needs nsd (.ci/run installs it); no root, no lab.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { haveNsd, startNsd, type LocalNsd } from '../helpers/local-nsd';
import { DnsblMonitor, renderDnsbl } from '../../src/dnsbl/dnsbl-monitor';
import type { OutboundAddress } from '../../src/dnsbl/outbound-ips';
import { parseReport, runCli } from '../helpers/run-cli';

const skip = haveNsd() ? false : 'nsd is not installed (apt-get install nsd)';

const addr = (address: string): OutboundAddress => ({ address, via: ['interface eth0'], private: false });

describe('DNSBL check against a local DNS server', { skip }, () => {
  let dns: LocalNsd;
  let dir: string;

  before(async () => {
    dns = await startNsd(
      {
        'zen.spamhaus.org': [
          '2.0.0.127 A 127.0.0.2', // the test entry every DNSBL carries
          '10.2.0.192 A 127.0.0.4', // 192.0.2.10: XBL
          '10.2.0.192 A 127.0.0.10', //            and PBL
          '10.2.0.192 TXT "https://check.spamhaus.org/query/ip/192.0.2.10"',
          '11.2.0.192 A 127.255.255.254', // 192.0.2.11: "query through a public resolver"
        ].join('\n'),
        'bl.spamcop.net': '12.2.0.192 A 127.0.0.2',
        'b.barracudacentral.org': '',
      },
      120,
    );
    dir = mkdtempSync(join(tmpdir(), 'dnsbl-'));
  });

  after(async () => {
    await dns?.stop();
  });

  test('listed, not listed and "cannot check" come back as the lists mean them, with TTLs and reasons', async () => {
    const m = new DnsblMonitor({ statePath: join(dir, 'a.json'), zones: ['zen.spamhaus.org', 'bl.spamcop.net', 'b.barracudacentral.org'], server: dns.server, timeoutMs: 2000 });
    const s = await m.check(['192.0.2.10', '192.0.2.11', '192.0.2.12', '192.0.2.13'].map(addr));
    const get = (a: string, z: string) => s.results.find((r) => r.address === a && r.zone === z)!;
    const xbl = get('192.0.2.10', 'zen.spamhaus.org');
    assert.equal(xbl.state, 'listed');
    assert.deepEqual([...xbl.codes].sort(), ['127.0.0.10', '127.0.0.4']);
    assert.ok(xbl.meaning.some((x) => x.startsWith('XBL')) && xbl.meaning.some((x) => x.startsWith('PBL')));
    assert.match(xbl.text ?? '', /check\.spamhaus\.org/);
    assert.ok(xbl.ttl > 0 && xbl.ttl <= 120, `ttl ${xbl.ttl}`);
    const refused = get('192.0.2.11', 'zen.spamhaus.org');
    assert.equal(refused.state, 'cannot-check');
    assert.match(refused.meaning[0]!, /public or open resolver/);
    assert.equal(get('192.0.2.12', 'bl.spamcop.net').state, 'listed');
    assert.equal(get('192.0.2.12', 'zen.spamhaus.org').state, 'not-listed');
    assert.equal(get('192.0.2.13', 'b.barracudacentral.org').state, 'not-listed');
    assert.equal(s.results.length, 12);
    assert.equal(s.cached, 0);
    assert.match(renderDnsbl(s), /192\.0\.2\.10 +Spamhaus ZEN +LISTED: XBL/);
    // the first listing is news; a first clean answer is not
    assert.deepEqual(s.changes.map((c) => `${c.address} ${c.zone} ${c.to}`).sort(), ['192.0.2.10 zen.spamhaus.org listed', '192.0.2.11 zen.spamhaus.org cannot-check', '192.0.2.12 bl.spamcop.net listed']);
  });

  test('answers are reused until their TTL runs out, then asked again; a change is reported', async () => {
    let now = new Date('2026-01-01T00:00:00Z');
    const m = new DnsblMonitor({ statePath: join(dir, 'b.json'), zones: ['zen.spamhaus.org'], server: dns.server, now: () => now });
    const first = await m.check([addr('192.0.2.10')]);
    assert.equal(first.cached, 0);
    now = new Date(now.getTime() + 60_000);
    const second = await m.check([addr('192.0.2.10')]);
    assert.equal(second.cached, 1, 'within the TTL: from the cache');
    assert.deepEqual(second.changes, []);
    now = new Date(now.getTime() + 10 * 60_000);
    const third = await m.check([addr('192.0.2.10')]);
    assert.equal(third.cached, 0, 'after the TTL: asked again');
  });

  test('spamtrace watch dnsbl asks the configured server about the discovered and configured addresses', { skip: process.getuid?.() === 0 ? false : 'needs root' }, async () => {
    const policy = join(dir, 'watch.json');
    writeFileSync(policy, JSON.stringify({ dnsbl: { zones: ['zen.spamhaus.org', 'bl.spamcop.net'], server: dns.server, addresses: ['192.0.2.10', '192.0.2.11'] } }));
    const state = join(dir, 'cli-state');
    const r = await runCli(['watch', 'dnsbl', '--policy', policy, '--state-dir', state], { SPAMTRACE_CONFIG: '', SPAMTRACE_NOTIFY_CONFIG: '' });
    assert.equal(r.code, 1, `listed: exit 1\n${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /192\.0\.2\.10 +Spamhaus ZEN +LISTED: XBL/);
    assert.match(r.stdout, /192\.0\.2\.11 +Spamhaus ZEN +cannot check: Spamhaus: the query came through a public or open resolver/);
    const cached = await runCli(['watch', 'dnsbl', '--cached', '--json', '--state-dir', state]);
    assert.equal(cached.code, 0, cached.stderr);
    const s = JSON.parse(cached.stdout) as { addresses: OutboundAddress[] };
    assert.ok(s.addresses.some((a) => a.address === '192.0.2.10' && a.via.includes('configured')));
  });

  test('scan --json: the outbound addresses per list, from the watcher\'s fresh cache or asked now; the text report too', async () => {
    const cacheFile = join(dir, 'scan-cache.json');
    const now = Date.now();
    const cachedAnswer = (address: string, zone: string, list: string, ageS: number, ttl: number) => ({
      address, zone, list, state: 'not-listed', meaning: [], codes: [], text: null, ttl, checkedAt: new Date(now - ageS * 1000).toISOString(), delist: '',
    });
    // the watcher saw 192.0.2.12 clean on SpamCop 60 s ago (TTL 900: fresh), and 192.0.2.10 clean on ZEN an hour ago (stale)
    writeFileSync(cacheFile, JSON.stringify({ checkedAt: new Date(now).toISOString(), addresses: [], notes: [], cached: 0, changes: [], results: [
      cachedAnswer('192.0.2.12', 'bl.spamcop.net', 'SpamCop', 60, 900),
      cachedAnswer('192.0.2.10', 'zen.spamhaus.org', 'Spamhaus ZEN', 3600, 900),
    ] }));
    const config = join(dir, 'scan-config.json');
    // an empty mail log: the scan reads nothing else, the test needs no lab
    writeFileSync(join(dir, 'mail.log'), '');
    writeFileSync(config, JSON.stringify({ mailLogs: [join(dir, 'mail.log')], dnsbl: { zones: ['zen.spamhaus.org', 'bl.spamcop.net'], server: dns.server, addresses: ['192.0.2.10', '192.0.2.12'], cacheFile } }));
    const r = await runCli(['scan', '--json', '--no-queue', '--since', '1m', '--config', config], { SPAMTRACE_NOTIFY_CONFIG: '' });
    assert.ok(r.code === 0 || r.code === 1, r.stderr);
    const d = parseReport(r.stdout).dnsbl!;
    assert.equal(d.checked, true, d.note);
    const get = (a: string, z: string) => d.results.find((x) => x.address === a && x.zone === z)!;
    assert.equal(get('192.0.2.12', 'bl.spamcop.net').from, 'cache', 'a fresh cached answer is used, not asked again');
    assert.equal(get('192.0.2.12', 'bl.spamcop.net').state, 'not-listed');
    const xbl = get('192.0.2.10', 'zen.spamhaus.org');
    assert.equal(xbl.from, 'query', 'a stale cached answer is asked again');
    assert.equal(xbl.state, 'listed');
    assert.ok(xbl.meaning.some((m) => m.startsWith('XBL')));
    assert.equal(get('192.0.2.12', 'zen.spamhaus.org').state, 'not-listed');
    assert.ok(d.listed >= 1);
    assert.ok(d.addresses.some((a) => a.address === '192.0.2.10' && a.via.includes('configured')));
    const text = await runCli(['scan', '--no-queue', '--since', '1m', '--config', config], { SPAMTRACE_NOTIFY_CONFIG: '' });
    assert.match(text.stdout, /Blocklists \(outbound addresses\): \d+ LISTED/);
    assert.match(text.stdout, /192\.0\.2\.10 +Spamhaus ZEN +LISTED: XBL.*\(checked /);
  });

  test('scan --json without zones and without a fresh cache says "not checked" and asks nobody', async () => {
    const config = join(dir, 'scan-off.json');
    writeFileSync(config, JSON.stringify({ mailLogs: [join(dir, 'mail.log')], dnsbl: { zones: [], server: '127.0.0.1:9', addresses: ['192.0.2.10'], cacheFile: join(dir, 'no-cache.json') } }));
    const r = await runCli(['scan', '--json', '--no-queue', '--since', '1m', '--config', config], { SPAMTRACE_NOTIFY_CONFIG: '' });
    const d = parseReport(r.stdout).dnsbl!;
    assert.equal(d.checked, false);
    assert.deepEqual(d.results, []);
    assert.match(d.note, /^not checked: no DNSBL zones configured/);
    const text = await runCli(['scan', '--no-queue', '--since', '1m', '--config', config], { SPAMTRACE_NOTIFY_CONFIG: '' });
    assert.match(text.stdout, /Blocklists: not checked: no DNSBL zones configured/);
  });

  test('a server that does not answer is "cannot check", not "not listed"', async () => {
    const m = new DnsblMonitor({ statePath: join(dir, 'c.json'), zones: ['zen.spamhaus.org'], server: '127.0.0.1:9', timeoutMs: 300 });
    const s = await m.check([addr('192.0.2.10')]);
    assert.equal(s.results[0]!.state, 'cannot-check');
    assert.match(s.results[0]!.meaning[0]!, /query failed/);
  });
});
