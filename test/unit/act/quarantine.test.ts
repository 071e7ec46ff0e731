import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, symlinkSync, statSync, chownSync, chmodSync, utimesSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QuarantineAction, checkScriptPath, ensureRootOnlyDir } from '../../../src/act/quarantine';

const asRoot = process.getuid?.() === 0;
const needsRoot = asRoot ? false : 'needs root (the owner\'s process runs as another user)';
/** The site user of these tests: `nobody` exists on every Debian and RHEL system and owns nothing. */
const NOBODY = 65534;

/** A site tree: base (root's, 0755) / www / site / html (the site user's) / x.php (the site user's). */
function tree() {
  const base = mkdtempSync(join(tmpdir(), 'act-q-'));
  const root = join(base, 'www');
  const docroot = join(root, 'site', 'html');
  mkdirSync(docroot, { recursive: true });
  const script = join(docroot, 'x.php');
  writeFileSync(script, '<?php mail("a@b.c","s","b");');
  if (asRoot) {
    chmodSync(base, 0o755);
    chownSync(join(root, 'site'), NOBODY, NOBODY);
    chownSync(docroot, NOBODY, NOBODY);
    chownSync(script, NOBODY, NOBODY);
  }
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

test('quarantine takes the script into a 0700 directory as a root-only 0600 copy; undo puts back owner, group, mode and times to the nanosecond', { skip: needsRoot }, async () => {
  const t = tree();
  chmodSync(t.script, 0o640);
  utimesSync(t.script, new Date('2014-02-03T04:05:06.789Z'), new Date('2014-02-03T04:05:06.789Z'));
  const content = readFileSync(t.script);
  // after reading: reading sets the atime, and the plan records the times it sees
  const before = statSync(t.script, { bigint: true });
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
  assert.deepEqual(readFileSync(q), content);
  assert.ok(existsSync(`${q}.json`), 'a sidecar with the original path and metadata');

  const u = await action.undo(plan);
  assert.deepEqual(u.warnings, []);
  const st = statSync(t.script, { bigint: true });
  assert.deepEqual([st.uid, st.gid, st.mode & 0o7777n], [BigInt(NOBODY), BigInt(NOBODY), 0o640n]);
  assert.equal(st.mtimeNs, before.mtimeNs);
  assert.equal(st.atimeNs, before.atimeNs);
  assert.deepEqual(readFileSync(t.script), content);
  assert.equal((await action.verifyUndone(plan)).ok, true);
  assert.deepEqual(readdirSync(t.qdir), [], 'the copy and its sidecar are gone after undo');
});

test('with the quarantine on another file system (/dev/shm) it works the same', { skip: needsRoot || (!existsSync('/dev/shm') && 'no /dev/shm') }, async () => {
  const t = tree();
  const qdir = mkdtempSync('/dev/shm/act-q-');
  try {
    const action = new QuarantineAction({ roots: [t.root], quarantineDir: join(qdir, 'q'), reloadFpm: false });
    const plan = await action.plan(t.script);
    await action.apply(plan);
    assert.equal((await action.verify(plan)).ok, true);
    await action.undo(plan);
    assert.equal((await action.verifyUndone(plan)).ok, true);
    assert.equal(statSync(t.script).uid, NOBODY);
  } finally {
    rmSync(qdir, { recursive: true, force: true });
  }
});

test('restore refuses to overwrite a file that appeared at the original path', { skip: needsRoot }, async () => {
  const t = tree();
  const action = new QuarantineAction({ roots: [t.root], quarantineDir: t.qdir, reloadFpm: false });
  const plan = await action.plan(t.script);
  await action.apply(plan);
  writeFileSync(t.script, 'new site file');
  await assert.rejects(action.undo(plan), /exists again: not overwriting/);
  assert.equal(readFileSync(t.script, 'utf8'), 'new site file');
  assert.ok(existsSync((plan.data as { quarantinePath: string }).quarantinePath), 'the quarantined copy stays');
});

test('restore refuses when the site user swapped the script directory for a symlink', { skip: needsRoot }, async () => {
  const t = tree();
  const sub = join(t.docroot, 'a');
  mkdirSync(join(sub, 'b'), { recursive: true });
  chownSync(sub, NOBODY, NOBODY);
  chownSync(join(sub, 'b'), NOBODY, NOBODY);
  const script = join(sub, 'b', 'evil.php');
  writeFileSync(script, 'payload');
  chownSync(script, NOBODY, NOBODY);
  const action = new QuarantineAction({ roots: [t.root], quarantineDir: t.qdir, reloadFpm: false });
  const plan = await action.plan(script);
  await action.apply(plan);
  // while it sits in quarantine, the owner of the docroot plants a symlink to a directory it
  // may write (an ancestor, not the direct parent), and one to a root directory
  for (const owner of [NOBODY, 0]) {
    const target = mkdtempSync(join(t.base, 'elsewhere-'));
    mkdirSync(join(target, 'b'));
    chmodSync(target, 0o755);
    chownSync(join(target, 'b'), owner, owner);
    rmSync(sub, { recursive: true, force: true });
    symlinkSync(target, sub);
    await assert.rejects(action.undo(plan), /symlink/);
    assert.equal(existsSync(join(target, 'b', 'evil.php')), false, 'nothing written through the link');
    assert.ok(existsSync((plan.data as { quarantinePath: string }).quarantinePath), 'the quarantined copy stays');
  }
});

test('a script swapped for a symlink to a root-only file after the plan: apply takes nothing and changes nothing', { skip: needsRoot }, async () => {
  const t = tree();
  const victim = join(t.base, 'shadow-like');
  writeFileSync(victim, 'root only', { mode: 0o600 });
  const action = new QuarantineAction({ roots: [t.root], quarantineDir: t.qdir, reloadFpm: false });
  const plan = await action.plan(t.script);
  rmSync(t.script);
  symlinkSync(victim, t.script);
  await assert.rejects(action.apply(plan));
  assert.equal(readFileSync(victim, 'utf8'), 'root only');
  assert.equal(statSync(victim).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(t.qdir), [], 'no copy of anything kept');
});

test('a script owned by root is refused: spamtrace never acts as root inside a site\'s tree', { skip: needsRoot }, async () => {
  const t = tree();
  chownSync(t.script, 0, 0);
  const action = new QuarantineAction({ roots: [t.root], quarantineDir: t.qdir, reloadFpm: false });
  await assert.rejects(action.plan(t.script), /owned by root/);
});

test('the quarantine must be reached through root\'s own directories', { skip: needsRoot }, async () => {
  const t = tree();
  // under a directory others can write (not sticky): refused
  const open = join(t.base, 'open');
  mkdirSync(open, { mode: 0o777 });
  chmodSync(open, 0o777);
  await assert.rejects(ensureRootOnlyDir(join(open, 'q')), /writable by others/);
  // made in advance by the site user: refused
  const planted = join(t.base, 'planted');
  mkdirSync(planted);
  chownSync(planted, NOBODY, NOBODY);
  await assert.rejects(ensureRootOnlyDir(planted), /not owned by root/);
  // a symlink to root's directory: refused
  symlinkSync(t.qdir, join(t.base, 'qlink'));
  mkdirSync(t.qdir, { mode: 0o700 });
  await assert.rejects(ensureRootOnlyDir(join(t.base, 'qlink')), /not a directory/);
  await ensureRootOnlyDir(t.qdir);
});
