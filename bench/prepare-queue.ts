/** Fills the lab queue to the size the benchmark measures (or reuses / tops up a queue left by --keep). */
import { DEFAULT_FILL_MIX, fillQueueFast, flushQueue, waitForQueueSettled, type FillResult } from '../test/lab/lab';
import { BrokenBenchmark } from './errors';
import type { InstanceFillResult } from './bench-instance';
import { fillHold, type HoldFillResult } from './hold-fill';
import type { BenchOptions } from './options';
import type { Tools } from './prerequisites';
import { note } from './print';
import { queueSize } from './queue-ids';

export interface FillInfo {
  mode: 'filled' | 'reused' | 'topped-up';
  flushed: number;
  fills: Array<FillResult | HoldFillResult | InstanceFillResult>;
  fillSeconds: number;
  queueSize: number;
}

export async function prepareQueue(opts: BenchOptions, tools: Tools): Promise<FillInfo> {
  const mix = DEFAULT_FILL_MIX;
  const log = (l: string) => note(`  ${l}`);
  let flushed = 0;
  let have = await queueSize(tools);
  let mode: FillInfo['mode'] = 'filled';
  if (opts.reuse && have >= opts.messages) {
    note(`--reuse: the queue already holds ${have} messages (>= ${opts.messages}); not filling`);
    await waitForQueueSettled(120000, 500);
    return { mode: 'reused', flushed, fills: [], fillSeconds: 0, queueSize: await queueSize(tools) };
  }
  if (opts.reuse) {
    mode = 'topped-up';
    note(`--reuse: the queue holds ${have} messages; topping it up to >= ${opts.messages}`);
  } else if (have > 0) {
    flushed = await flushQueue();
    note(`flushed ${flushed} messages left in the lab queue`);
    have = 0;
  }
  const fills: FillInfo['fills'] = [];
  const t0 = Date.now();
  if (opts.fill === 'hold') {
    for (let round = 0; round < 2 && have < opts.messages; round++) {
      const total = opts.messages - have;
      note(`fill (hold): ${total} messages over SMTP to a private hold listener (local sources through sendmail, at most 300)`);
      const r = await fillHold({ total, log });
      fills.push(r);
      if (r.failed) note(`fill: ${r.failed} submissions failed: ${Object.values(r.perKind).flatMap((k) => k.errors).slice(0, 2).join(' | ')}`);
      have = await queueSize(tools);
      note(`fill: ${r.submitted} submitted and settled in ${(r.elapsedMs / 1000).toFixed(1)} s (SMTP part ${r.smtpRate.toFixed(0)} messages/s); queue now ${have} messages (hold ${r.queue.hold})`);
    }
    if (have < opts.messages) throw new BrokenBenchmark(`could not fill the queue to ${opts.messages} messages (it holds ${have})`);
    return { mode, flushed, fills, fillSeconds: (Date.now() - t0) / 1000, queueSize: have };
  }
  // one top-up round if some submissions failed
  for (let round = 0; round < 2 && have < opts.messages; round++) {
    const total = opts.messages - have;
    note(`fill: ${total} messages, mix ${Object.entries(mix).map(([k, v]) => `${k}=${v}`).join(',')} (sasl/relay/local-smtp/php: spam sources; newsletter: benign)`);
    const r = await fillQueueFast({ total, mix, log });
    fills.push(r);
    if (r.failed) note(`fill: ${r.failed} submissions failed: ${Object.values(r.perKind).flatMap((k) => k.errors).slice(0, 2).join(' | ')}`);
    have = await queueSize(tools);
    note(`fill: ${r.submitted} submitted in ${(r.submitMs / 1000).toFixed(1)} s, settled after ${((r.settleMs) / 1000).toFixed(1)} s more; queue now ${have} messages (deferred ${r.queue.deferred})`);
  }
  if (have < opts.messages) throw new BrokenBenchmark(`could not fill the queue to ${opts.messages} messages (it holds ${have})`);
  return { mode, flushed, fills, fillSeconds: (Date.now() - t0) / 1000, queueSize: have };
}
