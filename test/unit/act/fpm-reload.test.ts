/**
 * PHP-FPM masters are found by what a site user cannot fake: real processes started here
 * from a copy of /bin/sh named php-fpm8.2 (root's, and one run as `nobody` with the
 * master's title), read back from /proc.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fpmMasters, procFacts, reloadFpmMasters } from '../../../src/act/fpm-reload';

const skip = process.getuid?.() === 0 ? false : 'needs root (processes of root and of nobody)';
let dir = '';
let bin = '';
const started: ChildProcess[] = [];

/** A process of `bin` whose shell starts one child of the same binary (a master and its worker). */
function startTree(asNobody: boolean, argv0: string): ChildProcess {
  const args = ['-c', `"$0" -c 'sleep 600; :' & sleep 600; :`];
  const child = asNobody
    ? spawn('setpriv', ['--reuid', '65534', '--regid', '65534', '--clear-groups', '--', bin, ...args], { stdio: 'ignore', argv0, detached: true })
    : spawn(bin, args, { stdio: 'ignore', argv0, detached: true });
  started.push(child);
  return child;
}

async function childrenOf(pid: number): Promise<number[]> {
  const { readdirSync } = await import('node:fs');
  const out: number[] = [];
  for (const n of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    const f = await procFacts(Number(n));
    if (f?.ppid === pid) out.push(f.pid);
  }
  return out;
}

async function until(what: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await what())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

before(() => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'fpm-'));
  chmodSync(dir, 0o755);
  bin = join(dir, 'php-fpm8.2');
  copyFileSync('/bin/sh', bin);
  chmodSync(bin, 0o755);
});

after(() => {
  // each tree is its own process group (detached): the group takes the workers and sleeps along
  for (const c of started) {
    try {
      process.kill(-c.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('a root php-fpm master is found by its binary, uid 0 and parentage; its worker is not a master; a site user\'s look-alike is ignored', { skip }, async () => {
  const master = startTree(false, 'php-fpm: master process (/etc/php/8.2/fpm/php-fpm.conf)');
  const fake = startTree(true, 'php-fpm: master process (/etc/php/8.2/fpm/php-fpm.conf)');
  await until(async () => (await childrenOf(master.pid!)).length > 0 && (await childrenOf(fake.pid!)).length > 0);
  const found = (await fpmMasters()).filter((m) => m.exe === bin);
  assert.deepEqual(found.map((m) => m.pid), [master.pid], 'only the root master, not its worker, not nobody\'s process with the same name and title');
  assert.match(found[0]!.title, /master process/);
});

test('reload signals only a master that is still the same process', { skip }, async () => {
  const master = startTree(false, 'php-fpm: master process (x)');
  await until(async () => (await childrenOf(master.pid!)).length > 0);
  const [m] = (await fpmMasters()).filter((x) => x.pid === master.pid);
  assert.ok(m);
  // a recorded start time that is not this process's: a reused pid is never signalled
  const said = await reloadFpmMasters([{ ...m, start: '1' }], 2000);
  assert.match(said[0]!, /gone \(or its pid now belongs to another process\)/);
  assert.equal(master.exitCode, null, 'not signalled');
  // the real one gets SIGUSR2 (a shell dies of it: that it ended shows the signal went there)
  const ended = new Promise((r) => master.once('exit', (_code, signal) => r(signal)));
  await reloadFpmMasters([m], 2000);
  assert.equal(await ended, 'SIGUSR2');
});
