/**
 * --fill instance: the queue lives in the bench's own Postfix instance (bench-instance.ts).
 * Started, filled up to N if it holds fewer (a kept spool is reused as it is), and every
 * Postfix command of the measurement pointed at it through MAIL_CONFIG.
 */
import { benchInstance, ensureInstance, fillInstance, startInstance, type BenchInstance, type InstanceFillResult } from './bench-instance';
import { ENV } from './commands';
import { BrokenBenchmark } from './errors';
import type { BenchOptions } from './options';
import type { FillInfo } from './prepare-queue';
import type { Tools } from './prerequisites';
import { note } from './print';
import { queueSize } from './queue-ids';

export async function openInstance(opts: BenchOptions): Promise<BenchInstance> {
  const inst = benchInstance(opts.messages);
  await ensureInstance(inst);
  await startInstance(inst);
  // postqueue, postcat and spamtrace's own postconf/postqueue/postcat (root may name any config dir)
  ENV.MAIL_CONFIG = inst.configDir;
  note(`bench instance ${inst.name} up (${inst.configDir}, queue ${inst.queueDir}, listener 127.0.0.1:${inst.port})`);
  return inst;
}

export async function prepareInstanceQueue(inst: BenchInstance, opts: BenchOptions, tools: Tools): Promise<FillInfo> {
  let have = await queueSize(tools);
  if (have >= opts.messages) {
    note(`${inst.name} already holds ${have} messages (>= ${opts.messages}): reused`);
    return { mode: 'reused', flushed: 0, fills: [], fillSeconds: 0, queueSize: have };
  }
  const fills: InstanceFillResult[] = [];
  const t0 = Date.now();
  for (let round = 0; round < 2 && have < opts.messages; round++) {
    const total = opts.messages - have;
    note(`fill: ${total} messages over SMTP into ${inst.name} (all held)`);
    const r = await fillInstance(inst, total, `bench-instance-${have}`, (l) => note(`  ${l}`));
    fills.push(r);
    if (r.failed) note(`fill: ${r.failed} submissions failed: ${r.errors.slice(0, 2).join(' | ')}`);
    have = await queueSize(tools);
    note(`fill: ${r.submitted} submitted in ${(r.elapsedMs / 1000).toFixed(1)} s (${r.rate.toFixed(0)} messages/s); queue now ${have}`);
  }
  if (have < opts.messages) throw new BrokenBenchmark(`could not fill ${inst.name} to ${opts.messages} messages (it holds ${have})`);
  return { mode: 'filled', flushed: 0, fills, fillSeconds: (Date.now() - t0) / 1000, queueSize: have };
}
