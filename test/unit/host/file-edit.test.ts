/**
 * Reading and replacing a config file through a Host (src/host/file-edit.ts): the scripts
 * run by the real /bin/sh through LocalHost, exactly as they run over SSH. Atomic
 * replacement with owner and mode kept, byte for byte; a change made since the read is
 * refused and left as it is; the temporary file is created exclusively and never left
 * behind; symlinks are refused; an old `sync` without file arguments still works.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalHost } from '../../../src/host/local-host';
import { FileEditError, readFileOn, removeFileOn, replaceFileOn, sha256 } from '../../../src/host/file-edit';

const dir = mkdtempSync(join(tmpdir(), 'spamtrace-file-edit-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const host = new LocalHost('test');
const me = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
const LATIN1 = Buffer.concat([Buffer.from('# Einstellungen f', 'latin1'), Buffer.from([0xfc]), Buffer.from('r Kunden\nmyhostname = a\\b %s\n'), Buffer.from([0, 1, 255, 10])]);

function file(name: string, content: string | Buffer, mode = 0o640): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  chmodSync(p, mode);
  return p;
}

const leftovers = (): string[] => readdirSync(dir).filter((n) => n.includes('.spamtrace-'));
const changed = (e: unknown): boolean => e instanceof FileEditError && e.problem === 'changed';

test('a file is read byte for byte with its owner, mode and identity; a missing one reads as absent', async () => {
  const p = file('main.cf', LATIN1);
  const r = await readFileOn(host, p);
  assert.deepEqual(Buffer.from(r.state.content!, 'base64'), LATIN1);
  assert.equal(r.state.sha256, sha256(LATIN1));
  assert.deepEqual([r.state.mode, r.state.uid, r.state.gid], [0o640, me.uid, me.gid]);
  assert.ok(r.identity && r.identity.startsWith(`${LATIN1.length} 81a0 `), r.identity ?? '');
  assert.deepEqual(await readFileOn(host, join(dir, 'nothing-here')), { state: { exists: false, content: null, sha256: null, mode: null, uid: null, gid: null }, identity: null });
});

test('replace writes the new bytes atomically under a new inode, keeps the given owner and mode, and reads them back', async () => {
  const p = file('replace.cf', 'old\n', 0o600);
  const inode = statSync(p).ino;
  const before = await readFileOn(host, p);
  const back = await replaceFileOn(host, p, LATIN1, { mode: 0o644, ...me }, before.identity);
  assert.deepEqual(readFileSync(p), LATIN1);
  assert.equal(statSync(p).mode & 0o7777, 0o644);
  assert.notEqual(statSync(p).ino, inode, 'renamed over, not written in place');
  assert.equal(back.state.sha256, sha256(LATIN1));
  assert.deepEqual(leftovers(), []);
});

test('a file changed after it was read is not overwritten: refused, the change kept, no temporary file left', async () => {
  const p = file('drift.cf', 'admin = 1\n');
  const seen = await readFileOn(host, p);
  appendFileSync(p, 'admin_edit = 2\n');
  await assert.rejects(replaceFileOn(host, p, Buffer.from('ours\n'), { mode: 0o640, ...me }, seen.identity), changed);
  assert.equal(readFileSync(p, 'utf8'), 'admin = 1\nadmin_edit = 2\n');
  // a same-size rewrite is a change too (mtime, ctime, inode)
  const again = await readFileOn(host, p);
  rmSync(p);
  writeFileSync(p, 'admin = 1\nadmin_edit = 3\n');
  await assert.rejects(replaceFileOn(host, p, Buffer.from('ours\n'), { mode: 0o640, ...me }, again.identity), changed);
  assert.equal(readFileSync(p, 'utf8'), 'admin = 1\nadmin_edit = 3\n');
  assert.deepEqual(leftovers(), []);
});

test('a new file is created only if none appeared meanwhile', async () => {
  const p = join(dir, 'spamtrace_sasl_access');
  const created = await replaceFileOn(host, p, Buffer.from('a@b REJECT\n'), { mode: 0o644, ...me }, null);
  assert.equal(created.state.exists, true);
  await assert.rejects(replaceFileOn(host, p, Buffer.from('c@d REJECT\n'), { mode: 0o644, ...me }, null), changed);
  assert.equal(readFileSync(p, 'utf8'), 'a@b REJECT\n');
  assert.deepEqual(leftovers(), []);
});

test('the temporary file is created exclusively: an existing one of that name is neither used nor removed', async () => {
  const p = file('excl.cf', 'x\n');
  const trap = file('.excl.cf.spamtrace-0123abcd', 'someone else\n');
  const seen = await readFileOn(host, p);
  await assert.rejects(replaceFileOn(host, p, Buffer.from('y\n'), { mode: 0o640, ...me }, seen.identity, { tempSuffix: '0123abcd' }), (e) => e instanceof FileEditError && e.problem === 'failed');
  assert.equal(readFileSync(trap, 'utf8'), 'someone else\n');
  assert.equal(readFileSync(p, 'utf8'), 'x\n');
  rmSync(trap);
});

test('a symlink is refused for reading and replacing; its target stays untouched', async () => {
  const target = file('target', 'secret\n', 0o600);
  const link = join(dir, 'link.cf');
  symlinkSync(target, link);
  await assert.rejects(readFileOn(host, link), (e) => e instanceof FileEditError && e.problem === 'not-regular');
  const seen = await readFileOn(host, target);
  await assert.rejects(replaceFileOn(host, link, Buffer.from('pwned\n'), { mode: 0o644, ...me }, seen.identity), changed);
  assert.equal(readFileSync(target, 'utf8'), 'secret\n');
  assert.ok(lstatSync(link).isSymbolicLink());
});

test('remove takes the file away only while it is what was read', async () => {
  const p = file('remove.cf', 'one\n');
  const seen = await readFileOn(host, p);
  appendFileSync(p, 'two\n');
  await assert.rejects(removeFileOn(host, p, seen.identity!), changed);
  assert.equal(readFileSync(p, 'utf8'), 'one\ntwo\n');
  await removeFileOn(host, p, (await readFileOn(host, p)).identity!);
  assert.throws(() => statSync(p));
  await removeFileOn(host, p, '*'); // gone already: fine
});

test('with an old sync that takes no file argument the write still completes', async () => {
  const bin = mkdtempSync(join(dir, 'old-bin-'));
  writeFileSync(join(bin, 'sync'), '#!/bin/sh\nif [ $# -gt 0 ]; then echo "sync: extra operand" >&2; exit 1; fi\nexec /bin/sync\n', { mode: 0o755 });
  const old = new LocalHost('old');
  const run = old.run.bind(old);
  old.run = (program, args, options = {}) => run(program, args, { ...options, env: { ...options.env, PATH: `${bin}:${process.env['PATH'] ?? '/usr/bin:/bin'}` } });
  const p = file('old.cf', 'a\n');
  const seen = await readFileOn(old, p);
  await replaceFileOn(old, p, Buffer.from('b\n'), { mode: 0o640, ...me }, seen.identity);
  assert.equal(readFileSync(p, 'utf8'), 'b\n');
});

test('paths that are not plain absolute file paths are refused before anything runs', async () => {
  for (const bad of ['relative.cf', '/etc/../etc/passwd', '/etc/postfix/']) {
    await assert.rejects(readFileOn(host, bad), FileEditError);
  }
});
