import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogFollower } from '../../../src/watch/log-follower';

function setup(): { dir: string; log: string; state: string } {
  const dir = mkdtempSync(join(tmpdir(), 'follower-'));
  return { dir, log: join(dir, 'mail.log'), state: join(dir, 'position.json') };
}

const texts = (ls: { text: string }[]): string[] => ls.map((l) => l.text);

/** A watcher run that read the whole log, saved its position and stopped. */
async function readAllAndStop(log: string, state: string): Promise<void> {
  const f = new LogFollower({ path: log, statePath: state, startAt: 'start' });
  await f.poll();
  await f.save();
  await f.close();
}

test('starts at the end of an existing log and hands out only what is appended', async () => {
  const { log, state } = setup();
  writeFileSync(log, 'old 1\nold 2\n');
  const f = new LogFollower({ path: log, statePath: state });
  assert.deepEqual(texts(await f.poll()), []);
  appendFileSync(log, 'new 1\nnew 2\n');
  assert.deepEqual(texts(await f.poll()), ['new 1', 'new 2']);
  await f.close();
});

test('a line still being written waits for its newline', async () => {
  const { log } = setup();
  writeFileSync(log, '');
  const f = new LogFollower({ path: log, startAt: 'start' });
  await f.poll();
  appendFileSync(log, 'half');
  assert.deepEqual(texts(await f.poll()), []);
  appendFileSync(log, ' done\r\nnext\n');
  assert.deepEqual(texts(await f.poll()), ['half done', 'next']);
  await f.close();
});

test('a multi-byte character split across two reads stays whole', async () => {
  const { log } = setup();
  writeFileSync(log, '');
  const f = new LogFollower({ path: log, startAt: 'start', chunkBytes: 5 });
  await f.poll();
  appendFileSync(log, 'äöü€ ok\n');
  assert.deepEqual(texts(await f.poll()), ['äöü€ ok']);
  await f.close();
});

test('rotation: the old file is read to its end, then the new one from its start', async () => {
  const { log } = setup();
  writeFileSync(log, 'a\n');
  const f = new LogFollower({ path: log, startAt: 'start' });
  assert.deepEqual(texts(await f.poll()), ['a']);
  appendFileSync(log, 'b\n');
  renameSync(log, `${log}.1`);
  appendFileSync(`${log}.1`, 'c written after the rename\n');
  writeFileSync(log, 'd in the new file\n');
  assert.deepEqual(texts(await f.poll()), ['b', 'c written after the rename', 'd in the new file']);
  assert.ok(f.notes.some((n) => n.kind === 'rotated'));
  await f.close();
});

test('truncation (copytruncate): reading restarts at the start', async () => {
  const { log } = setup();
  writeFileSync(log, 'one\ntwo\n');
  const f = new LogFollower({ path: log, startAt: 'start' });
  assert.deepEqual(texts(await f.poll()), ['one', 'two']);
  truncateSync(log, 0);
  appendFileSync(log, 'x\n');
  assert.deepEqual(texts(await f.poll()), ['x']);
  assert.ok(f.notes.some((n) => n.kind === 'truncated'));
  await f.close();
});

test('a restart resumes after the last line handled: nothing twice, nothing missed', async () => {
  const { log, state } = setup();
  writeFileSync(log, 'before start\n');
  const f1 = new LogFollower({ path: log, statePath: state });
  await f1.poll();
  appendFileSync(log, 'l1\nl2\n');
  assert.deepEqual(texts(await f1.poll()), ['l1', 'l2']);
  await f1.save();
  await f1.close();
  appendFileSync(log, 'while stopped\n');
  const f2 = new LogFollower({ path: log, statePath: state });
  assert.deepEqual(texts(await f2.poll()), ['while stopped']);
  assert.ok(f2.notes.some((n) => n.kind === 'resumed'));
  await f2.close();
});

test('a restart after a rotation finishes the rotated file first', async () => {
  const { log, state } = setup();
  writeFileSync(log, 'seen\n');
  await readAllAndStop(log, state);
  appendFileSync(log, 'unseen tail\n');
  renameSync(log, `${log}.1`);
  writeFileSync(log, 'fresh\n');
  const f2 = new LogFollower({ path: log, statePath: state });
  assert.deepEqual(texts(await f2.poll()), ['unseen tail', 'fresh']);
  await f2.close();
});

test('a saved position whose file is gone (compressed rotation) is said, and the log is read from its start', async () => {
  const { log, state } = setup();
  writeFileSync(log, 'seen\n');
  await readAllAndStop(log, state);
  renameSync(log, `${log}.1.gz`);
  writeFileSync(log, 'new\n');
  const f2 = new LogFollower({ path: log, statePath: state });
  assert.deepEqual(texts(await f2.poll()), ['new']);
  assert.ok(f2.notes.some((n) => n.kind === 'resume-lost'));
  await f2.close();
});

test('the same inode rewritten with other content is not resumed into', async () => {
  const { log, state } = setup();
  writeFileSync(log, 'first content of the file, long enough\n');
  await readAllAndStop(log, state);
  writeFileSync(log, 'other content now in the same file, longer than before\n'); // same inode, truncated and rewritten
  const f2 = new LogFollower({ path: log, statePath: state });
  assert.deepEqual(texts(await f2.poll()), ['other content now in the same file, longer than before']);
  await f2.close();
});
