/**
 * The pool of remote shells per host: a request waits for a busy session about as long
 * as a new one takes to start (a new one costs a remote login shell), and only then
 * starts one; it never waits for ever on a session held by its own caller.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShellPool } from '../../../src/host/ssh/shell-pool';
import type { RemoteShell } from '../../../src/host/ssh/remote-shell';

/** A stand-in session: usable until killed. */
function fakeShell(): RemoteShell {
  let dead = false;
  return {
    get usable() {
      return !dead;
    },
    close: async () => {
      dead = true;
    },
  } as unknown as RemoteShell;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('a session freed sooner than a new one could start is taken: no second login shell', async () => {
  let made = 0;
  const pool = new ShellPool(4, async () => {
    made++;
    await sleep(5);
    return fakeShell();
  });
  pool.adopt(fakeShell(), 400); // the first session took 400 ms to start
  const first = await pool.acquire();
  const second = pool.acquire(); // all busy: it waits up to 400 ms
  await sleep(50);
  pool.release(first);
  assert.equal(await second, first);
  assert.equal(made, 0);
  assert.equal(pool.opened, 1);
  await pool.close();
});

test('a session held past the start-up time: the waiting request starts a new one and goes on', async () => {
  let made = 0;
  const pool = new ShellPool(4, async () => {
    made++;
    return fakeShell();
  });
  pool.adopt(fakeShell(), 30);
  const held = await pool.acquire(); // e.g. a stream its caller reads while it asks for more
  const t0 = Date.now();
  const other = await pool.acquire();
  assert.notEqual(other, held);
  assert.equal(made, 1);
  assert.ok(Date.now() - t0 >= 25, 'it waited about the start-up time first');
  assert.ok(pool.patienceMs <= 10_000);
  await pool.close();
});

test('with no session open (the only one died) a request starts one at once', async () => {
  let made = 0;
  const pool = new ShellPool(2, async () => {
    made++;
    return fakeShell();
  });
  const s = fakeShell();
  pool.adopt(s, 60_000);
  const got = await pool.acquire();
  await got.close(); // ended while in use (a reader stopped early)
  const waiting = pool.acquire();
  pool.release(got); // the dead one frees its place and wakes the waiter
  const t0 = Date.now();
  const next = await waiting;
  assert.ok(next.usable);
  assert.equal(made, 1);
  assert.ok(Date.now() - t0 < 5_000, 'it did not wait the full minute for a session that cannot come back');
  await pool.close();
});

test('never more sessions than the limit: past it, requests wait for a release without a time limit', async () => {
  let made = 0;
  const pool = new ShellPool(2, async () => {
    made++;
    return fakeShell();
  });
  pool.adopt(fakeShell(), 1);
  const a = await pool.acquire();
  const b = await pool.acquire();
  let got: RemoteShell | null = null;
  const c = pool.acquire().then((s) => (got = s));
  await sleep(50);
  assert.equal(got, null);
  assert.equal(made, 1);
  pool.release(b);
  await c;
  assert.equal(got, b);
  pool.release(a);
  await pool.close();
});

test('a failed start reaches the request that waited for it', async () => {
  const pool = new ShellPool(2, async () => {
    throw new Error('no login');
  });
  await assert.rejects(pool.acquire(), /no login/);
  await pool.close();
});
