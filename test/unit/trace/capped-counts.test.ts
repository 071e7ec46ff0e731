import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CappedCounts, CappedDistinct, ExactBudget } from '../../../src/trace/capped-counts';
import { DISTINCT_SKETCH_ERROR, DistinctSketch } from '../../../src/trace/distinct-sketch';
import { SourceAccumulator, topCounts, EXACT_RECIPIENTS } from '../../../src/trace/source-accumulator';
import type { TraceMessage } from '../../../src/trace/trace-message';

test('the sketch estimates distinct counts within 4 standard errors, from ten to a million', () => {
  for (const n of [10, 1_000, 50_000, 1_000_000]) {
    const s = new DistinctSketch();
    // every value three times: repeats must not count
    for (let r = 0; r < 3 && r * n < 1_200_000; r++) for (let i = 0; i < n; i++) s.add(`rcpt${i}@example.com`);
    const err = Math.abs(s.estimate() - n) / n;
    assert.ok(err <= 4 * DISTINCT_SKETCH_ERROR, `n=${n}: estimate ${s.estimate()} (${(err * 100).toFixed(2)} %)`);
  }
});

test('capped counts are exact up to the cap and keep first-seen order', () => {
  const c = new CappedCounts(3);
  for (const k of ['b', 'a', 'b', 'c', 'a', 'b']) c.add(k);
  assert.equal(c.size, 3);
  assert.equal(c.estimated, false);
  assert.deepEqual([...c.keys()], ['b', 'a', 'c']);
  assert.deepEqual(topCounts(c, 2), [
    { key: 'b', count: 3 },
    { key: 'a', count: 2 },
  ]);
});

test('past the cap: distinct count estimated, memory bounded, a late heavy hitter still tops the list', () => {
  const c = new CappedCounts(100);
  for (let i = 0; i < 100; i++) c.add(`early${i}`);
  for (let i = 0; i < 200_000; i++) {
    c.add(`random${i}`);
    if (i % 4 === 0) c.add('late-bot-helo');
  }
  assert.equal(c.estimated, true);
  const n = 100 + 200_001;
  assert.ok(Math.abs(c.size - n) / n < 4 * DISTINCT_SKETCH_ERROR, `size ${c.size} vs ${n}`);
  assert.ok([...c.entries()].length <= 100 + 64, 'entries stay bounded');
  const top = topCounts(c, 1)[0]!;
  assert.equal(top.key, 'late-bot-helo');
  assert.ok(top.count <= 50_000 && top.count >= 49_000, `count ${top.count}: a lower bound, close to the truth`);
  // the all-different late values are not passed off as hitters: each shows what it surely had
  assert.ok(topCounts(c, 200).every((e) => e.key === 'late-bot-helo' || e.count === 1));
  assert.deepEqual([...c.keys()].slice(0, 2), ['early0', 'early1']);
});

test('capped distinct: exact below the cap, estimated (within 4 errors) above', () => {
  const d = new CappedDistinct(1000);
  for (let i = 0; i < 1000; i++) d.add(`x${i % 500}`);
  assert.equal(d.size, 500);
  assert.equal(d.estimated, false);
  for (let i = 0; i < 100_000; i++) d.add(`y${i}`);
  assert.equal(d.estimated, true);
  assert.ok(Math.abs(d.size - 100_500) / 100_500 < 4 * DISTINCT_SKETCH_ERROR, `size ${d.size}`);
});

function msg(i: number): TraceMessage {
  return {
    queueId: `ID${i}`,
    queueName: 'hold',
    arrivalTime: null,
    sender: `bounce${i}@spam.example`,
    recipients: [`a${i}@gmail.com`, `b${i}@yahoo.com`],
    delayReasons: [],
    origin: { kind: 'sasl', username: 'info@shop.example', clientAddress: '192.0.2.1', helo: `h${i}` },
    fromAddress: null,
    subject: null,
    listUnsubscribe: false,
    examined: true,
  };
}

test('a source says which counts are estimates, and only past the caps', () => {
  const small = new SourceAccumulator('sasl:x', msg(0).origin);
  for (let i = 0; i < 100; i++) small.add(msg(i));
  assert.deepEqual(small.estimatedCounts(), []);
  assert.equal(small.uniqueRecipients.size, 200);
  const big = new SourceAccumulator('sasl:x', msg(0).origin);
  const n = EXACT_RECIPIENTS; // 2 recipients each: twice the cap
  for (let i = 0; i < n; i++) big.add(msg(i));
  assert.deepEqual(big.estimatedCounts(), ['uniqueRecipients', 'distinctSenders', 'senders']);
  assert.ok(Math.abs(big.uniqueRecipients.size - 2 * n) / (2 * n) < 4 * DISTINCT_SKETCH_ERROR);
  assert.equal(big.recipients, 2 * n, 'totals stay exact');
  assert.equal(big.messages, n);
});

test('a shared budget of exact entries: once spent, every counter sketches new values and says so', () => {
  const budget = new ExactBudget(5);
  const a = new CappedCounts(100, budget);
  const b = new CappedDistinct(100, budget);
  for (const k of ['a1', 'a2', 'a3']) a.add(k);
  for (const k of ['b1', 'b2', 'b3']) b.add(k);
  // 5 exact entries in all: a took 3, b 2; b3 went to b's sketch
  assert.equal(a.estimated, false);
  assert.equal(b.estimated, true);
  assert.equal(b.size, 3);
  a.add('a1', 2); // a known value still counts exactly
  a.add('a4');
  assert.equal(a.estimated, true);
  assert.deepEqual([...a.keys()], ['a1', 'a2', 'a3']);
  assert.equal(new Map(a.entries()).get('a1'), 3);
  assert.equal(a.size, 4);
});

test('late heavy hitters: the same table as a full scan for the least count on every newcomer', () => {
  // the reference: Space-Saving as first written, a scan of all 64 slots per newcomer
  const reference = (stream: [string, number][], cap: number): [string, number][] => {
    const exact = new Map<string, number>();
    const late = new Map<string, { count: number; over: number }>();
    for (const [key, by] of stream) {
      const n = exact.get(key);
      if (n !== undefined) exact.set(key, n + by);
      else if (exact.size < cap) exact.set(key, by);
      else {
        const slot = late.get(key);
        if (slot) slot.count += by;
        else if (late.size < 64) late.set(key, { count: by, over: 0 });
        else {
          let minKey = '';
          let min = Infinity;
          for (const [k, c] of late) if (c.count < min) [min, minKey] = [c.count, k];
          late.delete(minKey);
          late.set(key, { count: min + by, over: min });
        }
      }
    }
    return [...exact.entries(), ...[...late].filter(([, c]) => c.count - c.over > 0).map(([k, c]): [string, number] => [k, c.count - c.over])];
  };
  let seed = 7;
  const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  for (const [distinct, length] of [[100, 5_000], [10_000, 20_000], [300, 50_000]] as const) {
    // a mix of all-different values, a few hot ones and counts above one
    const stream: [string, number][] = Array.from({ length }, (_, i) => [rnd(4) === 0 ? `hot${rnd(5)}` : `v${i % 3 === 0 ? rnd(distinct) : i}`, 1 + (rnd(10) === 0 ? rnd(5) : 0)]);
    const c = new CappedCounts(50);
    for (const [k, by] of stream) c.add(k, by);
    assert.deepEqual([...c.entries()], reference(stream, 50), `${distinct} distinct, ${length} values`);
  }
});
