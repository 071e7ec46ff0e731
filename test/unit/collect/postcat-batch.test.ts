import { test } from 'node:test';
import assert from 'node:assert/strict';
import { READ_AHEAD, readQueuedMessages, vanishedIdOf } from '../../../src/collect/queue/postcat-batch';
import { SkipTally } from '../../../src/collect/skip-tally';
import type { QueueId } from '../../../src/domain/queue';
import { isSpamtraceError } from '../../../src/errors';
import { FakeHost, collect, postcatEmulator, readFixture, sectionsById, type Answer } from './fake-host';

const BATCH_IDS = ['3F1A22C0B1E', '41C7D2C0B2A', '5942C8948326', '6A0B3C0B3F1', '7D21E2C0B40', '8E55F2C0B41'] as QueueId[];
const ID_OR_FLAG = /^(?:-e|-h|-q|--|[0-9A-F]{6,21}|[0-9B-DF-HJ-NP-TV-Zb-df-hj-np-tv-z]{10,16}z[0-9B-DF-HJ-NP-TV-Zb-df-hj-np-tv-y]{1,13})$/;

function sections(): Map<string, string> {
  return sectionsById(readFixture('postcat-batch.txt'));
}

function postcatHost(answer: (args: readonly string[]) => Answer): FakeHost {
  return new FakeHost((program, args) => {
    assert.equal(program, 'postcat');
    return answer(args);
  });
}

test('one postcat process reads a whole batch, IDs as an argument array after --', async () => {
  const host = postcatHost(postcatEmulator(sections()));
  const skipped = new SkipTally();
  const ms = await collect(readQueuedMessages(host, BATCH_IDS, { skipped }));
  assert.deepEqual(ms.map((m) => m.queueId), BATCH_IDS);
  assert.equal(host.calls.length, 1);
  assert.deepEqual(host.calls[0]!.args, ['-e', '-h', '-q', '--', ...BATCH_IDS]);
  assert.equal(skipped.total(), 0);
});

test('the batch size splits the IDs over several processes', async () => {
  const host = postcatHost(postcatEmulator(sections()));
  const ms = await collect(readQueuedMessages(host, BATCH_IDS, { skipped: new SkipTally(), batchSize: 4 }));
  assert.equal(ms.length, 6);
  assert.deepEqual(host.calls.map((c) => c.args.length - 4), [4, 2]);
});

test('a vanished message does not abort the postcat batch', async () => {
  const s = sections();
  s.delete('5942C8948326'); // left the queue between listing and postcat
  const host = postcatHost(postcatEmulator(s));
  const skipped = new SkipTally();
  const progress: [number, number][] = [];
  const ms = await collect(readQueuedMessages(host, BATCH_IDS, { skipped, onProgress: (d, t) => progress.push([d, t]) }));
  assert.deepEqual(ms.map((m) => m.queueId), BATCH_IDS.filter((id) => id !== '5942C8948326'));
  assert.ok(ms.every((m) => m.damaged === 0));
  assert.deepEqual(skipped.list(), [{ what: 'queued message', reason: 'left the queue between listing and postcat (vanished)', count: 1 }]);
  assert.equal(host.calls.length, 2);
  assert.deepEqual(host.calls[1]!.args, ['-e', '-h', '-q', '--', '6A0B3C0B3F1', '7D21E2C0B40', '8E55F2C0B41']);
  assert.deepEqual(progress.at(-1), [6, 6]);
  assert.ok(progress.every(([d], i) => i === 0 || d >= progress[i - 1]![0]));
});

test('several vanished IDs, the first and the last among them, are each counted once', async () => {
  const s = sections();
  for (const id of ['3F1A22C0B1E', '6A0B3C0B3F1', '8E55F2C0B41']) s.delete(id);
  const host = postcatHost(postcatEmulator(s, '/usr/sbin/postcat'));
  const skipped = new SkipTally();
  const ms = await collect(readQueuedMessages(host, BATCH_IDS, { skipped }));
  assert.deepEqual(ms.map((m) => m.queueId), ['41C7D2C0B2A', '5942C8948326', '7D21E2C0B40']);
  assert.equal(skipped.total(), 3);
  assert.equal(host.calls.length, 3);
});

test('the vanished ID is read from postcat\'s exact fatal line, with or without a path', () => {
  assert.equal(vanishedIdOf('postcat: fatal: open queue file AB2C4561DA6: No such file or directory\n'), 'AB2C4561DA6');
  assert.equal(vanishedIdOf('/usr/sbin/postcat: fatal: open queue file 4Tpmf90sf8zPjgM: No such file or directory'), '4Tpmf90sf8zPjgM');
  assert.equal(vanishedIdOf('postcat: fatal: open queue file AB2C4561DA6: Permission denied'), null);
  assert.equal(vanishedIdOf('postcat: fatal: chdir /var/spool/postfix: No such file or directory'), null);
});

test('invalid IDs never reach the postcat command line', async () => {
  const host = postcatHost(postcatEmulator(sections()));
  const skipped = new SkipTally();
  const hostile = ['-h', '../../etc/shadow', '3F1A22C0B1E; rm -rf /', '', '3F1A22C0B1E', '3F1A22C0B1E'] as QueueId[];
  const ms = await collect(readQueuedMessages(host, hostile, { skipped }));
  assert.deepEqual(ms.map((m) => m.queueId), ['3F1A22C0B1E']);
  assert.deepEqual(host.calls[0]!.args, ['-e', '-h', '-q', '--', '3F1A22C0B1E']);
  assert.ok(host.allArgs().every((a) => ID_OR_FLAG.test(a)));
  assert.equal(skipped.list()[0]!.count, 4);
});

test('no IDs, no postcat', async () => {
  const host = postcatHost(postcatEmulator(sections()));
  assert.deepEqual(await collect(readQueuedMessages(host, [], { skipped: new SkipTally() })), []);
  assert.equal(host.calls.length, 0);
});

test('postcat refused access means the scan is not running as root', async () => {
  const host = postcatHost(() => ({ stderr: 'postcat: fatal: open queue file 3F1A22C0B1E: Permission denied\n', code: 1 }));
  await assert.rejects(collect(readQueuedMessages(host, BATCH_IDS, { skipped: new SkipTally() })), (e) => isSpamtraceError(e) && e.code === 'E_NOT_ROOT');
});

test('another postcat failure is E_POSTCAT_FAILED with postcat\'s fatal line only', async () => {
  const host = postcatHost(() => ({ stderr: 'postcat: warning: something odd\npostcat: fatal: chdir /var/spool/postfix: No such file or directory\nmore\n', code: 1 }));
  await assert.rejects(collect(readQueuedMessages(host, BATCH_IDS, { skipped: new SkipTally() })), (e) => {
    assert.ok(isSpamtraceError(e));
    assert.equal(e.code, 'E_POSTCAT_FAILED');
    assert.equal(e.message, 'postcat failed: postcat: fatal: chdir /var/spool/postfix: No such file or directory');
    return true;
  });
});

test('postcat missing is E_POSTFIX_MISSING', async () => {
  const host = postcatHost(() => ({ spawnError: { code: 'ENOENT', message: 'spawn postcat ENOENT' } }));
  await assert.rejects(collect(readQueuedMessages(host, BATCH_IDS, { skipped: new SkipTally() })), (e) => isSpamtraceError(e) && e.code === 'E_POSTFIX_MISSING');
});

test('a queue file postcat cannot read mid-way is counted and the batch goes on after it', async () => {
  const s = sections();
  const broken = s.get('5942C8948326')!.split('\n').slice(0, 10).join('\n') + '\n';
  const host = postcatHost((args) => {
    const ids = args.slice(4);
    if (ids[0] === '3F1A22C0B1E') {
      return { stdout: s.get('3F1A22C0B1E')! + s.get('41C7D2C0B2A')! + broken, stderr: 'postcat: fatal: record read error\n', code: 1 };
    }
    return postcatEmulator(s)(args);
  });
  const skipped = new SkipTally();
  const ms = await collect(readQueuedMessages(host, BATCH_IDS, { skipped }));
  assert.deepEqual(ms.map((m) => [m.queueId, m.damaged > 0]), [
    ['3F1A22C0B1E', false], ['41C7D2C0B2A', false], ['5942C8948326', true], ['6A0B3C0B3F1', false], ['7D21E2C0B40', false], ['8E55F2C0B41', false],
  ]);
  assert.ok(skipped.list().some((x) => x.reason === 'postcat could not read its queue file (damaged)'));
});

test('an ID postcat prints nothing for (exit 0, a warning) is counted, the warning too', async () => {
  const s = sections();
  const host = postcatHost((args) => {
    const ids = args.slice(4).filter((id) => id !== '6A0B3C0B3F1');
    const r = postcatEmulator(s)(['--', ...ids]);
    return { ...r, stderr: 'postcat: warning: hold/6A0B3C0B3F1: input is not a valid queue file\n' };
  });
  const skipped = new SkipTally();
  const ms = await collect(readQueuedMessages(host, BATCH_IDS, { skipped }));
  assert.equal(ms.length, 5);
  assert.deepEqual(Object.fromEntries(skipped.list().map((x) => [x.reason, x.count])), {
    'FILE: input is not a valid queue file': 1,
    'postcat printed nothing for it (not a valid queue file?)': 1,
  });
});

test('a message postcat was not asked for is ignored', async () => {
  const s = sections();
  const host = postcatHost(() => ({ stdout: s.get('3F1A22C0B1E')! + s.get('8E55F2C0B41')!, code: 0 }));
  const skipped = new SkipTally();
  const ms = await collect(readQueuedMessages(host, ['3F1A22C0B1E'] as QueueId[], { skipped }));
  assert.deepEqual(ms.map((m) => m.queueId), ['3F1A22C0B1E']);
  assert.equal(skipped.list()[0]!.reason, 'a message that was not asked for ignored');
});

test('reading runs ahead of the consumer by a bounded number of batches only', async () => {
  const ids = Array.from({ length: 40 }, (_, i) => `A${(0x100000 + i).toString(16).toUpperCase()}` as QueueId);
  const section = (q: string): string =>
    `*** ENVELOPE RECORDS deferred/A/${q} ***\nsender: s@x.example\nrecipient: r@y.example\n*** MESSAGE CONTENTS deferred/A/${q} ***\nSubject: hi\n*** HEADER EXTRACTED deferred/A/${q} ***\n*** MESSAGE FILE END deferred/A/${q} ***\n`;
  const host = postcatHost((args) => ({ stdout: args.slice(4).map(section).join('') }));
  const it = readQueuedMessages(host, ids, { skipped: new SkipTally(), batchSize: 1 });
  const first = await it.next();
  assert.equal(first.done, false);
  await new Promise((r) => setTimeout(r, 20)); // let the background reading go as far as it may
  assert.ok(host.calls.length <= READ_AHEAD + 1, `${host.calls.length} postcat runs before the consumer took a second message`);
  await it.return(undefined);
  const rest = await collect(readQueuedMessages(host, ids, { skipped: new SkipTally(), batchSize: 7 }));
  assert.equal(rest.length, 40, 'with nobody waiting, everything is still read in order');
  assert.deepEqual(rest.map((m) => m.queueId), ids);
});
