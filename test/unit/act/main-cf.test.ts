import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findParameter, setParameter, parameterDiff, ruleMatching } from '../../../src/act/main-cf';

const MAIN_CF = [
  '# See /usr/share/postfix/main.cf.dist',
  'myhostname = lab.example',
  'authorized_submit_users = root,',
  '    admin',
  '# a comment',
  'mynetworks = 127.0.0.0/8',
  '',
].join('\n');

test('a value continued on indented lines is read as one value', () => {
  const span = findParameter(MAIN_CF, 'authorized_submit_users');
  assert.deepEqual(span, { start: 2, end: 4, value: 'root, admin' });
});

test('the last definition wins, as in Postfix', () => {
  const text = 'a_b = one\nx = 1\na_b = two\n';
  assert.equal(findParameter(text, 'a_b')?.value, 'two');
  assert.equal(setParameter(text, 'a_b', 'three'), 'a_b = one\nx = 1\na_b = three\n');
});

test('setting a parameter replaces its lines in place and leaves every other byte alone', () => {
  const after = setParameter(MAIN_CF, 'authorized_submit_users', '!web274, root, admin');
  assert.equal(
    after,
    ['# See /usr/share/postfix/main.cf.dist', 'myhostname = lab.example', 'authorized_submit_users = !web274, root, admin', '# a comment', 'mynetworks = 127.0.0.0/8', ''].join('\n'),
  );
});

test('a parameter main.cf does not set is appended at the end', () => {
  assert.equal(setParameter('a = 1', 'b', '2'), 'a = 1\nb = 2\n');
});

test('a commented-out definition is not taken for the parameter', () => {
  assert.equal(findParameter('#authorized_submit_users = x\n', 'authorized_submit_users'), null);
});

test('a value with a line break is refused', () => {
  assert.throws(() => setParameter(MAIN_CF, 'mynetworks', '1\nmydestination = evil'));
});

test('the diff shows the old lines with - and the new one with +', () => {
  const after = setParameter(MAIN_CF, 'authorized_submit_users', '!web274, root, admin');
  assert.deepEqual(parameterDiff(MAIN_CF, after, 'authorized_submit_users'), [
    '- authorized_submit_users = root,',
    '-     admin',
    '+ authorized_submit_users = !web274, root, admin',
  ]);
});

/**
 * Continuation cases against the real Postfix: each main.cf is read by `postconf -c DIR -h`
 * before and after the edit. The edited parameter must read as the new value, every other
 * parameter as before, and the plan's diff must show the whole logical line.
 */
const postconf = spawnSync('postconf', ['-d', 'mail_version'], { encoding: 'utf8' });
const noPostconf = postconf.status === 0 ? false : 'postconf is not installed (Debian: postfix)';

function read(text: string, names: string[]): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'main-cf-'));
  writeFileSync(join(dir, 'main.cf'), text);
  const r = spawnSync('postconf', ['-c', dir, '-h', ...names], { encoding: 'utf8' });
  rmSync(dir, { recursive: true, force: true });
  assert.equal(r.status, 0, r.stderr);
  const values = r.stdout.split('\n');
  return Object.fromEntries(names.map((n, i) => [n, values[i]!]));
}

const CASES: { name: string; text: string }[] = [
  { name: 'a comment line between continuation lines (the issue\'s case)', text: 'myhostname = h\nauthorized_submit_users = alice,\n# c\n  bob\nmynetworks = 127.0.0.0/8\n' },
  { name: 'a blank line between continuation lines', text: 'authorized_submit_users = alice,\n\n  bob\nmynetworks = 127.0.0.0/8\n' },
  { name: 'an indented comment and a whitespace-only line inside', text: 'authorized_submit_users = alice,\n  # indented\n \t \n\tbob, carol\nmynetworks = 127.0.0.0/8\n' },
  { name: 'comments after the logical line, then the next parameter', text: 'authorized_submit_users = alice\n# about mynetworks\n\nmynetworks = 127.0.0.0/8\n  [::1]/128\n' },
  { name: 'an empty first line, the value on continuation lines only', text: 'authorized_submit_users =\n  alice,\n  bob\nmyhostname = h\n' },
  { name: 'two definitions, the last continued past a comment', text: 'authorized_submit_users = first\nmyhostname = h\nauthorized_submit_users = alice,\n#\n bob\n' },
  { name: 'the last line has no newline', text: 'myhostname = h\nauthorized_submit_users = alice,\n  bob' },
  { name: 'not set at all', text: 'myhostname = h\nmynetworks = 127.0.0.0/8\n  [::1]/128\n' },
  { name: 'set on the last line after a continued parameter', text: 'mynetworks = 127.0.0.0/8\n  [::1]/128\n# x\nauthorized_submit_users = alice\n' },
];

for (const c of CASES) {
  test(`main.cf round trip through postconf: ${c.name}`, { skip: noPostconf }, () => {
    const names = ['authorized_submit_users', 'myhostname', 'mynetworks'];
    const before = read(c.text, names);
    const rule = ruleMatching(c.text, 'authorized_submit_users', before['authorized_submit_users']!);
    assert.equal(rule, 'skip', 'Postfix 3 skips comment and blank lines inside a logical line');
    const value = `!web274, ${before['authorized_submit_users']}`;
    const after = setParameter(c.text, 'authorized_submit_users', value, rule!);
    const read2 = read(after, names);
    assert.equal(read2['authorized_submit_users'], value, 'the new value, nothing orphaned or doubled');
    for (const n of names.slice(1)) assert.equal(read2[n], before[n], `${n} untouched`);
    for (const comment of c.text.split('\n').filter((l) => l.trimStart().startsWith('#'))) assert.ok(after.split('\n').includes(comment), `comment ${comment} kept`);
  });
}

test('the issue\'s case: blocking web274 gives "!web274, alice, bob" and the diff shows the whole logical line', () => {
  const text = 'authorized_submit_users = alice,\n# c\n  bob\nmynetworks = 127.0.0.0/8\n';
  assert.deepEqual(findParameter(text, 'authorized_submit_users'), { start: 0, end: 3, value: 'alice, bob' });
  const after = setParameter(text, 'authorized_submit_users', '!web274, alice, bob');
  assert.equal(after, 'authorized_submit_users = !web274, alice, bob\n# c\nmynetworks = 127.0.0.0/8\n');
  assert.deepEqual(parameterDiff(text, after, 'authorized_submit_users'), [
    '- authorized_submit_users = alice,',
    '- # c',
    '-   bob',
    '+ authorized_submit_users = !web274, alice, bob',
    '+ # c',
  ]);
});

test('under the older rule a blank line or a column-1 comment ends the logical line, an indented comment does not', () => {
  const text = 'x = a,\n  # inside\n  b\n# ends\n  orphan\ny = 1\n';
  assert.equal(findParameter(text, 'x', 'end')?.value, 'a, b');
  assert.equal(findParameter(text, 'x', 'skip')?.value, 'a, b orphan');
  assert.equal(ruleMatching(text, 'x', 'a, b'), 'end');
  assert.equal(ruleMatching(text, 'x', 'a, b orphan'), 'skip');
  assert.equal(ruleMatching(text, 'x', 'something else'), null, 'neither reading agrees: not edited');
  assert.equal(setParameter(text, 'x', '!u, a, b', 'end'), 'x = !u, a, b\n  # inside\n# ends\n  orphan\ny = 1\n');
});
