import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, symlinkSync, statSync, chownSync, chmodSync, utimesSync, existsSync, readFileSync } from 'node:fs';
import { promises as fsPromises } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QuarantineAction, checkScriptPath } from '../../../src/act/quarantine';

function tree() {
  const base = mkdtempSync(join(tmpdir(), 'act-q-'));
  const root = join(base, 'www');
  const docroot = join(root, 'site', 'html');
  mkdirSync(docroot, { recursive: true });
  const script = join(docroot, 'x.php');
  writeFileSync(script, '<?php mail("a@b.c","s","b");');
  const outside = join(base, 'outside.php');
  writeFileSync(outside, 'secret');
  return { base, root, docroot, script, outside, qdir: join(base, 'quarantine') };
}

test('a script under a root is accepted by its real path', async () => {
  const t = tree();
  assert.equal(await checkScriptPath(t.script, [t.root]), t.script);
});

test('paths outside the roots, with "..", relative or through symlinks are refused', async () => {
  const t = tree();
  await assert.rejects(checkScriptPath(t.outside, [t.root]), /outside the configured roots/);
  await assert.rejects(checkScriptPath(`${t.docroot}/../../../outside.php`, [t.root]), /"\.\."/);
  await assert.rejects(checkScriptPath('site/html/x.php', [t.root]), /absolute/);
  const link = join(t.docroot, 'link.php');
  symlinkSync(t.outside, link);
  await assert.rejects(checkScriptPath(link, [t.root]), /symlink/);
  const dirLink = join(t.docroot, 'up');
  symlinkSync(t.base, dirLink);
  await assert.rejects(checkScriptPath(join(dirLink, 'outside.php'), [t.root]), /through a symlink/);
  await assert.rejects(checkScriptPath(t.docroot, [t.root]), /not a regular file/);
});

test('a root that is itself "/" does not make every file acceptable', async () => {
  const t = tree();
  await assert.rejects(checkScriptPath(t.outside, ['/']), /outside the configured roots/);
});

test('quarantine moves the script to a 0700 directory as root-only 0600 and restore puts back owner, mode and mtime', { skip: process.getuid?.() !== 0 ? 'needs root (chown)' : false }, async () => {
  const t = tree();
  chownSync(t.script, 4321, 4322);
  chmodSync(t.script, 0o640);
  utimesSync(t.script, new Date('2014-02-03T04:05:06.789Z'), new Date('2014-02-03T04:05:06.789Z'));
  const content = readFileSync(t.script);
  const action = new QuarantineAction({ roots: [t.root], quarantineDir: t.qdir, reloadFpm: false });
  const plan = await action.plan(t.script);
  await action.apply(plan);
  const v = await action.verify(plan);
  assert.equal(v.ok, true, v.observations.join('; '));
  assert.equal(existsSync(t.script), false);
  assert.equal(statSync(t.qdir).mode & 0o777, 0o700);
  const q = (plan.data as { quarantinePath: string }).quarantinePath;
  assert.equal(statSync(q).mode & 0o777, 0o600);
  assert.equal(statSync(q).uid, 0);
  assert.ok(existsSync(`${q}.json`), 'a sidecar with the original path and metadata');

  await action.undo(plan);
  const st = statSync(t.script);
  assert.deepEqual([st.uid, st.gid, st.mode & 0o7777], [4321, 4322, 0o640]);
  assert.equal(st.mtime.toISOString(), '2014-02-03T04:05:06.789Z');
  assert.deepEqual(readFileSync(t.script), content);
  assert.equal((await action.verifyUndone(plan)).ok, true);
});

test('restore refuses to overwrite a file that appeared at the original path', { skip: process.getuid?.() !== 0 ? 'needs root' : false }, async () => {
  const t = tree();
  const action = new QuarantineAction({ roots: [t.root], quarantineDir: t.qdir, reloadFpm: false });
  const plan = await action.plan(t.script);
  await action.apply(plan);
  writeFileSync(t.script, 'new site file');
  await assert.rejects(action.undo(plan), /exists again: not overwriting/);
  assert.equal(readFileSync(t.script, 'utf8'), 'new site file');
});

test('restore refuses when the site user swapped the script directory for a symlink out of the roots', { skip: process.getuid?.() !== 0 ? 'needs root' : false }, async () => {
  const t = tree();
  const sub = join(t.docroot, 'a');
  mkdirSync(join(sub, 'b'), { recursive: true });
  const script = join(sub, 'b', 'evil.php');
  writeFileSync(script, 'payload');
  const action = new QuarantineAction({ roots: [t.root], quarantineDir: t.qdir, reloadFpm: false });
  const plan = await action.plan(script);
  await action.apply(plan);
  // while it sits in quarantine, the (untrusted) owner of the docroot plants a symlink
  // (an ancestor, not the direct parent: the direct parent's lstat alone would not see it)
  const target = join(t.base, 'etc-like');
  mkdirSync(join(target, 'b'), { recursive: true });
  rmSync(sub, { recursive: true });
  symlinkSync(target, sub);
  await assert.rejects(action.undo(plan), /symlink/);
  assert.equal(existsSync(join(target, 'b', 'evil.php')), false, 'nothing written outside the roots');
  assert.ok(existsSync((plan.data as { quarantinePath: string }).quarantinePath), 'the quarantined copy stays');
});

test('restore never chowns through a symlink swapped in for the restored file', { skip: process.getuid?.() !== 0 ? 'needs root' : false }, async () => {
  const t = tree();
  chownSync(t.script, 4321, 4322);
  chmodSync(t.script, 0o640);
  const victim = join(t.base, 'shadow-like');
  writeFileSync(victim, 'root only', { mode: 0o600 });
  const action = new QuarantineAction({ roots: [t.root], quarantineDir: t.qdir, reloadFpm: false });
  const plan = await action.plan(t.script);
  await action.apply(plan);
  // the site user wins the race: right after the rename puts the script back, the name
  // points at a root file (the user owns the directory, so it can replace the entry)
  const realRename = fsPromises.rename;
  fsPromises.rename = async (from, to) => {
    await realRename(from, to);
    if (String(to) === t.script) {
      rmSync(t.script);
      symlinkSync(victim, t.script);
    }
  };
  try {
    await action.undo(plan).catch(() => undefined);
  } finally {
    fsPromises.rename = realRename;
  }
  const v = statSync(victim);
  assert.equal(v.uid, 0, 'the root file stays root\'s');
  assert.equal(v.mode & 0o777, 0o600, 'and keeps its mode');
});
