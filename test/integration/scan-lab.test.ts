/**
 * `spamtrace scan` against the real Postfix lab: every scenario's expected source must
 * come out with the right counts and verdict, and nobody innocent is accused.
 * Needs root and Postfix (.ci/run installs them); the lab reconfigures this machine
 * while it runs and restores it afterwards.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { flushQueue, labDown, labUp, postqueueJson, runScenario, waitForQueueSettled, type ScenarioRun, type Scenario } from '../lab/lab';
import { acquireLabLock, releaseLabLock } from '../lab/lab-lock';
import { packageRoot, parseReport, runCli } from '../helpers/run-cli';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Report } from '../../src/domain/report';
import type { QueuedMessage } from '../../src/domain/queue';
import { collectQueue } from '../../src/collect/queue/queue-collector';
import { readQueuedMessages } from '../../src/collect/queue/postcat-batch';
import { parseQueueId } from '../../src/collect/queue/queue-id';
import { SkipTally } from '../../src/collect/skip-tally';
import { LocalHost } from '../../src/host/local-host';

const canRun = process.getuid?.() === 0 && existsSync('/usr/sbin/postfix') && existsSync('/usr/sbin/saslpasswd2');
const skip = process.env['SPAMTRACE_SKIP_LAB'] ? 'SPAMTRACE_SKIP_LAB is set' : canRun ? false : 'needs root, Postfix and sasl2-bin';

function expectedId(e: NonNullable<ScenarioRun['submissions'][number]['expect']>): string {
  if (e.origin === 'local') return `uid:${e.uid}`;
  if (e.origin === 'sasl') return `sasl:${e.saslUsername!.toLowerCase()}`;
  return `client:${e.clientAddress}`;
}

describe('spamtrace scan on the real lab', { skip, concurrency: false }, () => {
  let run: ScenarioRun;
  let report: Report;
  let exitCode: number | null;

  before(async () => {
    await acquireLabLock();
    await labUp();
    await flushQueue();
    run = await runScenario('mixed', { wait: true });
    const r = await runCli(['scan', '--json']);
    exitCode = r.code;
    report = parseReport(r.stdout);
  });

  after(async () => {
    try {
      await labDown();
    } finally {
      await releaseLabLock();
    }
  });

  test('the scan exits 1 because spam was found, and examined the whole queue', () => {
    assert.equal(exitCode, 1);
    assert.equal(report.input.mode, 'live');
    assert.equal(report.queue.examined, report.queue.total);
    assert.ok(report.queue.total >= 90, `queue total ${report.queue.total}`);
  });

  test('every scenario source is found with its message count and verdict', () => {
    const expected = new Map<string, { messages: number; verdict: string }>();
    for (const s of run.submissions) {
      if (!s.expect || s.via === 'weblog') continue;
      const id = expectedId(s.expect);
      const e = expected.get(id) ?? { messages: 0, verdict: s.expect.verdict === 'spam' ? 'spam' : 'normal' };
      e.messages += s.submitted;
      expected.set(id, e);
    }
    assert.ok(expected.size >= 6, 'mixed declares at least six sources');
    for (const [id, e] of expected) {
      const s = report.sources.find((x) => x.id === id);
      assert.ok(s, `source ${id} is in the report`);
      assert.equal(s.messages, e.messages, `${id} messages`);
      assert.equal(s.verdict, e.verdict, `${id}: ${s.reasons.join('; ')}`);
    }
  });

  test('the PHP spammer is web274 with its script and the AOL and Yahoo verdicts', () => {
    const s = report.sources.find((x) => x.id === 'uid:4079')!;
    assert.equal(s.user, 'web274');
    assert.equal(s.home, '/var/www/web274');
    assert.deepEqual(s.phpScripts, ['xmlrpclAag.php']);
    const rules = s.deferralRules.map((d) => d.rule);
    assert.ok(rules.includes('aol-dyn-t1') && rules.includes('yahoo-tss04'), rules.join(','));
    assert.equal(s.deferrals.blocklisted + s.deferrals['rate-limited'], s.recipients);
  });

  test('the stolen login is named with its foreign client, dynamic name and bogus HELOs', () => {
    const s = report.sources.find((x) => x.kind === 'sasl')!;
    assert.equal(s.saslUsername, 'kontakt@kunde-beispiel.de');
    assert.deepEqual(s.clientAddresses, ['93.120.196.244']);
    assert.deepEqual(s.clientNames, ['93-120-196-244.dynamic.mts-nn.ru']);
    assert.ok(s.rules.includes('bogus-helo'));
    assert.equal(s.recipients, s.messages * 8);
  });

  test('only the three spam sources are called spam', () => {
    const spam = report.sources.filter((s) => s.verdict === 'spam').map((s) => s.id).sort();
    assert.deepEqual(spam, ['client:192.0.2.77', 'sasl:kontakt@kunde-beispiel.de', 'uid:4079']);
  });

  test('real postcat: messages deleted between listing and reading cost only themselves', async () => {
    const ids = (await postqueueJson()).map((e) => parseQueueId(e.queue_id)!).filter(Boolean);
    assert.ok(ids.length >= 20);
    const gone = [ids[0]!, ids[Math.floor(ids.length / 2)]!, ids[ids.length - 1]!];
    const del = spawnSync('/usr/sbin/postsuper', ['-d', '-'], { input: gone.join('\n') + '\n', encoding: 'utf8' });
    assert.equal(del.status, 0, del.stderr);
    const skipped = new SkipTally();
    const seen: string[] = [];
    for await (const m of readQueuedMessages(new LocalHost('lab'), ids, { skipped, batchSize: 7 })) seen.push(m.queueId);
    assert.equal(seen.length, ids.length - gone.length);
    assert.ok(gone.every((id) => !seen.includes(id)));
    assert.equal(skipped.list().filter((s) => /vanish|left the queue/i.test(s.what + s.reason)).reduce((n, s) => n + s.count, 0), gone.length, JSON.stringify(skipped.list()));
  });

  test('the queue files read directly give exactly the messages real postcat prints', async () => {
    const collect = async (reader: 'files' | 'postcat') => {
      const before = process.env['SPAMTRACE_QUEUE_READER'];
      process.env['SPAMTRACE_QUEUE_READER'] = reader;
      try {
        const c = await collectQueue(new LocalHost('lab'), { mode: 'live' });
        const messages: QueuedMessage[] = [];
        for await (const m of c.messages) messages.push(m);
        await c.listed;
        messages.sort((a, b) => a.queueId.localeCompare(b.queueId));
        return { messages, direct: c.readDirectly?.() ?? 0, skipped: c.skipped.list() };
      } finally {
        if (before === undefined) delete process.env['SPAMTRACE_QUEUE_READER'];
        else process.env['SPAMTRACE_QUEUE_READER'] = before;
      }
    };
    const files = await collect('files');
    const postcat = await collect('postcat');
    assert.ok(files.messages.length >= 90, `${files.messages.length} messages`);
    assert.equal(files.direct, files.messages.length, 'every message came from its file');
    assert.equal(postcat.direct, 0);
    assert.deepEqual(files.messages, postcat.messages);
    assert.deepEqual(files.skipped, postcat.skipped);
    // and the report built on them: the same sources, counts and verdicts
    const strip = (r: Report) => r.sources.map((s) => ({ id: s.id, messages: s.messages, recipients: s.recipients, verdict: s.verdict, score: s.score }));
    const viaPostcat = parseReport((await runCli(['scan', '--json'], { SPAMTRACE_QUEUE_READER: 'postcat' })).stdout);
    const viaFiles = parseReport((await runCli(['scan', '--json'])).stdout);
    assert.deepEqual(strip(viaFiles), strip(viaPostcat));
  });

  test('a hostile subject reaches the text report without terminal escapes', async () => {
    await flushQueue();
    const hostile: Scenario = {
      name: 'hostile-subject',
      description: 'a spam subject with an escape sequence and encoded markup',
      submissions: [
        {
          via: 'sendmail',
          user: 'web274',
          from: 'x{n}@web274-example.de',
          to: ['victim{n}@aol.com'],
          headers: [
            ['Subject', '=?UTF-8?B?' + Buffer.from('\u001b]0;pwned\u0007<script>alert(1)</script>').toString('base64') + '?='],
            ['From', 'x@elsewhere.example'],
          ],
          body: 'hello\n',
          count: 3,
        },
      ],
    };
    await runScenario(hostile, { wait: true });
    await waitForQueueSettled();
    const r = await runCli(['scan']);
    assert.ok(!r.stdout.includes('\u001b'), 'no ESC reaches the terminal');
    assert.ok(!r.stdout.includes('\u0007'), 'no BEL reaches the terminal');
    assert.match(r.stdout, /<script>alert\(1\)<\/script>/, 'the subject is shown as text');
  });

  test('a login submitted with swaks, the admins\' own tool, is traced to its mailbox and client', async () => {
    const r = spawnSync('swaks', [
      '--server', '127.0.0.1', '--port', '25',
      '--xclient-addr', '198.51.100.23', '--xclient-name', 'pool-198-51-100-23.dsl.example.net',
      '--ehlo', 'shop-pc',
      '--auth', 'LOGIN', '--auth-user', 'info@shop-example.de', '--auth-password', 'Shop-Lab-2024',
      '--from', 'info@shop-example.de', '--to', 'a1@gmail.com,b2@yahoo.com,c3@aol.com',
      '--header', 'Subject: swaks test',
    ], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    await waitForQueueSettled();
    const report = parseReport((await runCli(['scan', '--json'])).stdout);
    const s = report.sources.find((x) => x.id === 'sasl:info@shop-example.de');
    assert.ok(s, 'the swaks login is a source');
    assert.equal(s.messages, 1);
    assert.equal(s.recipients, 3);
    assert.deepEqual(s.clientAddresses, ['198.51.100.23']);
    assert.deepEqual(s.heloNames, ['shop-pc']);
  });

  test('a non-root user gets one line with E_NOT_ROOT and exit 2', async (t) => {
    const cli = join(packageRoot(), 'dist', 'src', 'cli.js');
    // A checkout under a root-only folder cannot be run by nobody at all: nothing to learn then.
    if (spawnSync('runuser', ['-u', 'nobody', '--', 'test', '-r', cli]).status !== 0) {
      t.skip(`nobody cannot read ${cli}`);
      return;
    }
    const p = spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, cli, 'scan'], { encoding: 'utf8' });
    assert.equal(p.status, 2);
    assert.match(p.stderr, /^spamtrace: E_NOT_ROOT: /);
    assert.equal(p.stderr.trim().split('\n').length, 1);
  });
});
