/**
 * A fleet scan of the real lab through a real sshd on 127.0.0.1: three aliases to the
 * same machine must give exactly what the local scan gives (sources, counts, verdicts,
 * the dropped script and its file), the alias to a dead port and the one with a wrong
 * host key are reported with their reasons, and the scan finishes. A mail log reached
 * through a hostile path is read through the real collector and runs nothing.
 * Every login shell of the test sshd is slow on purpose (1 s, like a ~/.bashrc running
 * pyenv) and counts itself: a host costs a few sessions, not one per file or uid.
 * A second sshd gives its sessions the tools of an old distribution (postqueue without
 * -j, dd without status=none, no timeout(1)): the scan through it finds the same sources.
 * Root only; takes the lab lock; brings the lab down afterwards.
 *
 *   cd /work/main && npx tsc -p . && node --test dist/test/integration/fleet-ssh.test.js
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { packageRoot } from '../../src/package-root';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flushQueue, labDown, labUp, MAIL_LOG, runScenario } from '../lab/lab';
import { acquireLabLock, releaseLabLock } from '../lab/lab-lock';
import { DROPPED_SCRIPT, droppedScriptFile } from '../lab/web/web-layout';
import { WEB_SPAM_BOT_IP } from '../lab/web/web-scenario';
import { canRunSshd, startPrivateSshd, type PrivateSshd } from '../../bench/fleet/private-sshd';
import type { Report, ReportSource } from '../../src/domain/report';
import { LocalHost } from '../../src/host/local-host';
import { SshHost } from '../../src/host/ssh-host';
import { silentLogger } from '../../src/log';
import { parseScanArgs } from '../../src/cli/scan-args';
import { runScan } from '../../src/scan/run-scan';
import { parseFleetConfig } from '../../src/fleet/fleet-config';
import { scanFleet, type HostProgressEvent } from '../../src/fleet/fleet-scan';
import type { FleetReport } from '../../src/fleet/fleet-report';
import { renderFleetText } from '../../src/fleet/render-fleet-text';

const canRun = canRunSshd() && existsSync('/usr/sbin/postfix') && existsSync('/usr/sbin/apache2') && existsSync('/usr/sbin/saslpasswd2');
const skip = process.env['SPAMTRACE_SKIP_LAB'] ? 'SPAMTRACE_SKIP_LAB is set' : canRun ? false : 'needs root, openssh-server, Postfix, Apache and PHP-FPM';

const quiet = { update: () => undefined, end: () => undefined };

/** What must be the same whichever way the machine was reached. */
function essence(s: ReportSource) {
  return {
    id: s.id,
    kind: s.kind,
    user: s.user,
    messages: s.messages,
    examinedMessages: s.examinedMessages,
    recipients: s.recipients,
    verdict: s.verdict,
    score: s.score,
    rules: s.rules,
    deferrals: s.deferrals,
    subscription: s.subscription?.id ?? null,
    scripts: (s.scripts ?? []).map((f) => ({ urlPath: f.urlPath, filePath: f.filePath, exists: f.file?.exists ?? null, owner: f.file?.owner ?? null, requests: f.requests, explained: f.explainedSubmissions, clients: f.clients, evidence: f.evidence })),
    scriptNote: s.scriptNote ?? null,
  };
}

/** where a relative "touch pwned-too" would land if a name ran in the test's own cwd */
const dir0 = (): string => process.cwd();

describe('fleet scan of the real lab over SSH', { skip, concurrency: false }, () => {
  let sshd: PrivateSshd;
  let scratch: string;
  let since: string;
  let local: Report;
  let fleet: FleetReport;
  const events: HostProgressEvent[] = [];
  let fleetMs = 0;
  let fleetSessions = 0;
  let hostTimeoutMs = 180_000;

  before(async () => {
    await acquireLabLock();
    await labUp();
    await flushQueue();
    since = new Date(Math.floor(Date.now() / 1000) * 1000 - 1000).toISOString();
    await runScenario('web-spam', { wait: true });
    await runScenario('stolen-login', { wait: true });
    sshd = await startPrivateSshd({ goodAliases: 3, slowLoginSeconds: 1 });
    scratch = mkdtempSync(join(tmpdir(), 'spamtrace-fleet-it-'));
    const options = parseScanArgs(['--since', since]);
    const tLocal = Date.now();
    local = await runScan(options, { host: new LocalHost('local'), logger: silentLogger(), progress: quiet, now: () => new Date() });
    // a host's limit scales with how slow this machine is right now: the same scan done
    // locally, times a margin for SSH, the slow login shell and 3 hosts at once
    hostTimeoutMs = Math.max(180_000, 40 * (Date.now() - tLocal));
    const config = parseFleetConfig({
      sshConfig: sshd.configPath,
      hosts: [...sshd.good, sshd.dead, sshd.badKey].map((alias) => ({ alias, roles: ['mail', 'web', 'panel'] })),
    });
    const t0 = Date.now();
    const before = await sshd.sessions();
    fleet = await scanFleet('all', { config, scan: options, hostTimeoutMs }, { logger: silentLogger(), now: () => new Date(), onProgress: (e) => events.push(e) });
    fleetMs = Date.now() - t0;
    fleetSessions = (await sshd.sessions()) - before;
  });

  after(async () => {
    try {
      await sshd?.stop();
      if (scratch) rmSync(scratch, { recursive: true, force: true });
      await labDown();
    } finally {
      await releaseLabLock();
    }
  });

  test('the local scan itself found the web spammer, its script and the stolen login (the baseline is meaningful)', () => {
    const web = local.sources.find((s) => s.id === 'uid:4079');
    assert.equal(web?.verdict, 'spam');
    assert.equal(web?.scripts?.[0]?.urlPath, DROPPED_SCRIPT.urlPath);
    assert.equal(web?.scripts?.[0]?.filePath, droppedScriptFile());
    assert.ok(local.sources.some((s) => s.id === 'sasl:kontakt@kunde-beispiel.de' && s.verdict === 'spam'));
  });

  test('every alias to the lab gives the same sources, counts, verdicts and scripts as the local scan', () => {
    for (const alias of sshd.good) {
      const h = fleet.hosts.find((x) => x.alias === alias);
      assert.equal(h?.state, 'scanned', `${alias}: ${h?.error?.message ?? ''}`);
      const r = h!.report!;
      assert.equal(r.host, alias);
      assert.equal(r.queue.total, local.queue.total);
      assert.equal(r.queue.examined, local.queue.examined);
      assert.deepEqual(r.queue.byQueue, local.queue.byQueue);
      assert.deepEqual(r.sources.map(essence), local.sources.map(essence), alias);
      assert.ok(r.sources.every((s) => s.host === alias));
      assert.deepEqual(r.mailLog?.files, local.mailLog?.files);
      assert.equal(r.mailLog?.messages, local.mailLog?.messages);
      assert.deepEqual(r.inventory, local.inventory);
      assert.deepEqual(r.skipped, local.skipped);
    }
  });

  test('each scanned host opened a few remote sessions, not one per file, directory or uid', () => {
    // the three good aliases reach the sshd; the dead and wrong-key ones never start a shell
    assert.ok(fleetSessions >= 3, `sessions counted by the login script: ${fleetSessions}`);
    assert.ok(fleetSessions <= 3 * 8, `${fleetSessions} sessions for 3 hosts`);
  });

  test('the dead alias and the wrong-key alias are reported with their reasons, and the scan finished', () => {
    const dead = fleet.hosts.find((h) => h.alias === sshd.dead);
    assert.equal(dead?.state, 'failed');
    assert.equal(dead?.error?.kind, 'unreachable');
    assert.match(dead?.error?.message ?? '', /Connection refused/);
    const bad = fleet.hosts.find((h) => h.alias === sshd.badKey);
    assert.equal(bad?.state, 'failed');
    assert.equal(bad?.error?.kind, 'host-key-changed');
    assert.match(bad?.error?.message ?? '', /host key has CHANGED/);
    assert.deepEqual(fleet.summary, { ...fleet.summary, hosts: 5, scanned: 3, failed: 2 });
    assert.ok(fleetMs < hostTimeoutMs, `${fleetMs} ms`);
  });

  test('the bot address and the dropped script are called out across the three hosts', () => {
    const ip = fleet.crossHost.ips.find((i) => i.value === WEB_SPAM_BOT_IP);
    assert.ok(ip, JSON.stringify(fleet.crossHost.ips.map((i) => i.value)));
    assert.deepEqual(ip.hosts.map((h) => h.host), [...sshd.good].sort());
    const script = fleet.crossHost.scripts.find((s) => s.value === 'kqzvmx.php');
    assert.ok(script);
    assert.ok(script.hosts.every((h) => h.paths.includes(droppedScriptFile())));
    assert.ok(fleet.crossHost.ips.some((i) => i.value === '93.120.196.244' && i.as.includes('SASL login client')));
    const text = renderFleetText(fleet);
    assert.match(text, /== dead \(root@127\.0\.0\.1:\d+\) \[mail, web, panel\]: FAILED after .* \(unreachable\)/);
    assert.match(text, /kqzvmx\.php \[.*dropped script.*\] on 3 hosts/);
  });

  test('each host reported its progress: connecting, scanning, then done or failed', () => {
    for (const alias of sshd.good) {
      const phases = [...new Set(events.filter((e) => e.alias === alias).map((e) => e.phase))];
      assert.deepEqual(phases, ['connecting', 'scanning', 'done'], alias);
    }
    for (const alias of [sshd.dead, sshd.badKey]) {
      assert.deepEqual(events.filter((e) => e.alias === alias).map((e) => e.phase), ['connecting', 'failed'], alias);
    }
  });

  test('a mail node with webFrom finds the script through the web node: the split pair gives the local result', async () => {
    const [, web, mail] = sshd.good;
    const config = parseFleetConfig({
      sshConfig: sshd.configPath,
      hosts: [
        { alias: mail, roles: ['mail'], webFrom: web },
        { alias: web, roles: ['web', 'panel'] },
      ],
    });
    const split = await scanFleet('all', { config, scan: parseScanArgs(['--since', since]) }, { logger: silentLogger(), now: () => new Date() });
    const m = split.hosts.find((h) => h.alias === mail)!;
    assert.equal(m.state, 'scanned', m.error?.message);
    assert.equal(m.webFrom, web);
    assert.deepEqual(m.report!.sources.map(essence), local.sources.map(essence));
    const w = split.hosts.find((h) => h.alias === web)!;
    assert.equal(w.state, 'checked', w.error?.message);
    assert.equal(w.inventory?.subscriptions, local.inventory?.subscriptions);
    assert.equal(w.report, null);
  });

  test('a mail log at the path "a;touch /tmp/pwned" is read through SSH by the real collector, and nothing runs', async () => {
    const canaries = ['/tmp/pwned', '/root/pwned-too', join(dir0(), 'pwned-too')];
    for (const c of canaries) rmSync(c, { force: true });
    const dir = join(scratch, 'a;touch ', 'tmp');
    mkdirSync(dir, { recursive: true });
    const hostile = join(dir, 'pwned');
    copyFileSync(MAIL_LOG, hostile);
    // an older rotation, gzipped: decompressed on this side after crossing SSH compressed
    copyFileSync(join(packageRoot(), 'test', 'fixtures', 'maillog', 'lab-mixed-full.mail.log.gz'), `${hostile}.1.gz`);
    // neighbours whose names would run something if they reached a shell unquoted
    writeFileSync(join(dir, '$(touch pwned-too)\n;touch pwned-too'), '');
    writeFileSync(join(dir, "pwned';touch pwned-too;'"), '');
    const options = parseScanArgs(['--no-queue', '--since', since, '--maillog', hostile, '--no-weblogs']);
    const deps = { logger: silentLogger(), progress: quiet, now: () => new Date() };
    const here = await runScan(options, { ...deps, host: new LocalHost('local') });
    const ssh = new SshHost({ alias: sshd.good[0]!, configPath: sshd.configPath });
    await ssh.connect();
    try {
      const there = await runScan(options, { ...deps, host: ssh });
      for (const c of canaries) assert.equal(existsSync(c), false, `${c}: a file name was executed on the remote side`);
      assert.ok(there.mailLog && there.mailLog.messages > 0, 'the log was read');
      assert.deepEqual(there.mailLog.files, here.mailLog?.files);
      assert.equal(there.mailLog.files.length, 2, JSON.stringify(there.mailLog.files));
      assert.ok(there.mailLog.files.every((f) => f.read), JSON.stringify(there.mailLog.files));
      assert.deepEqual(there.sources.map(essence), here.sources.map(essence));
      assert.ok(there.sources.some((s) => s.id === 'uid:4079'));
    } finally {
      await ssh.close();
    }
  });

  test('a host whose tools are an old distribution\'s (no postqueue -j, no dd status=none, no timeout) gives the same sources', async () => {
    const bin = join(scratch, 'old-bin');
    mkdirSync(bin, { recursive: true });
    const wrapper = (name: string, body: string): void => {
      writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
      chmodSync(join(bin, name), 0o755);
    };
    // Postfix 2.x: postqueue knows -p but not -j; postconf points at these wrappers
    wrapper('postqueue', `for a; do case $a in -j) echo "postqueue: invalid option -- 'j'" >&2; echo "postqueue: fatal: usage: postqueue -f | postqueue -i queueid | postqueue -p | postqueue -s site" >&2; exit 64;; esac; done\nexec /usr/sbin/postqueue "$@"`);
    wrapper('postcat', 'exec /usr/sbin/postcat "$@"');
    // (a value alone with -h, `name = value` without it)
    wrapper('postconf', `/usr/sbin/postconf "$@" | sed -e 's|^/usr/sbin$|${bin}|' -e 's|^command_directory = /usr/sbin$|command_directory = ${bin}|'`);
    // coreutils 6: no status=none, no timeout(1)
    wrapper('dd', `for a; do case $a in status=*) echo "dd: invalid status flag: '\${a#status=}'" >&2; exit 1;; esac; done\nexec /bin/dd "$@"`);
    wrapper('timeout', 'echo "sh: timeout: not found" >&2; exit 127');
    const old = await startPrivateSshd({ goodAliases: 1, slowLoginSeconds: 1, pathPrefix: bin });
    const host = new SshHost({ alias: old.good[0]!, configPath: old.configPath });
    try {
      await host.connect();
      assert.equal(host.remoteCaps?.timeout, false);
      assert.equal(host.remoteCaps?.ddStatusNone, false);
      const options = parseScanArgs(['--since', since]);
      const there = await runScan(options, { host, logger: silentLogger(), progress: quiet, now: () => new Date() });
      assert.equal(there.input.queueSource, 'postqueue -p', 'the -j refusal fell back to the text listing');
      assert.equal(there.queue.total, local.queue.total);
      assert.deepEqual(there.sources.map(essence), local.sources.map(essence));
      // the log grew since the local scan: the same files were read, sizes may differ
      assert.deepEqual(there.mailLog?.files.map((f) => [f.path, f.read]), local.mailLog?.files.map((f) => [f.path, f.read]));
      assert.ok(host.sessionsOpened <= 8, `${host.sessionsOpened} sessions`);
      assert.ok((await old.sessions()) <= 8, `${await old.sessions()} login shells`);
    } finally {
      await host.close();
      await old.stop();
    }
  });
});
