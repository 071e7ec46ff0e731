import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createProgress } from '../../src/cli/progress';

function sink(isTTY: boolean): NodeJS.WriteStream & { text: string } {
  const s = { text: '', isTTY, write(chunk: string) { s.text += chunk; return true; } };
  return s as unknown as NodeJS.WriteStream & { text: string };
}

test('a short scan in a pipe prints no progress', () => {
  let t = 0;
  const out = sink(false);
  const p = createProgress(out, 'auto', () => t);
  for (let i = 0; i < 100; i++) {
    t += 40;
    p.update(i, 100, 'examined messages');
  }
  assert.equal(out.text, '');
});

test('a long scan in a pipe prints a plain line every ten seconds after the first five', () => {
  let t = 0;
  const out = sink(false);
  const p = createProgress(out, 'auto', () => t);
  for (let i = 0; i <= 300; i++) {
    t = i * 100;
    p.update(i, 300, 'examined messages');
  }
  const lines = out.text.trim().split('\n');
  assert.equal(lines.length, 3);
  assert.match(lines[0]!, /^spamtrace: examined messages 50\/300 \(16%\)$/);
});

test('--progress on a terminal redraws one line and clears it at the end', () => {
  let t = 0;
  const out = sink(true);
  const p = createProgress(out, true, () => t);
  t = 1000;
  p.update(1, 2, 'examined messages');
  p.end();
  assert.equal(out.text, '\rspamtrace: examined messages 1/2 (50%)\x1b[K\r\x1b[K');
});

test('--no-progress stays silent', () => {
  const out = sink(true);
  const p = createProgress(out, false, () => 1e9);
  p.update(1, 2, 'x');
  p.end();
  assert.equal(out.text, '');
});
