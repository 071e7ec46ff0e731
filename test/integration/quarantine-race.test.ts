/**
 * The site user races quarantine-script on the real file system. A process running as an
 * unprivileged user (`nobody`, the site's owner here) flips the scripts' parent directory
 * between a real directory and a symlink to a root-owned canary directory, and the script
 * being worked on between a file and a symlink to a root-only file, as fast as it can,
 * while ROUNDS rounds run: each quarantines a script (apply of a plan made before the race),
 * undoes that quarantine (whether it went through or was refused) and restores a script
 * quarantined before the race (undo of an earlier quarantine: the copy goes back into the
 * flipped directory). Once with the quarantine on the site's file system, once on another.
 *
 * Afterwards: the canary directory and the root-only file are byte for byte as before
 * (names, contents, owners, modes, times), no root-owned file is in the user's tree and no
 * user-owned file in root's, and no script was lost (each is at its path or in the
 * quarantine, with its bytes). Needs root; touches no lab service (no lock needed).
 *
 * The canary directory holds a world-readable root file of every script's name, so a root
 * that followed the swapped-in link would find something to take.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { QuarantineAction, type QuarantinePlan } from '../../src/act/quarantine';

const ROUNDS = Number(process.env['SPAMTRACE_RACE_ROUNDS'] ?? 500);
const USER = 65534; // nobody
const skip = process.getuid?.() !== 0 ? 'needs root (the site user is nobody)' : !existsSync('/dev/shm') ? 'no /dev/shm' : false;

/** The flipper, run as the site user: renames and symlinks in a tight loop, every error ignored. */
const FLIPPER = `
const fs = require('fs');
const [site, canary, secret, ctl] = process.argv.slice(1);
const d = site + '/d', hold = site + '/d.hold';
let n = 0, names = [], flips = 0;
const flip = (path, held, target, isDir) => {
  try { fs.renameSync(path, held); } catch { return; }
  try { fs.symlinkSync(target, path, isDir ? 'dir' : 'file'); } catch {}
  try { fs.unlinkSync(path); } catch {}
  try { fs.renameSync(held, path); } catch {}
  flips++;
};
for (;;) {
  if ((n++ & 63) === 0) {
    let c = '';
    try { c = fs.readFileSync(ctl, 'utf8').trim(); } catch {}
    if (c === 'stop') break;
    names = c ? c.split(' ') : [];
  }
  flip(d, hold, canary, true);
  for (const name of names) flip(d + '/' + name, d + '/' + name + '.hold', secret, false);
}
process.stdout.write(String(flips));
`;

interface Snapshot {
  [name: string]: string;
}

/** Every entry under dir: type, owner, mode, size, mtime and the sha256 of files. */
function snapshot(dir: string): Snapshot {
  const out: Snapshot = {};
  const walk = (p: string, rel: string): void => {
    const st = lstatSync(p, { bigint: true });
    const sha = st.isFile() ? createHash('sha256').update(readFileSync(p)).digest('hex') : '';
    out[rel] = `${st.isDirectory() ? 'd' : st.isSymbolicLink() ? 'l' : 'f'} ${st.uid}:${st.gid} ${(st.mode & 0o7777n).toString(8)} ${st.size} ${st.mtimeNs} ${sha}`;
    if (st.isDirectory()) for (const n of readdirSync(p).sort()) walk(join(p, n), `${rel}/${n}`);
  };
  walk(dir, '.');
  return out;
}

function ownersUnder(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (p: string): void => {
    const st = lstatSync(p);
    out.set(p, st.uid);
    if (st.isDirectory()) for (const n of readdirSync(p)) walk(join(p, n));
  };
  walk(dir);
  return out;
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

async function settle<T>(p: Promise<T>): Promise<'ok' | 'refused'> {
  try {
    await p;
    return 'ok';
  } catch {
    return 'refused';
  }
}

/** run(0..n-1), at most `width` at a time. */
async function inParallel(n: number, width: number, run: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < n) await run(next++);
  }));
}

const cleanup: string[] = [];
const flippers: ChildProcess[] = [];
after(() => {
  for (const f of flippers) if (f.exitCode === null) f.kill('SIGKILL');
  for (const d of cleanup) rmSync(d, { recursive: true, force: true });
});

// same file system: both on tmpfs, so the rounds are not paced by the disk's fsync;
// across: the site on the disk (/var/tmp), the quarantine on tmpfs (/dev/shm)
for (const variant of [
  { name: 'quarantine on the same file system', tree: '/dev/shm', quarantine: '/dev/shm' },
  { name: 'quarantine on another file system', tree: '/var/tmp', quarantine: '/dev/shm' },
]) {
  describe(`the site user races quarantine, undo and restore: ${variant.name}`, { skip }, () => {
    test(`${ROUNDS} rounds each: the canary is untouched, nothing crosses between root's tree and the user's, no script is lost`, { timeout: 30 * 60_000 }, async (t) => {
      const started = Date.now();
      const base = mkdtempSync(join(variant.tree, 'spamtrace-race-'));
      cleanup.push(base);
      chmodSync(base, 0o755);
      const qbase = variant.quarantine === variant.tree ? base : mkdtempSync(join(variant.quarantine, 'spamtrace-race-q-'));
      if (qbase !== base) cleanup.push(qbase);
      const quarantineDir = join(qbase, 'quarantine');
      const root = join(base, 'www');
      const site = join(root, 'site');
      const d = join(site, 'd');
      const canary = join(base, 'canary');
      const secret = join(base, 'root-only');
      const ctl = join(base, 'ctl');
      for (const dir of [root, site, d, canary]) mkdirSync(dir, { mode: 0o755 });
      chownSync(site, USER, USER);
      chownSync(d, USER, USER);
      writeFileSync(secret, `root only ${randomBytes(16).toString('hex')}\n`, { mode: 0o600 });
      writeFileSync(ctl, '', { mode: 0o644 });

      const names = Array.from({ length: ROUNDS }, (_, i) => [`a${i}.php`, `s${i}.php`]).flat();
      const content = new Map<string, Buffer>();
      for (const name of names) {
        const bytes = Buffer.from(`<?php /* ${name} */ mail("x@example.com", "s", "${randomBytes(24).toString('hex')}");\n`);
        content.set(name, bytes);
        writeFileSync(join(d, name), bytes, { mode: 0o644 });
        chownSync(join(d, name), USER, USER);
        writeFileSync(join(canary, name), `canary ${name}\n`, { mode: 0o644 });
      }
      writeFileSync(join(canary, 'secret'), randomBytes(64), { mode: 0o600 });
      const canaryBefore = snapshot(canary);
      const secretBefore = snapshot(secret);

      const action = new QuarantineAction({ roots: [root], quarantineDir, reloadFpm: false });
      // quiet phase: plans for the a-scripts, and the s-scripts into the quarantine, to be restored under the race
      const plans = new Map<string, QuarantinePlan>();
      await inParallel(ROUNDS, 2, async (i) => {
        plans.set(`a${i}.php`, await action.plan(join(d, `a${i}.php`)));
        const s = await action.plan(join(d, `s${i}.php`));
        await action.apply(s);
        plans.set(`s${i}.php`, s);
      });
      const quietMs = Date.now() - started;

      const flipper = spawn('setpriv', ['--reuid', String(USER), '--regid', String(USER), '--clear-groups', '--', process.execPath, '-e', FLIPPER, site, canary, secret, ctl], {
        cwd: '/',
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      flippers.push(flipper);
      let flips = '';
      flipper.stdout!.on('data', (c: Buffer) => (flips += c.toString()));
      const flipperDone = new Promise<void>((r) => flipper.once('close', () => r()));

      const tally = { quarantine: { ok: 0, refused: 0 }, undo: { ok: 0, refused: 0 }, restore: { ok: 0, refused: 0 } };
      const raceStart = Date.now();
      for (let i = 0; i < ROUNDS; i++) {
        writeFileSync(ctl, `a${i}.php s${i}.php`);
        const a = plans.get(`a${i}.php`)!;
        tally.quarantine[await settle(action.apply(a))]++;
        tally.undo[await settle(action.undo(a))]++;
        tally.restore[await settle(action.undo(plans.get(`s${i}.php`)!))]++;
      }
      const raceMs = Date.now() - raceStart;
      writeFileSync(ctl, 'stop');
      await flipperDone;
      t.diagnostic(`quiet phase ${quietMs} ms; race phase ${raceMs} ms for ${ROUNDS} rounds; ${flips} flips by the site user; ${JSON.stringify(tally)}`);
      assert.ok(Number(flips) > ROUNDS, `the flipper ran (${flips} flips)`);
      // the race does not simply make everything fail: each operation got through between flips
      // (measured: 5-15 % of rounds; at 100+ rounds none getting through would be a bug)
      if (ROUNDS >= 100) for (const [op, n] of Object.entries(tally)) assert.ok(n.ok > 0, `${op} never succeeded under the race`);

      // the canary directory and the root-only file: byte for byte, owner, mode and time as before
      assert.deepEqual(snapshot(canary), canaryBefore);
      assert.deepEqual(snapshot(secret), secretBefore);
      // nothing of root's in the user's tree, nothing of the user's in root's
      for (const [p, uid] of ownersUnder(site)) assert.equal(uid, USER, `${p} in the user's tree is owned by ${uid}`);
      for (const dir of [quarantineDir, canary]) for (const [p, uid] of ownersUnder(dir)) assert.equal(uid, 0, `${p} in root's tree is owned by ${uid}`);
      for (const n of readdirSync(base)) if (n !== 'www') assert.equal(lstatSync(join(base, n)).uid, 0, n);
      // the flipper stopped with every rename undone: the directory is a directory again
      assert.ok(lstatSync(d).isDirectory());

      // no script lost: each is at its path with its bytes, or in the quarantine with them
      let atPaths = 0;
      for (const name of names) {
        const plan = plans.get(name);
        const q = plan ? (plan.data as { quarantinePath: string }).quarantinePath : null;
        const atPath = existsSync(join(d, name)) ? sha(readFileSync(join(d, name))) : null;
        const inQuarantine = q && existsSync(q) ? sha(readFileSync(q)) : null;
        assert.ok(atPath === sha(content.get(name)!) || inQuarantine === sha(content.get(name)!), `${name}: at path ${atPath}, in quarantine ${inQuarantine}`);
        if (atPath) atPaths++;
      }
      // and the quiet undo of one that stayed in quarantine brings it back as it was
      const waiting = names.find((n) => plans.has(n) && !existsSync(join(d, n)))!;
      await action.undo(plans.get(waiting)!);
      assert.deepEqual(readFileSync(join(d, waiting)), content.get(waiting));
      assert.equal(lstatSync(join(d, waiting)).uid, USER);
      t.diagnostic(`${atPaths} of ${names.length} scripts at their path after the race, the rest in the quarantine`);
      t.diagnostic(`total ${Date.now() - started} ms`);
    });
  });
}
