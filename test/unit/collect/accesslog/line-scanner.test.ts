import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineScanner } from '../../../../src/collect/accesslog/line-scanner';

interface Seen {
  lines: Array<[number, string]>;
  cut: number[];
}

function scan(chunks: Buffer[], needles: string[], max = 1024): Seen {
  const seen: Seen = { lines: [], cut: [] };
  const s = new LineScanner(needles.map((n) => Buffer.from(n)), max, (n) => seen.cut.push(n));
  const sink = (b: Buffer, start: number, end: number, no: number): void => void seen.lines.push([no, b.toString('latin1', start, end)]);
  for (const c of chunks) s.feed(c, sink);
  s.end(sink);
  return seen;
}

function splitAt(text: string, cuts: number[]): Buffer[] {
  const b = Buffer.from(text, 'latin1');
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of [...cuts, b.length]) {
    out.push(b.subarray(prev, c));
    prev = c;
  }
  return out;
}

const TEXT = ['a "GET /x', 'b "POST /y', '', 'c "PUT /z "POST ', 'd "GET /php.php', 'e "POST /last.php'].join('\r\n');

test('every chunk boundary gives the same lines with the same line numbers', () => {
  const expectAll = scan([Buffer.from(TEXT)], []);
  const expectPost = scan([Buffer.from(TEXT)], ['"POST ']);
  assert.deepEqual(expectPost.lines, [[2, 'b "POST /y'], [4, 'c "PUT /z "POST '], [6, 'e "POST /last.php']]);
  assert.equal(expectAll.lines.length, 5); // the blank line is not a line worth passing on
  for (let i = 0; i <= TEXT.length; i++) {
    for (let j = i; j <= TEXT.length; j += 3) {
      assert.deepEqual(scan(splitAt(TEXT, [i, j]), []), expectAll, `cuts ${i},${j}`);
      assert.deepEqual(scan(splitAt(TEXT, [i, j]), ['"POST ']), expectPost, `cuts ${i},${j}`);
    }
  }
});

test('several needles find each matching line once, in order', () => {
  const seen = scan([Buffer.from(TEXT)], ['"POST ', '.php']);
  assert.deepEqual(seen.lines.map(([n]) => n), [2, 4, 5, 6]);
});

test('a line longer than the limit is reported as cut, never held or passed on, in one chunk or many', () => {
  const long = `x "POST ${'A'.repeat(5000)}`;
  const text = `1 "POST a\n${long}\n3 "POST c\n`;
  for (const chunks of [[Buffer.from(text)], splitAt(text, [15, 900, 4000])]) {
    for (const needles of [[], ['"POST ']]) {
      const seen = scan(chunks, needles, 256);
      assert.deepEqual(seen.lines, [[1, '1 "POST a'], [3, '3 "POST c']]);
      assert.deepEqual(seen.cut, [2]);
    }
  }
});

test('a needle holding a newline is refused', () => {
  assert.throws(() => new LineScanner([Buffer.from('a\nb')], 100, () => undefined));
});
