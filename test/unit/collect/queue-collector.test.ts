import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classifyPostqueueFailure, collectQueue, supportsJson } from '../../../src/collect/queue/queue-collector';
import { DEFAULT_BATCH_SIZE } from '../../../src/collect/queue/postcat-batch';
import { isSpamtraceError } from '../../../src/errors';
import { FakeHost, collect, fixture, postcatEmulator, readFixture, sectionsById, type Answer } from './fake-host';

const ID_OR_FLAG = /^(?:-e|-h|-x|-q|-j|-p|--|mail_version|command_directory|queue_directory|[0-9A-F]{6,21}|[0-9B-DF-HJ-NP-TV-Zb-df-hj-np-tv-z]{10,16}z[0-9B-DF-HJ-NP-TV-Zb-df-hj-np-tv-y]{1,13})$/;

interface LiveScript {
  postconf?: Answer;
  json?: Answer;
  text?: Answer;
  postcat?: (args: readonly string[]) => Answer;
}

function liveHost(s: LiveScript): FakeHost {
  const sections = sectionsById(readFixture('postcat-batch.txt'), readFixture('../../../examples/seed/postcat.txt'));
  return new FakeHost((program, args) => {
    const name = program.split('/').pop();
    if (name === 'postconf') return s.postconf ?? { stdout: 'mail_version = 3.7.11\ncommand_directory = /usr/sbin\n' };
    if (name === 'postqueue' && args[0] === '-j') return s.json ?? { stdout: readFixture('postqueue-j.jsonl') };
    if (name === 'postqueue' && args[0] === '-p') return s.text ?? { stdout: readFixture('../../../examples/seed/mailq.txt') };
    if (name === 'postcat') return (s.postcat ?? postcatEmulator(sections, program))(args);
    throw new Error(`unexpected program ${program}`);
  });
}

test('live: postqueue -j lists the queue, batched postcat streams the messages, vanished ones are counted', async () => {
  const host = liveHost({});
  const progress: number[] = [];
  const c = await collectQueue(host, { mode: 'live' }, { onProgress: (d) => progress.push(d) });
  assert.equal(c.postfixVersion, '3.7.11');
  assert.equal(c.queueSource, 'postqueue -j');
  assert.equal(c.listing.length, 10);
  assert.equal(c.reportedTotal, null);
  const ms = await collect(c.messages);
  // the fixtures hold postcat output for 5 of the 10 listed messages; the rest "vanished"
  assert.deepEqual(ms.map((m) => m.queueId).sort(), ['3F1A22C0B1E', '5942C8948326', '6A0B3C0B3F1', '7D21E2C0B40', 'AB2C4561DA6']);
  assert.equal(c.skipped.list().find((s) => s.reason === 'left the queue between listing and postcat (vanished)')!.count, 5);
  assert.equal(progress.at(-1), 10);
  assert.deepEqual(host.calls.map((x) => x.program), ['postconf', '/usr/sbin/postqueue', ...Array(6).fill('/usr/sbin/postcat')]);
  assert.ok(host.allArgs().every((a) => ID_OR_FLAG.test(a)));
});

test('live: messages in the spool are read while postqueue lists them, later arrivals after it', async () => {
  const spool = mkdtempSync(join(tmpdir(), 'spamtrace-spool-'));
  try {
    // deferred is hashed by the ID's first character; junk names are not IDs
    mkdirSync(join(spool, 'deferred', '3'), { recursive: true });
    mkdirSync(join(spool, 'active'), { recursive: true });
    writeFileSync(join(spool, 'deferred', '3', '3F1A22C0B1E'), '');
    writeFileSync(join(spool, 'active', '5942C8948326'), '');
    writeFileSync(join(spool, 'active', '..;rm -rf x'), '');
    const host = liveHost({ postconf: { stdout: `mail_version = 3.7.11\ncommand_directory = /usr/sbin\nqueue_directory = ${spool}\n` } });
    const c = await collectQueue(host, { mode: 'live' });
    const postcats = host.calls.filter((x) => x.program.endsWith('postcat'));
    assert.deepEqual(postcats[0]!.args.slice(4), ['5942C8948326', '3F1A22C0B1E'], 'the spool IDs went first, before the listing was parsed');
    const ms = await collect(c.messages);
    assert.equal(ms.filter((m) => m.queueId === '3F1A22C0B1E').length, 1, 'a message in both is read once');
    assert.ok(host.allArgs().every((a) => ID_OR_FLAG.test(a) || a === spool));
  } finally {
    rmSync(spool, { recursive: true, force: true });
  }
});

test('live: Postfix older than 3.1 is asked with postqueue -p straight away', async () => {
  const host = liveHost({ postconf: { stdout: 'mail_version = 2.11.3\ncommand_directory = /usr/sbin\n' } });
  const c = await collectQueue(host, { mode: 'live' }, { now: new Date(2014, 1, 22, 12) });
  assert.equal(c.queueSource, 'postqueue -p');
  assert.equal(c.listing.length, 5);
  assert.equal(c.reportedTotal, 12505);
  assert.deepEqual(c.listing[3]!.arrivalTime, new Date(2014, 1, 21, 9, 2, 9));
  assert.ok(!host.calls.some((x) => x.args[0] === '-j'));
});

test('live: a postqueue without -j (usage error) falls back to -p', async () => {
  const host = liveHost({
    postconf: { stdout: '', stderr: 'postconf: fatal: whatever\n', code: 1 },
    json: { stderr: "postqueue: invalid option -- 'j'\npostqueue: fatal: usage: postqueue -f | postqueue -i queueid | postqueue -p | postqueue -s site\n", code: 64 },
  });
  const c = await collectQueue(host, { mode: 'live' }, { now: new Date(2014, 1, 22, 12) });
  assert.equal(c.postfixVersion, null);
  assert.equal(c.queueSource, 'postqueue -p');
  assert.equal(c.listing.length, 5);
  assert.deepEqual(host.calls.slice(0, 4).map((x) => [x.program, x.args[0]]), [['postconf', '-x'], ['postconf', 'mail_version'], ['postqueue', '-j'], ['postqueue', '-p']]);
  assert.equal(c.skipped.total(), 0); // the failed -j run leaves nothing counted
});

test('live: "mail system is down" is E_POSTFIX_DOWN, as root and as a user', async () => {
  for (const stderr of [
    'postqueue: warning: Mail system is down -- accessing queue directly (Connect to the Postfix showq service: No such file or directory)\npostqueue: fatal: malformed showq server response\n',
    'postqueue: fatal: Queue report unavailable - mail system is down (Connect to the Postfix showq service: No such file or directory)\n',
  ]) {
    const host = liveHost({ json: { stderr, code: 69 } });
    await assert.rejects(collectQueue(host, { mode: 'live' }), (e) => {
      assert.ok(isSpamtraceError(e));
      assert.equal(e.code, 'E_POSTFIX_DOWN');
      assert.match(e.detail!, /fatal: /);
      return true;
    });
  }
});

test('live: the root fallback listing works and its warning is kept', async () => {
  const warning = 'postqueue: warning: Mail system is down -- accessing queue directly (Connect to the Postfix showq service: No such file or directory)';
  const host = liveHost({ json: { stdout: readFixture('postqueue-j.jsonl'), stderr: `${warning}\n` } });
  const c = await collectQueue(host, { mode: 'live' });
  assert.equal(c.listing.length, 10);
  assert.deepEqual(c.warnings, [warning]);
});

test('live: a user not allowed to view the queue gets E_NOT_ROOT', async () => {
  const host = liveHost({ json: { stderr: 'postqueue: fatal: User web274(4079) is not allowed to view the mail queue\n', code: 77 } });
  await assert.rejects(collectQueue(host, { mode: 'live' }), (e) => isSpamtraceError(e) && e.code === 'E_NOT_ROOT');
});

test('live: other postqueue failures are E_QUEUE_UNREADABLE with the fatal line', () => {
  const f = classifyPostqueueFailure('postqueue: fatal: chdir /var/spool/postfix: No such file or directory\n', true);
  assert.ok('error' in f);
  assert.equal(f.error.code, 'E_QUEUE_UNREADABLE');
  assert.equal(f.error.detail, 'postqueue: fatal: chdir /var/spool/postfix: No such file or directory');
});

test('live: no postconf anywhere is E_POSTFIX_MISSING', async () => {
  const host = liveHost({ postconf: { spawnError: { code: 'ENOENT', message: 'spawn postconf ENOENT' } } });
  await assert.rejects(collectQueue(host, { mode: 'live' }), (e) => isSpamtraceError(e) && e.code === 'E_POSTFIX_MISSING');
  assert.deepEqual(host.calls.map((x) => x.program), ['postconf', '/usr/sbin/postconf']);
});

test('live: a missing postqueue is E_POSTFIX_MISSING', async () => {
  const host = liveHost({ json: { spawnError: { code: 'ENOENT', message: 'spawn ENOENT' } } });
  await assert.rejects(collectQueue(host, { mode: 'live' }), (e) => isSpamtraceError(e) && e.code === 'E_POSTFIX_MISSING');
});

test('live: hostile queue IDs in the listing never reach postcat', async () => {
  const bad = ['-h', '../../etc/shadow', 'AB2C4561DA6 -v', '--help'].map(
    (id) => `{"queue_name": "deferred", "queue_id": ${JSON.stringify(id)}, "arrival_time": 1, "message_size": 1, "forced_expire": false, "sender": "a@b", "recipients": []}`,
  );
  const host = liveHost({ json: { stdout: [...bad, readFixture('postqueue-j.jsonl')].join('\n') } });
  const c = await collectQueue(host, { mode: 'live' });
  await collect(c.messages);
  assert.equal(c.listing.length, 10);
  assert.equal(c.skipped.list().find((s) => s.reason === 'missing or invalid queue_id')!.count, 4);
  assert.ok(host.allArgs().every((a) => ID_OR_FLAG.test(a)));
});

test('live: 100,000 messages stream through postcat batches, never all held at once', async () => {
  const N = 100_000;
  const id = (i: number): string => `A${(0x1000000 + i).toString(16).toUpperCase()}`;
  function* listing(): Generator<string> {
    for (let i = 0; i < N; i++) {
      yield `{"queue_name": "deferred", "queue_id": "${id(i)}", "arrival_time": 1700000000, "message_size": 900, "forced_expire": false, "sender": "s@x.example", "recipients": [{"address": "r${i}@y.example", "delay_reason": "421 later"}]}\n`;
    }
  }
  function* postcat(ids: readonly string[]): Generator<string> {
    for (const q of ids) {
      yield `*** ENVELOPE RECORDS deferred/A/${q} ***\nmessage_size:             900             200               1               0             900\nnamed_attribute: rewrite_context=local\nsender: s@x.example\n*** MESSAGE CONTENTS deferred/A/${q} ***\nReceived: by h (Postfix, from userid 4079)\n\tid ${q}; Tue, 5 Mar 2024 07:00:00 +0000\nSubject: hi\n*** HEADER EXTRACTED deferred/A/${q} ***\nrecipient: r@y.example\n*** MESSAGE FILE END deferred/A/${q} ***\n`;
    }
  }
  const host = liveHost({ json: { stdout: listing() }, postcat: (args) => ({ stdout: postcat(args.slice(4)) }) });
  const c = await collectQueue(host, { mode: 'live' });
  assert.equal(c.listing.length, N);
  const postcats = (): number => host.calls.filter((x) => x.program.endsWith('postcat')).length;
  let n = 0;
  let callsAtFirst = -1;
  for await (const m of c.messages) {
    if (n === 0) callsAtFirst = postcats();
    assert.equal(m.recipients.length, 1);
    n += 1;
  }
  assert.equal(n, N);
  assert.ok(callsAtFirst <= 9, `${callsAtFirst} postcat runs before the first message`); // one read, at most 8 ahead
  assert.equal(postcats(), N / DEFAULT_BATCH_SIZE);
  assert.ok(host.calls.filter((x) => x.program.endsWith('postcat')).every((x) => x.args.length === DEFAULT_BATCH_SIZE + 4));
});

// ---- offline ----

test('offline: a saved postqueue -j file and postcat file are read', async () => {
  const host = new FakeHost(() => {
    throw new Error('offline mode runs no programs');
  });
  const progress: [number, number][] = [];
  const c = await collectQueue(
    host,
    { mode: 'offline', queueFile: fixture('postqueue-j.jsonl'), postcatFile: fixture('../../../examples/seed/postcat.txt') },
    { onProgress: (d, t) => progress.push([d, t]) },
  );
  assert.equal(c.postfixVersion, null);
  assert.equal(c.queueSource, `file ${fixture('postqueue-j.jsonl')} (postqueue -j) + postcat file ${fixture('../../../examples/seed/postcat.txt')}`);
  assert.equal(c.listing.length, 10);
  const ms = await collect(c.messages);
  assert.deepEqual(ms.map((m) => m.queueId), ['AB2C4561DA6', '5942C8948326']);
  assert.deepEqual(progress, [[1, 10], [2, 10]]);
  assert.equal(host.calls.length, 0);
});

test('offline: a saved mailq is recognised, its dates placed by the listing time', async () => {
  const host = new FakeHost(() => ({}));
  const c = await collectQueue(
    host,
    { mode: 'offline', queueFile: fixture('../../../examples/seed/mailq.txt'), postcatFile: null },
    { listingTime: new Date(2014, 1, 22, 12) },
  );
  assert.match(c.queueSource, /\(postqueue -p\)$/);
  assert.equal(c.listing.length, 5);
  assert.equal(c.reportedTotal, 12505);
  assert.deepEqual(c.listing[0]!.arrivalTime, new Date(2014, 1, 21, 8, 7, 49));
  assert.equal(c.skipped.list().find((s) => s.what === 'queued message')!.count, 12500);
  assert.deepEqual(await collect(c.messages), []);
});

test('offline: postcat output alone gives messages without a listing', async () => {
  const c = await collectQueue(new FakeHost(() => ({})), { mode: 'offline', queueFile: null, postcatFile: fixture('postcat-batch.txt') });
  assert.deepEqual(c.listing, []);
  assert.equal((await collect(c.messages)).length, 6);
  assert.equal(c.queueSource, `postcat file ${fixture('postcat-batch.txt')}`);
});

test('offline: a file that is neither -j nor -p output is E_QUEUE_FORMAT', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'spamtrace-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const junk = join(dir, 'junk.txt');
  writeFileSync(junk, 'hello\nthis is not a queue\n');
  await assert.rejects(collectQueue(new FakeHost(() => ({})), { mode: 'offline', queueFile: junk, postcatFile: null }), (e) => isSpamtraceError(e) && e.code === 'E_QUEUE_FORMAT');
  const badJson = join(dir, 'bad.jsonl');
  writeFileSync(badJson, '{"x": 1}\n{"y": 2}\n');
  await assert.rejects(collectQueue(new FakeHost(() => ({})), { mode: 'offline', queueFile: badJson, postcatFile: null }), (e) => isSpamtraceError(e) && e.code === 'E_QUEUE_FORMAT');
});

test('offline: a missing or unreadable listing is E_QUEUE_FILE, a missing postcat file E_POSTCAT_FILE', async () => {
  const host = new FakeHost(() => ({}));
  await assert.rejects(collectQueue(host, { mode: 'offline', queueFile: '/nonexistent/queue.txt', postcatFile: null }), (e) => isSpamtraceError(e) && e.code === 'E_QUEUE_FILE');
  await assert.rejects(collectQueue(host, { mode: 'offline', queueFile: tmpdir(), postcatFile: null }), (e) => isSpamtraceError(e) && e.code === 'E_QUEUE_FILE');
  await assert.rejects(
    collectQueue(host, { mode: 'offline', queueFile: fixture('postqueue-j.jsonl'), postcatFile: '/nonexistent/postcat.txt' }),
    (e) => isSpamtraceError(e) && e.code === 'E_POSTCAT_FILE',
  );
});

test('offline: neither file is a usage error', async () => {
  await assert.rejects(collectQueue(new FakeHost(() => ({})), { mode: 'offline', queueFile: null, postcatFile: null }), (e) => isSpamtraceError(e) && e.code === 'E_USAGE');
});

test('-j is used from Postfix 3.1 on', () => {
  assert.deepEqual(['2.11.3', '3.0.15', '3.1.0', '3.7.11', '4.0', null, 'weird'].map(supportsJson), [false, false, true, true, true, true, true]);
});

test('live with onListed: every listing entry is handed over as parsed and none is kept; the messages still all come', async () => {
  const host = liveHost({});
  const handed: string[] = [];
  const withReasons: string[] = [];
  const c = await collectQueue(host, { mode: 'live' }, { onListed: (e) => {
    handed.push(e.queueId);
    if (e.recipients.some((r) => r.delayReason)) withReasons.push(e.queueId);
  } });
  assert.equal(handed.length, 10);
  assert.ok(withReasons.length > 0, 'the delay reasons reach the callback');
  assert.deepEqual(c.listing, [], 'a 100,000-message listing is not held');
  const ms = await collect(c.messages);
  assert.equal(ms.length, 5);
  const plain = await collectQueue(liveHost({}), { mode: 'live' });
  assert.deepEqual(handed, plain.listing.map((e) => e.queueId), 'the same entries, in listing order');
});
