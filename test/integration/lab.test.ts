/**
 * The Postfix lab on this machine: up, a scenario, real deferral reasons, down, byte-for-byte
 * restore. Needs root and Postfix; brings an already running lab down first (clean slate).
 *
 *   cd /work/main && npx tsc -p . && node --test dist/test/integration/lab.test.js
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import {
  MAIN_CF,
  MASTER_CF,
  flushQueue,
  labDown,
  labStatus,
  labUp,
  postcat,
  postqueueJson,
  readFakeMxStatus,
  runScenario,
  sha256File,
  waitForQueueSettled,
  type QueueEntry,
  type Scenario,
} from '../lab/lab';
import { acquireLabLock as acquireLock, releaseLabLock } from '../lab/lab-lock';

const canRun = process.getuid?.() === 0 && existsSync('/usr/sbin/postfix') && existsSync('/usr/sbin/saslpasswd2');
const skip = process.env['SPAMTRACE_SKIP_LAB']
  ? 'SPAMTRACE_SKIP_LAB is set'
  : canRun
    ? false
    : 'needs root, Postfix and sasl2-bin (the lab reconfigures this machine)';

const AOL = 'refused to talk to me: 421 4.7.1 : (DYN:T1) http://postmaster.info.aol.com/errors/421dynt1.html';
const YAHOO = 'refused to talk to me: 421 4.7.0 [TSS04] Messages from 127.0.0.1 temporarily deferred';

describe('the Postfix lab', { skip, concurrency: false }, () => {
  let mainCfBefore = '';
  let masterCfBefore = '';
  let downDone = false;
  let usersBefore: string[] = [];

  before(async () => {
    await acquireLock();
    await labDown();
    mainCfBefore = await sha256File(MAIN_CF);
    masterCfBefore = await sha256File(MASTER_CF);
    usersBefore = (await labStatus()).users.filter((u) => u.present).map((u) => u.name);
  });

  after(async () => {
    try {
      if (!downDone) await labDown();
    } finally {
      await releaseLabLock();
    }
  });

  test('labUp starts Postfix and the fake MX with a clean postfix check', async () => {
    const r = await labUp();
    assert.deepEqual(r.postfixCheck, []);
    const s = await labStatus();
    assert.equal(s.up, true);
    assert.equal(s.postfix.running, true);
    assert.equal(s.fakeMx.running, true);
    assert.ok(s.users.every((u) => u.present), 'every lab user exists');
    assert.ok((await flushQueue()) >= 0);
  });

  test('labUp a second time is harmless and keeps the first backup', async () => {
    const r = await labUp();
    assert.deepEqual(r.postfixCheck, []);
    assert.equal((await labStatus()).postfix.running, true);
  });

  test('php-spam messages from uid 4079 end up deferred with the AOL DYN:T1 and Yahoo TSS04 reasons', async () => {
    const run = await runScenario('php-spam', { count: 6, wait: true });
    const sent = run.submissions.find((s) => s.label === 'php-spam');
    assert.ok(sent);
    assert.equal(sent.submitted, 6);
    assert.equal(sent.failed, 0);

    const queue = await postqueueJson();
    const mine = queue.filter((e: QueueEntry) => e.sender.endsWith('@web274-example.de'));
    assert.equal(mine.length, 6);
    assert.ok(mine.every((e) => e.queue_name === 'deferred'));
    const reasons = mine.flatMap((e) => e.recipients.map((r) => r.delay_reason ?? ''));
    assert.ok(reasons.some((r) => r.includes(AOL)), `an AOL DYN:T1 reason in ${JSON.stringify(reasons)}`);
    assert.ok(reasons.some((r) => r.includes(YAHOO)), `a Yahoo TSS04 reason in ${JSON.stringify(reasons)}`);
    assert.ok(reasons.every((r) => r.includes(AOL) || r.includes(YAHOO)));

    const first = mine[0];
    assert.ok(first);
    const text = await postcat([first.queue_id]);
    assert.match(text, /named_attribute: rewrite_context=local/);
    assert.match(text, /Received: by lab\.spamtrace\.test \(Postfix, from userid 4079\)/);
    assert.match(text, /X-PHP-Originating-Script: 4079:xmlrpclAag\.php/);
    assert.doesNotMatch(text, /sasl_username=/);

    const mx = await readFakeMxStatus();
    assert.ok((mx?.personas['aol']?.counts.refused ?? 0) >= 1, 'the aol persona refused a connection');
  });

  test('a scenario declared by the test itself submits over SMTP with XCLIENT and a SASL login', async () => {
    const scenario: Scenario = {
      name: 'test-sasl',
      description: 'one SASL message from a foreign client',
      submissions: [
        {
          via: 'smtp',
          auth: { user: 'info@shop-example.de', password: 'Shop-Lab-2024' },
          xclient: { addr: '198.51.100.23', name: 'client.example.net', helo: 'client.example.net' },
          from: 'info@shop-example.de',
          to: ['kunde{n}@gmail.com'],
          headers: [
            ['From', '{from}'],
            ['To', '{to}'],
            ['Subject', 'order {n}'],
          ],
          body: 'thanks\n',
          count: 2,
        },
      ],
    };
    const run = await runScenario(scenario, { wait: true });
    const res = run.submissions[0];
    assert.ok(res);
    assert.equal(res.submitted, 2);
    assert.equal(res.queueIds.length, 2);
    const text = await postcat(res.queueIds);
    assert.match(text, /named_attribute: sasl_username=info@shop-example\.de/);
    assert.match(text, /named_attribute: client_address=198\.51\.100\.23/);
    assert.match(text, /named_attribute: rewrite_context=remote/);
    const queued = (await postqueueJson()).filter((e) => res.queueIds.includes(e.queue_id));
    assert.ok(queued.every((e) => e.recipients.every((r) => (r.delay_reason ?? '').includes('421-4.7.0'))));
    await waitForQueueSettled(10000);
  });

  test('labDown restores main.cf and master.cf byte for byte and empties the queue', async () => {
    const r = await labDown();
    downDone = true;
    assert.equal(r.wasUp, true);
    assert.equal(await sha256File(MAIN_CF), mainCfBefore);
    assert.equal(await sha256File(MASTER_CF), masterCfBefore);
    const s = await labStatus();
    assert.equal(s.up, false);
    assert.equal(s.postfix.running, false);
    assert.equal(s.fakeMx.running, false);
    assert.equal(s.queue.deferred + s.queue.active + s.queue.incoming + s.queue.maildrop, 0);
    assert.deepEqual(
      s.users.filter((u) => u.present).map((u) => u.name),
      usersBefore,
      'only users that existed before the lab remain',
    );
  });
});
