/**
 * The scan's main.cf values: every parameter its stages announced is asked in one
 * postconf, read by name (a parameter this Postfix does not know is '' and shifts
 * nothing), and an old Postfix without -x still gives the values that need no expansion.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeHost } from './fake-host';
import { PostconfValues } from '../../../src/collect/postconf-values';

/** a Postfix 3 postconf: `name = value` for the names it knows, a warning for the others */
function modern(values: Record<string, string>): FakeHost {
  return new FakeHost((program, args) => {
    assert.equal(program, 'postconf');
    assert.equal(args[0], '-x');
    const known = args.slice(1).filter((n) => n in values);
    const unknown = args.slice(1).filter((n) => !(n in values));
    return { stdout: known.map((n) => `${n} = ${values[n]}`.trimEnd()).join('\n') + '\n', stderr: unknown.map((n) => `postconf: warning: ${n}: unknown parameter\n`).join('') };
  });
}

test('every announced parameter is asked in one postconf; later questions are answered from it', async () => {
  const host = modern({ mydestination: 'a.example, localhost', mail_version: '3.7.11', syslog_name: 'postfix', maillog_file: '' });
  const pc = new PostconfValues(host);
  pc.want(['mail_version', 'syslog_name', 'maillog_file']);
  assert.deepEqual(await pc.get(['mydestination']), { values: ['a.example, localhost'], expanded: true });
  assert.deepEqual(await pc.get(['maillog_file', 'syslog_name']), { values: ['', 'postfix'], expanded: true });
  assert.deepEqual(await pc.get(['mail_version'], { expanded: false }), { values: ['3.7.11'], expanded: true });
  assert.equal(host.calls.length, 1, 'one postconf for all of them');
  assert.deepEqual([...host.calls[0]!.args].sort(), ['-x', 'mail_version', 'maillog_file', 'mydestination', 'syslog_name']);
});

test('a parameter this Postfix does not know reads as empty and shifts no other value', async () => {
  const pc = new PostconfValues(modern({ syslog_name: 'postfix-out' }));
  assert.deepEqual(await pc.get(['maillog_file', 'syslog_name']), { values: ['', 'postfix-out'], expanded: true });
});

test('Postfix before 2.10 (no -x): unexpanded values for the callers that take them, a failure for the others', async () => {
  const host = new FakeHost((_p, args) =>
    args[0] === '-x' ? { code: 1, stderr: "postconf: invalid option -- 'x'\npostconf: fatal: usage: postconf [-dhmlnv] [-c config_dir] [parameter ...]\n" } : { stdout: 'mail_version = 2.5.5\nmydestination = $myhostname, localhost\n' },
  );
  const pc = new PostconfValues(host);
  pc.want(['mydestination']);
  assert.deepEqual(await pc.get(['mail_version'], { expanded: false }), { values: ['2.5.5'], expanded: false });
  assert.equal(await pc.get(['mydestination']), 'failed', '$myhostname cannot be used as a domain');
  assert.equal(host.calls.length, 2);
});

test('no postconf anywhere is "missing", a failing one "failed"', async () => {
  const none = new FakeHost(() => ({ spawnError: { code: 'ENOENT', message: 'not found' } }));
  assert.equal(await new PostconfValues(none).get(['mail_version'], { expanded: false }), 'missing');
  assert.deepEqual(none.calls.map((c) => c.program), ['postconf', '/usr/sbin/postconf']);
  const broken = new FakeHost(() => ({ code: 1, stderr: 'postconf: fatal: open /etc/postfix/main.cf: Permission denied\n' }));
  assert.equal(await new PostconfValues(broken).get(['mail_version'], { expanded: false }), 'failed');
  await assert.rejects(new PostconfValues(broken).get(['x; rm -rf /']), RangeError);
});
