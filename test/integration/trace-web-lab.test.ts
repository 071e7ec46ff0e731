/**
 * From a uid to the script and the attacker, on the real lab: Apache with per-user
 * PHP-FPM writes real access-log lines, PHP's mail() submits as the web user, Postfix
 * logs it. The scan must name the dropped script and the bot's IP with the right count,
 * leave the contact form unaccused, and a mail-log-only scan must find the same sources.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { flushQueue, labDown, labUp, runScenario } from '../lab/lab';
import { acquireLabLock, releaseLabLock } from '../lab/lab-lock';
import { parseReport, runCli } from '../helpers/run-cli';
import { DROPPED_SCRIPT, droppedScriptFile, webSite, WP_LOGIN } from '../lab/web/web-layout';
import { WEB_SPAM_BOT_IP, WEB_SPAM_BRUTEFORCE_IP } from '../lab/web/web-scenario';
import type { Report } from '../../src/domain/report';

const canRun =
  process.getuid?.() === 0 && existsSync('/usr/sbin/postfix') && existsSync('/usr/sbin/apache2') && existsSync('/usr/sbin/saslpasswd2');
const skip = process.env['SPAMTRACE_SKIP_LAB'] ? 'SPAMTRACE_SKIP_LAB is set' : canRun ? false : 'needs root, Postfix, Apache and PHP-FPM';

describe('web-log correlation and mail-log history on the real lab', { skip, concurrency: false }, () => {
  let queueScan: Report;
  let queueOnly: Report;
  let logOnly: Report;
  let textOut: string;
  let since: string;

  before(async () => {
    await acquireLabLock();
    await labUp();
    await flushQueue();
    // whole seconds: log timestamps have no fractions
    since = new Date(Math.floor(Date.now() / 1000) * 1000 - 1000).toISOString();
    await runScenario('web-spam', { wait: true });
    await runScenario('sasl-bruteforce', { wait: true });
    await runScenario('stolen-login', { wait: true });
    // a mailing script run from the shell: mail with no web request before it
    await runScenario('newsletter', { wait: true });
    queueScan = parseReport((await runCli(['scan', '--json', '--since', since])).stdout);
    queueOnly = parseReport((await runCli(['scan', '--json'])).stdout);
    const log = await runCli(['scan', '--json', '--no-queue', '--since', since]);
    assert.equal(log.stderr, '');
    logOnly = parseReport(log.stdout);
    textOut = (await runCli(['scan', '--since', since])).stdout;
  });

  after(async () => {
    try {
      await labDown();
    } finally {
      await releaseLabLock();
    }
  });

  test('the dropped script comes first, with the bot as its client and every bot submission explained', () => {
    const s = queueScan.sources.find((x) => x.id === 'uid:4079');
    assert.ok(s, 'web274 is a source');
    assert.equal(s.verdict, 'spam');
    assert.equal(s.subscription?.id, 'web274');
    const top = s.scripts?.[0];
    assert.ok(top, `scripts found (${s.scriptNote ?? ''})`);
    assert.equal(top.urlPath, DROPPED_SCRIPT.urlPath);
    assert.equal(top.filePath, droppedScriptFile());
    assert.equal(top.file?.exists, true);
    assert.equal(top.file?.owner, 'web274');
    assert.equal(top.clients[0]?.value, WEB_SPAM_BOT_IP);
    const detail = `${s.scriptNote ?? ''} | ${(s.scripts ?? []).map((f) => `${f.urlPath}=${f.explainedSubmissions}/${f.requests}`).join(', ')} | ${s.messages} messages`;
    assert.equal(top.explainedSubmissions, 25, detail);
    const signals = top.signals.map((x) => x.id);
    for (const id of ['random-name', 'php-in-upload-dir', 'no-agent-no-referer', 'steady-interval']) assert.ok(signals.includes(id), `${id} in ${signals}`);
    assert.ok(top.evidence.every((e) => e.file.startsWith(webSite('web274').logDir)));
  });

  test('the wp-login brute force and the page views are not accused', () => {
    for (const s of queueScan.sources) {
      for (const f of s.scripts ?? []) {
        assert.notEqual(f.urlPath, WP_LOGIN.urlPath);
        assert.ok(!f.clients.some((c) => c.value === WEB_SPAM_BRUTEFORCE_IP && f.signals.length > 0));
      }
    }
  });

  test('the contact form is not accused', () => {
    const form = queueScan.sources.find((x) => x.user === 'formuser');
    assert.ok(form, 'the contact form user is a source');
    assert.equal(form.verdict, 'normal');
    for (const f of form.scripts ?? []) {
      assert.deepEqual(f.signals, [], `${f.urlPath} carries no bad signs`);
      assert.ok(!f.clients.some((c) => c.value === WEB_SPAM_BOT_IP));
    }
  });

  test('mail that no web request preceded is said to be so, not pinned on a script', () => {
    const news = queueScan.sources.find((x) => x.user === 'newsuser');
    assert.ok(news, 'the newsletter user is a source');
    assert.deepEqual(news.scripts ?? [], []);
    assert.match(news.scriptNote ?? '', /cron|command line|CLI|no web request/i);
  });

  test('the human report names the file to remove and the IP to block', () => {
    assert.match(textOut, new RegExp(`remove: ${droppedScriptFile().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.match(textOut, new RegExp(`block: ${WEB_SPAM_BOT_IP.replace(/\./g, '\\.')} \\(25 requests\\)`));
  });

  test('the stolen login shows the failed logins before it', () => {
    const s = queueScan.sources.find((x) => x.id === 'sasl:kontakt@kunde-beispiel.de');
    assert.ok(s?.login, 'login assessed');
    assert.ok(s.login.failedTotal >= 5, `failed ${s.login.failedTotal}`);
    assert.notEqual(s.login.conclusion, 'not-stolen', s.login.reasons.join('; '));
    assert.equal(s.subscription?.domains[0], 'kunde-beispiel.de');
  });

  test('queue and mail log merge without double counting', () => {
    assert.ok(queueScan.mailLog, 'the mail log was read');
    assert.ok(queueScan.mailLog.alsoInQueue > 0);
    for (const s of queueOnly.sources) {
      const merged = queueScan.sources.find((x) => x.id === s.id);
      assert.ok(merged, s.id);
      // history can add delivered mail, never count queued mail twice
      assert.ok(merged.messages >= s.messages, `${s.id}: ${merged.messages} >= ${s.messages}`);
      assert.ok(merged.messages <= s.messages + queueScan.mailLog.fromLogOnly, s.id);
    }
    const web = queueScan.sources.find((x) => x.id === 'uid:4079')!;
    assert.equal(web.messages, queueOnly.sources.find((x) => x.id === 'uid:4079')!.messages, 'undelivered web spam counted once');
  });

  test('a mail-log-only scan reproduces the sources of the queue scan', () => {
    assert.equal(logOnly.input.queueSource, 'not read (--no-queue)');
    for (const s of queueOnly.sources) {
      if (s.kind === 'unknown') continue;
      const l = logOnly.sources.find((x) => x.id === s.id);
      assert.ok(l, `${s.id} found from the log alone`);
      assert.equal(l.verdict, s.verdict, `${s.id}: ${l.reasons.join('; ')}`);
      assert.ok(l.messages >= s.messages, `${s.id} messages`);
    }
    const web = logOnly.sources.find((x) => x.id === 'uid:4079')!;
    assert.equal(web.scripts?.[0]?.urlPath, DROPPED_SCRIPT.urlPath);
    assert.equal(web.scripts?.[0]?.explainedSubmissions, 25);
  });
});
