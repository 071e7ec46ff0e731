/**
 * shellQuote is the only thing between an argument array and the remote shell: every
 * hostile argument must come out of a real POSIX shell exactly as it went in, and
 * nothing in it may run. Checked with the shells a remote root login may have.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quoteArg, shellQuote, ShellQuoteError } from '../../../src/host/ssh/shell-quote';
import { remoteCommand } from '../../../src/host/ssh/ssh-command';

const canary = join(mkdtempSync(join(tmpdir(), 'spamtrace-quote-')), 'pwned');

const HOSTILE = [
  'plain',
  '',
  ' ',
  'two words',
  "it's",
  "'",
  "''",
  "'\\''",
  `a;touch ${canary}`,
  `$(touch ${canary})`,
  `\`touch ${canary}\``,
  `x && touch ${canary} || touch ${canary}`,
  `| touch ${canary}`,
  `> ${canary}`,
  '$HOME ${PATH} $1 $@ $* $$ $?',
  '"double" \\backslash\\ \\n',
  'line one\nline two\n',
  `a\nb;touch ${canary}\n`,
  '*',
  '~root',
  '!event -history',
  '-n',
  '--',
  'tab\there',
  '\r\x1b[31mred\x07',
  'ünïcödé ✓ 日本',
  '#comment',
  'a=b',
  '{a,b}',
];

const SHELLS = ['/bin/sh', '/bin/dash', '/bin/bash'].filter((s) => existsSync(s));

for (const shell of SHELLS) {
  test(`every hostile argument comes out of ${shell} exactly as it went in, and nothing runs`, () => {
    // the remote side gets "printf '%s\0' ARGS": the same string sh -c gets here
    const command = `printf '%s\\0' ${shellQuote(HOSTILE)}`;
    const out = execFileSync(shell, ['-c', command]);
    const got = out.toString('utf8').split('\0').slice(0, -1);
    assert.deepEqual(got, HOSTILE);
    assert.equal(existsSync(canary), false, 'no quoted command ran');
  });

  test(`the exact remote command string runs the program with the arguments in ${shell}`, () => {
    const cmd = remoteCommand('printf', ['%s\\0', ...HOSTILE], { SPAMTRACE_X: "v'$(id)" });
    const out = execFileSync(shell, ['-c', cmd]);
    assert.deepEqual(out.toString('utf8').split('\0').slice(0, -1), HOSTILE);
    const env = execFileSync(shell, ['-c', remoteCommand('printenv', ['SPAMTRACE_X', 'LC_ALL'], { SPAMTRACE_X: "v'$(id)" })]).toString();
    assert.equal(env, "v'$(id)\nC\n");
    assert.equal(existsSync(canary), false);
  });
}

test('a single quote is closed, escaped and reopened', () => {
  assert.equal(quoteArg("it's"), `'it'\\''s'`);
  assert.equal(quoteArg(''), `''`);
  assert.equal(shellQuote(['a b', 'c']), `'a b' 'c'`);
});

test('a NUL byte cannot pass through argv: it is refused, never cut off silently', () => {
  assert.throws(() => shellQuote(['ok', 'a\0b']), ShellQuoteError);
  assert.throws(() => shellQuote([]), ShellQuoteError);
});

test('the remote command refuses a program name env(1) would read as an option or a variable', () => {
  assert.throws(() => remoteCommand('-i', []), RangeError);
  assert.throws(() => remoteCommand('A=b', []), RangeError);
  assert.throws(() => remoteCommand('', []), RangeError);
  assert.throws(() => remoteCommand('ls', [], { 'A;B': 'x' }), RangeError);
});

test('a time limit wraps the program in coreutils timeout, so the remote side dies too', () => {
  const cmd = remoteCommand('sleep', ['5'], {}, 1.2);
  assert.match(cmd, /^exec 'timeout' '-k' '5' '2' 'env' /);
  const t0 = Date.now();
  let code = 0;
  try {
    execFileSync('/bin/sh', ['-c', remoteCommand('sleep', ['5'], {}, 1)]);
  } catch (e) {
    code = (e as { status: number }).status;
  }
  assert.equal(code, 124);
  assert.ok(Date.now() - t0 < 4000);
});

process.on('exit', () => rmSync(join(canary, '..'), { recursive: true, force: true }));
