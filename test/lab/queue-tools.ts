/**
 * The lab's queue: count the spool's queue files, `postqueue -j`, wait until every message has
 * been tried once, `postsuper -d ALL` (lab only) and `postcat` for tests.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { SPOOL_DIR } from './config';
import { readManifest } from './config-backup';
import { requireRoot } from './lab-guards';
import { run } from './run-program';
import { sleep } from './wait-for';

export interface QueueCounts {
  maildrop: number;
  incoming: number;
  active: number;
  deferred: number;
  hold: number;
}

/** Counts queue files by reading the spool directories (root only; fast even for 20,000 messages). */
export async function spoolCounts(): Promise<QueueCounts> {
  const countDir = async (dir: string, depth: number): Promise<number> => {
    let n = 0;
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      return 0;
    }
    for (const e of entries) {
      if (e.isDirectory()) {
        if (depth > 0) n += await countDir(path.join(dir, e.name), depth - 1);
      } else n++;
    }
    return n;
  };
  const [maildrop, incoming, active, deferred, hold] = await Promise.all(
    ['maildrop', 'incoming', 'active', 'deferred', 'hold'].map((q) => countDir(path.join(SPOOL_DIR, q), 3)),
  );
  return { maildrop: maildrop ?? 0, incoming: incoming ?? 0, active: active ?? 0, deferred: deferred ?? 0, hold: hold ?? 0 };
}

export interface QueueEntry {
  queue_name: string;
  queue_id: string;
  arrival_time: number;
  message_size: number;
  forced_expire?: boolean;
  sender: string;
  recipients: Array<{ address: string; delay_reason?: string; orig_address?: string }>;
}

/** `postqueue -j`, parsed (unknown members kept as they are). */
export async function postqueueJson(): Promise<QueueEntry[]> {
  const r = await run('postqueue', ['-j'], { allowFail: true });
  if (r.code !== 0) throw new Error(`postqueue -j failed: ${r.stderr.trim()}`);
  return r.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as QueueEntry);
}

export interface SettleResult {
  elapsedMs: number;
  counts: QueueCounts;
}

/**
 * Waits until maildrop, incoming and active are empty, confirmed by `postqueue -j`: every
 * message has been tried once and is either gone (delivered/bounced) or deferred with a reason.
 */
export async function waitForQueueSettled(timeoutMs = 120000, pollMs = 250): Promise<SettleResult> {
  const t0 = Date.now();
  let last: QueueCounts | undefined;
  for (;;) {
    last = await spoolCounts();
    if (last.maildrop + last.incoming + last.active === 0) {
      const busy = (await postqueueJson()).filter((e) => e.queue_name === 'maildrop' || e.queue_name === 'incoming' || e.queue_name === 'active');
      if (busy.length === 0) {
        // a second look: a bounce or forwarded message may be on its way into incoming
        await sleep(pollMs);
        const again = await spoolCounts();
        if (again.maildrop + again.incoming + again.active === 0) return { elapsedMs: Date.now() - t0, counts: again };
      }
    }
    if (Date.now() - t0 > timeoutMs) {
      throw new Error(`lab: queue not settled after ${timeoutMs} ms: ${JSON.stringify(last)}`);
    }
    await sleep(pollMs);
  }
}

/** `postsuper -d ALL`; refuses unless the lab is up, so it can never empty a real queue. */
export async function flushQueue(): Promise<number> {
  requireRoot('flush');
  if (!(await readManifest())) throw new Error('lab flush: the lab is not up; refusing to delete a queue the lab does not own');
  const r = await run('postsuper', ['-d', 'ALL']);
  const m = /Deleted: (\d+) message/.exec(r.stderr + r.stdout);
  return m ? Number(m[1]) : 0;
}

const QUEUE_ID = /^[0-9A-Za-z]{6,20}$/;

/** `postcat -e -h -q ID...` for lab tests (IDs validated before they reach the command line). */
export async function postcat(ids: readonly string[]): Promise<string> {
  for (const id of ids) if (!QUEUE_ID.test(id)) throw new Error(`lab postcat: bad queue id ${JSON.stringify(id)}`);
  return (await run('postcat', ['-e', '-h', '-q', ...ids])).stdout;
}
