/**
 * The remote shell agent is the only thing between an argument array and the remote
 * side: it is run here by the real shells a server may have as /bin/sh (dash, bash),
 * started the way ssh starts it (`LOGIN-SHELL -c 'exec /bin/sh'` + the script on stdin).
 * Every hostile argument must come out exactly as it went in, nothing in it may run,
 * and answers end where the program's output ends, whatever the output holds.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RemoteShell } from '../../../src/host/ssh/remote-shell';
import { AgentProtocolError, encodeRequest, escapeLine, parseBanner } from '../../../src/host/ssh/agent-script';
import { remoteArgv } from '../../../src/host/ssh/ssh-command';
import { SshError } from '../../../src/host/ssh/ssh-errors';

const scratch = mkdtempSync(join(tmpdir(), 'spamtrace-agent-'));
const canary = join(scratch, 'pwned');
after(() => rmSync(scratch, { recursive: true, force: true }));

const HOSTILE = [
  'plain', '', ' ', 'two words', "it's", "'", "'\\''", `a;touch ${canary}`, `$(touch ${canary})`, `\`touch ${canary}\``,
  `x && touch ${canary} || touch ${canary}`, `| touch ${canary}`, `> ${canary}`, '$HOME ${PATH} $1 $@ $* $$ $?',
  '"double" \\backslash\\ \\n', '\\c stops printf %b', '\\0101', '%s %b %%', 'line one\nline two\n', `a\nb;touch ${canary}\n`,
  '*', '~root', '!event -history', '-n', '--', 'tab\there', '\r\x1b[31mred\x07', 'ünïcödé ✓ 日本', '#comment', 'a=b', '{a,b}',
];

/** A login shell `shell` that runs the agent under /bin/sh, as sshd would (no network). */
async function agent(loginShell: string, env: NodeJS.ProcessEnv = process.env): Promise<RemoteShell> {
  const saved = process.env;
  process.env = env;
  try {
    const s = new RemoteShell('local', loginShell, ['-c']);
    await s.start(20_000);
    return s;
  } finally {
    process.env = saved;
  }
}

async function ask(s: RemoteShell, program: string, args: string[], o: { seconds?: number; input?: string | Buffer; viaFile?: boolean } = {}) {
  const a = s.request({ argv: remoteArgv(program, args), seconds: o.seconds ?? 0, viaFile: Boolean(o.viaFile), ...(o.input !== undefined ? { input: o.input } : {}) });
  const parts: Buffer[] = [];
  for await (const c of a.stdout) parts.push(c);
  const end = await a.done;
  return { out: Buffer.concat(parts), ...end };
}

const SHELLS = ['/bin/dash', '/bin/bash'].filter((s) => existsSync(s));

for (const shell of SHELLS) {
  describe(`the agent under ${shell}`, () => {
    test('every hostile argument arrives byte for byte and nothing runs', async () => {
      const s = await agent(shell);
      try {
        const r = await ask(s, 'printf', ['%s\\0', ...HOSTILE]);
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(r.out.toString('utf8').split('\0').slice(0, -1), HOSTILE);
        assert.equal(existsSync(canary), false, 'no argument ran as a command');
      } finally {
        await s.close();
      }
    });

    test('a Buffer on stdin arrives byte for byte: every byte value, latin1 and broken UTF-8 included', async () => {
      const s = await agent(shell);
      try {
        const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
        const bytes = Buffer.concat([Buffer.from('# Einstellungen f', 'latin1'), Buffer.from([0xfc]), Buffer.from('r main.cf \\ %s \\c\n'), all, Buffer.from(all).reverse()]);
        const r = await ask(s, 'cat', [], { input: bytes });
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(r.out, bytes);
      } finally {
        await s.close();
      }
    });

    test('stdin, exit status, stderr and a missing program come back like a local run', async () => {
      const s = await agent(shell);
      try {
        const input = 'in\\put %s\nline two\n\0after a NUL\n\\c';
        const r = await ask(s, 'sh', ['-c', 'cat; echo to stderr >&2; exit 3'], { input });
        assert.equal(r.out.toString('utf8'), input);
        assert.equal(r.status, 3);
        assert.equal(r.stderr, 'to stderr\n');
        const missing = await ask(s, 'spamtrace-no-such-program', []);
        assert.equal(missing.status, 127);
        assert.match(missing.stderr, /exec: spamtrace-no-such-program: not found$/m);
        // a shell builtin's name is only a program name: the agent does not exit or change
        assert.equal((await ask(s, 'exit', ['0'])).status, 127);
        assert.equal((await ask(s, 'echo', ['still here'])).out.toString(), 'still here\n');
      } finally {
        await s.close();
      }
    });

    test('output that imitates the end of an answer does not end it, and large output arrives whole', async () => {
      const s = await agent(shell);
      try {
        const fake = 'ST0123456789abcdef0123456789abcdef:0\nST0123456789abcdef0123456789abcdef;\nREADY\n';
        const file = join(scratch, 'fake-markers');
        writeFileSync(file, fake.repeat(1000));
        const r = await ask(s, 'cat', [file]);
        assert.equal(r.out.toString(), fake.repeat(1000));
        const big = await ask(s, 'seq', ['1', '300000'], { viaFile: true });
        assert.equal(big.out.toString().split('\n').length, 300001);
        assert.equal(big.status, 0);
      } finally {
        await s.close();
      }
    });

    test('a program past its limit is stopped, with timeout(1) and with the shell watchdog when timeout is missing', async () => {
      const s = await agent(shell);
      try {
        const r = await ask(s, 'sleep', ['37'], { seconds: 1 });
        assert.equal(r.status, 124);
      } finally {
        await s.close();
      }
      // an old distribution without coreutils' timeout: a PATH holding everything but it
      const bin = join(scratch, `bin-${shell.replace(/\W/g, '')}`);
      mkdirSync(bin);
      for (const d of ['/usr/bin', '/bin']) {
        for (const n of readdirSync(d)) if (n !== 'timeout' && !existsSync(join(bin, n))) symlinkSync(join(d, n), join(bin, n));
      }
      const old = await agent(shell, { ...process.env, PATH: bin });
      try {
        assert.equal(old.banner?.caps.timeout, false);
        const r = await ask(old, 'sleep', ['38'], { seconds: 1 });
        assert.equal(r.status, 124);
        assert.equal((await ask(old, 'echo', ['next'])).out.toString(), 'next\n', 'the session goes on');
        // quick programs under the watchdog: each answer is its own, never a late "timed out"
        // (a trapped TERM that did not interrupt the watchdog's wait made one wait out its limit)
        for (let i = 0; i < 40; i++) {
          const quick = await ask(old, 'true', [], { seconds: 3 });
          assert.equal(quick.status, 0, `request ${i}: ${quick.stderr}`);
        }
      } finally {
        await old.close();
      }
    });

    test('a reader that stops early keeps the session when the rest is short, and ends an endless program', async () => {
      const short = await agent(shell);
      try {
        const a = short.request({ argv: remoteArgv('seq', ['1', '20000']), seconds: 0, viaFile: false });
        for await (const c of a.stdout) {
          assert.ok(c.length > 0);
          break;
        }
        assert.equal((await a.done).status, 0, 'the rest was read and dropped');
        assert.equal((await ask(short, 'echo', ['same session'])).out.toString(), 'same session\n');
      } finally {
        await short.close();
      }
      const s = await agent(shell);
      const a = s.request({ argv: remoteArgv('yes', ['spam']), seconds: 0, viaFile: false });
      for await (const c of a.stdout) {
        assert.ok(c.length > 0);
        break;
      }
      await assert.rejects(a.done, SshError);
      assert.equal(s.alive, false);
    });
  });
}

test('the remote zone comes with the READY line, for year-less times printed there', async () => {
  const s = await agent('/bin/sh', { ...process.env, TZ: 'Asia/Kolkata' });
  try {
    assert.equal(s.banner?.utcOffsetMinutes, 330);
  } finally {
    await s.close();
  }
});

test('a login "shell" that does not run `exec /bin/sh` as sh does is refused with a clear reason', async () => {
  // node stands in for a shell with another grammar: it cannot start the agent
  const s = new RemoteShell('odd', process.execPath, ['-e']);
  await assert.rejects(s.start(20_000), (e: unknown) => e instanceof SshError && /remote shell ended/.test(e.message));
});

test('an argument is one escaped line: backslashes doubled, control characters octal, NUL refused', () => {
  assert.equal(escapeLine('a\\b'), 'a\\\\b');
  assert.equal(escapeLine('l1\nl2\t'), 'l1\\0012l2\\0011');
  assert.equal(escapeLine('ünï ✓'), 'ünï ✓');
  assert.throws(() => escapeLine('a\0b'), AgentProtocolError);
  assert.equal(escapeLine('a\0b', true), 'a\\0000b');
  const req = encodeRequest({ nonce: `ST${'a'.repeat(32)}`, argv: ['env', 'x\ny'], seconds: 2.1, viaFile: true, input: 'i\n' });
  assert.equal(req, `ST${'a'.repeat(32)} f 3 2 1\nenv\nx\\0012y\ni\\0012\n`);
  assert.throws(() => encodeRequest({ nonce: 'x', argv: ['env'], seconds: 0, viaFile: false }), AgentProtocolError);
});

test('the READY line gives the pid, uid, zone and what the remote side has', () => {
  const b = parseBanner('READY 42 0 -0230 timeout nofollow findprintf');
  assert.ok(b && !('failed' in b));
  assert.equal(b.uid, 0);
  assert.equal(b.utcOffsetMinutes, -150);
  assert.deepEqual(b.caps, { timeout: true, ddNoFollow: true, ddStatusNone: false, findPrintf: true, zcat: false, grep: false });
  assert.deepEqual(parseBanner('FAIL no private temporary directory could be made'), { failed: 'no private temporary directory could be made' });
  assert.equal(parseBanner('garbage'), null);
});

test('the remote argv puts env(1) in front and refuses what env would read as an option or a variable', () => {
  assert.deepEqual(remoteArgv('ls', ['-l'], { TZ: 'UTC' }), ['env', 'LC_ALL=C', 'LANG=C', 'TZ=UTC', 'ls', '-l']);
  assert.throws(() => remoteArgv('-i', []), RangeError);
  assert.throws(() => remoteArgv('A=b', []), RangeError);
  assert.throws(() => remoteArgv('', []), RangeError);
  assert.throws(() => remoteArgv('ls', [], { 'A;B': 'x' }), RangeError);
});
