/**
 * Real `postcat -e -h -q` output captured from the lab's Postfix 3.7 (test/lab/fixtures):
 * each kind of message must land on the right source.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { LocalHost } from '../../../src/host/local-host';
import { parsePostcat } from '../../../src/collect/queue/postcat-parser';
import { deriveMessageFields } from '../../../src/trace/message-fields';
import { SkipTally } from '../../../src/collect/skip-tally';
import { originOf, sourceKeyOf } from '../../../src/trace/origin';
import { packageRoot } from '../../helpers/run-cli';

const ROWS: { fixture: string; source: string; note: string }[] = [
  { fixture: 'postcat-local-php-spam.txt', source: 'uid:4079', note: 'pickup Received names the web user' },
  { fixture: 'postcat-local-newsletter.txt', source: 'uid:10002', note: 'pickup Received names the newsletter user' },
  { fixture: 'postcat-sasl-stolen-login.txt', source: 'sasl:kontakt@kunde-beispiel.de', note: 'sasl_username attribute' },
  { fixture: 'postcat-smtp-open-relay.txt', source: 'client:192.0.2.77', note: 'client attributes, no login' },
  { fixture: 'postcat-local-cron-forwarded.txt', source: 'uid:0', note: 'a copy forwarded by the root alias keeps its submitter' },
  { fixture: 'postcat-bounce-mailer-daemon.txt', source: 'unknown:bounces', note: 'a bounce this server generated' },
];

for (const row of ROWS) {
  test(`${row.fixture} is traced to ${row.source} (${row.note})`, async () => {
    const host = new LocalHost('test');
    const skipped = new SkipTally();
    const file = join(packageRoot(), 'test', 'lab', 'fixtures', row.fixture);
    const keys: string[] = [];
    for await (const m of parsePostcat(host.readLines(file), { skipped })) {
      const f = deriveMessageFields(m);
      keys.push(sourceKeyOf(originOf({ attributes: m.attributes, pickupUid: f.pickupUid, forwardedPickupUid: f.forwardedPickupUid, phpScript: f.phpScript, sender: m.sender })));
    }
    assert.ok(keys.length >= 1, 'at least one message parsed');
    assert.deepEqual([...new Set(keys)], [row.source]);
    assert.equal(skipped.total(), 0, JSON.stringify(skipped.list()));
  });
}

test('a "from userid" Received header further down an SMTP message is not believed', async () => {
  const host = new LocalHost('test');
  const file = join(packageRoot(), 'test', 'lab', 'fixtures', 'postcat-sasl-stolen-login.txt');
  for await (const m of parsePostcat(host.readLines(file), { skipped: new SkipTally() })) {
    m.headers.push({ name: 'received', value: 'by lab.spamtrace.test (Postfix, from userid 10003) id X' });
    m.attributes = {};
    const f = deriveMessageFields(m);
    const o = originOf({ attributes: m.attributes, pickupUid: f.pickupUid, forwardedPickupUid: f.forwardedPickupUid, phpScript: f.phpScript, sender: m.sender });
    assert.notEqual(o.kind, 'local');
  }
});
