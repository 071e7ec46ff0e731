import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findParameter, setParameter, parameterDiff } from '../../../src/act/main-cf';

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
