import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { detach, detachAll } from '../../../src/trace/detach';

test('a detached string equals its original, whatever it holds (quotes, controls, lone surrogates, non-ASCII)', () => {
  for (const s of ['short', 'user1234@example.de', 'a"b\\c\nd\u0000e\u001ff-long-enough', 'x\ud800y-lone-high-surrogate', '\udfff-lone-low-surrogate-here', 'Grüße aus München 😀 — long']) {
    assert.equal(detach(s), s);
  }
  assert.deepEqual(detachAll({ a: ['user1234@example.de'], d: new Date(0), n: 1 }), { a: ['user1234@example.de'], d: new Date(0), n: 1 });
});

test('a detached piece does not keep the text it was cut from', () => {
  // a collector to call without starting node with --expose-gc
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  const before = process.memoryUsage().heapUsed;
  const kept: string[] = [];
  for (let i = 0; i < 200; i++) {
    const parent = `${'x'.repeat(1 << 20)}client${i}.example.net`;
    kept.push(detach(parent.slice(1 << 20)));
  }
  gc();
  const grown = process.memoryUsage().heapUsed - before;
  assert.ok(grown < 20 << 20, `kept 200 pieces of 1 MB texts: heap grew ${grown} bytes (200 MB if the texts stayed)`);
  assert.equal(kept[199], 'client199.example.net');
});
