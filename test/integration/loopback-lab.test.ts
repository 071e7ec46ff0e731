/**
 * SMTP to localhost on the real lab: a mailer in shopuser's uploads (Apache + PHP-FPM as
 * shopuser) speaks SMTP to 127.0.0.1:25 itself, so Postfix records neither a uid nor a login.
 * `scan --json` must still name the subscription, the script and the attacker's IP, from the
 * access logs of all subscriptions, both from the queue and from the mail log alone.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { flushQueue, labDown, labUp, runScenario } from '../lab/lab';
import { acquireLabLock, releaseLabLock } from '../lab/lab-lock';
import { parseReport, runCli } from '../helpers/run-cli';
import { SMTP_SCRIPT, webSite } from '../lab/web/web-layout';
import { WEB_SMTP_BOT_IP } from '../lab/web/web-smtp-scenario';
import type { Report, ReportSource } from '../../src/domain/report';

const canRun =
  process.getuid?.() === 0 && existsSync('/usr/sbin/postfix') && existsSync('/usr/sbin/apache2') && existsSync('/usr/sbin/saslpasswd2');
const skip = process.env['SPAMTRACE_SKIP_LAB'] ? 'SPAMTRACE_SKIP_LAB is set' : canRun ? false : 'needs root, Postfix, Apache and PHP-FPM';

function loopback(r: Report): ReportSource {
  const s = r.sources.find((x) => x.id === 'client:127.0.0.1');
  assert.ok(s, `a client:127.0.0.1 source in ${r.sources.map((x) => x.id).join(', ')}`);
  return s;
}

describe('SMTP to localhost: attributed to its site after the fact', { skip, concurrency: false }, () => {
  let queueScan: Report;
  let logOnly: Report;

  before(async () => {
    await acquireLabLock();
    const up = await labUp();
    assert.ok(up.web.started, `the lab web server: ${up.web.skippedReason ?? ''}`);
    await flushQueue();
    const since = new Date(Math.floor(Date.now() / 1000) * 1000 - 1000).toISOString();
    const run = await runScenario('web-smtp-spam', { wait: true });
    assert.equal(run.submissions.find((s) => s.label === 'web-smtp bot')?.submitted, 15, JSON.stringify(run.submissions));
    queueScan = parseReport((await runCli(['scan', '--json', '--since', since])).stdout);
    logOnly = parseReport((await runCli(['scan', '--json', '--no-queue', '--since', since])).stdout);
  });

  after(async () => {
    try {
      await labDown();
    } finally {
      await releaseLabLock();
    }
  });

  for (const [name, get] of [['queue and mail log', () => queueScan], ['mail log alone (--no-queue)', () => logOnly]] as const) {
    test(`${name}: scan --json names the subscription, the script and the attacker's IP`, () => {
      const s = loopback(get());
      const shop = webSite(SMTP_SCRIPT.site);
      assert.equal(s.uid, null, 'Postfix recorded no uid');
      assert.equal(s.subscription?.domains.includes(shop.domain), true, `${s.scriptNote ?? ''} ${JSON.stringify(s.subscription)}`);
      const top = s.scripts?.[0];
      assert.ok(top, s.scriptNote ?? 'no script');
      assert.equal(top.urlPath, SMTP_SCRIPT.urlPath);
      assert.equal(top.filePath, join(shop.docRoot, SMTP_SCRIPT.urlPath));
      assert.equal(top.file?.owner, shop.user);
      assert.equal(top.clients[0]?.value, WEB_SMTP_BOT_IP);
      assert.ok(top.explainedSubmissions >= 12, `${top.explainedSubmissions} of ${s.messages} explained`);
      assert.match(s.scriptNote ?? '', /attributed by timing to shop-example\.de/);
      assert.equal(s.verdict, 'spam');
    });
  }
});
