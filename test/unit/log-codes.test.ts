/**
 * The log-code registry against the code and the README, like the error codes
 * (errors.test.ts): every winston call in src/ carries a `code`, every code used is in
 * src/log-codes.ts, every registered code is used, and the README's "Log codes" table
 * lists exactly the registry.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOG_CODES } from '../../src/log-codes';
import { packageRoot } from '../helpers/run-cli';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Every call on a winston logger in src/: `logger.warn(...)`, `this.logger.info(...)`, `deps.logger.error(...)`. */
function loggerCalls(): { where: string; call: string }[] {
  const out: { where: string; call: string }[] = [];
  for (const file of sources(join(packageRoot(), 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\blogger\??\.(?:error|warn|info|http|verbose|debug|silly|log)\(/g)) {
      // the call's text up to its closing parenthesis (calls hold no parentheses in strings here)
      let depth = 0;
      let end = m.index! + m[0].length - 1;
      for (; end < text.length; end++) {
        if (text[end] === '(') depth++;
        else if (text[end] === ')' && --depth === 0) break;
      }
      out.push({ where: `${file.slice(packageRoot().length + 1)}:${text.slice(0, m.index).split('\n').length}`, call: text.slice(m.index, end + 1) });
    }
  }
  return out;
}

test('every logger call in src/ has a code from src/log-codes.ts, and every registered code is used', () => {
  const calls = loggerCalls();
  assert.ok(calls.length >= Object.keys(LOG_CODES).length, `found ${calls.length} logger calls`);
  const used = new Set<string>();
  for (const c of calls) {
    const code = /\bcode: '([A-Z][A-Z0-9_]+)'/.exec(c.call)?.[1];
    assert.ok(code, `${c.where}: a log event without a code: ${c.call.slice(0, 120)}`);
    assert.ok(code in LOG_CODES, `${c.where}: ${code} is not in src/log-codes.ts`);
    used.add(code);
  }
  assert.deepEqual(Object.keys(LOG_CODES).filter((k) => !used.has(k)), [], 'registered but never logged');
});

test('every log code is documented in the README log-code table, and nothing else is', () => {
  const readme = readFileSync(join(packageRoot(), 'README.md'), 'utf8');
  const start = readme.indexOf('## Log codes');
  assert.ok(start >= 0, 'the README has a "## Log codes" section');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const documented = [...section.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((m) => m[1]);
  assert.deepEqual([...documented].sort(), Object.keys(LOG_CODES).sort());
});
