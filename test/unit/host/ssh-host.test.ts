/**
 * SshHost against a real sshd on 127.0.0.1 (root only: sshd must switch users): the
 * same answers as LocalHost for the same files, hostile names that reach the far side
 * literally and run nothing, one TCP connection for many programs, and clear errors
 * for a dead port and a changed host key.
 *
 *   cd /work/main && npx tsc -p . && node --test dist/test/unit/host/ssh-host.test.js
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { LocalHost } from '../../../src/host/local-host';
import { SshHost } from '../../../src/host/ssh-host';
import { SshError } from '../../../src/host/ssh/ssh-errors';
import type { Host } from '../../../src/host/host';
import { canRunSshd, startPrivateSshd, type PrivateSshd } from '../../../bench/fleet/private-sshd';

const skip = canRunSshd() ? false : 'needs root and openssh-server';

async function lines(h: Host, p: string): Promise<string[]> {
  const out: string[] = [];
  for await (const l of h.readLines(p)) out.push(l.text);
  return out;
}

async function bytes(h: Host, p: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of h.readChunks(p)) parts.push(c);
  return Buffer.concat(parts);
}

async function errorCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? 'no code';
  }
  return 'no error';
}

async function drain(it: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of it) void _;
}

describe('SshHost over a real sshd', { skip, concurrency: false }, () => {
  let sshd: PrivateSshd;
  let ssh: SshHost;
  const local = new LocalHost('local');
  let dir: string;
  const canary = '/tmp/pwned';
  const hostileNames = ['a;touch /tmp/pwned', '$(touch /tmp/pwned)', 'b\n$(id)\n;touch /tmp/pwned', "it's `touch /tmp/pwned`", '-rf'];

  before(async () => {
    rmSync(canary, { force: true });
    sshd = await startPrivateSshd({ goodAliases: 1 });
    ssh = new SshHost({ alias: sshd.good[0]!, configPath: sshd.configPath });
    await ssh.connect();
    dir = mkdtempSync(join(tmpdir(), 'spamtrace-sshhost-'));
    mkdirSync(join(dir, 'logs'));
    // "a;touch /tmp/pwned" holds a slash: the file is pwned in the directory "a;touch /tmp"
    for (const [i, n] of hostileNames.entries()) {
      mkdirSync(dirname(join(dir, 'logs', n)), { recursive: true });
      writeFileSync(join(dir, 'logs', n), `line ${i} of ${n}\nsecond\n`);
    }
    writeFileSync(join(dir, 'logs', 'access_log.1.gz'), gzipSync('gz one\ngz two\n'));
    writeFileSync(join(dir, 'logs', 'big'), 'x'.repeat(3 * 1024 * 1024 + 17) + '\nend\n');
    symlinkSync('/etc/passwd', join(dir, 'logs', 'link'));
  });

  after(async () => {
    await ssh?.close();
    await sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    rmSync(canary, { force: true });
  });

  test('the remote uid is root, the user the SSH config names', async () => {
    assert.equal(await ssh.effectiveUid(), 0);
    assert.equal(ssh.name, 'lab1');
  });

  test('a directory with hostile names lists the same as locally, newline included', async () => {
    const names = await ssh.list(join(dir, 'logs'));
    assert.deepEqual(names, await local.list(join(dir, 'logs')));
    assert.ok(names.includes('b\n$(id)\n;touch '), JSON.stringify(names));
    assert.deepEqual(await ssh.list(join(dir, 'logs', 'a;touch ', 'tmp')), ['pwned']);
    assert.equal(existsSync(canary), false, 'no name was executed');
  });

  test('a prefetch asks once for many stats and listings; the answers that follow are LocalHost\'s', async () => {
    const logs = join(dir, 'logs');
    const paths = [...hostileNames.map((n) => join(logs, n)), join(logs, 'link'), join(logs, 'nope'), join(dir, 'nope', 'deeper')];
    const dirs = [logs, join(logs, 'a;touch ', 'tmp'), join(dir, 'no-such-dir'), join(logs, 'big')];
    const before = ssh.requestsMade;
    await ssh.prefetch({ stat: paths, list: dirs });
    assert.equal(ssh.requestsMade - before, 2, 'one find for the stats, one for the listings');
    const answered = ssh.requestsMade;
    for (const p of paths) {
      const [remote, here] = [await ssh.stat(p), await local.stat(p)];
      assert.equal(remote === null, here === null, p);
      if (remote && here) {
        assert.equal(remote.mode, here.mode, p);
        assert.equal(remote.size, here.size, p);
        assert.equal(remote.path, p);
      }
    }
    assert.deepEqual(await ssh.list(logs), await local.list(logs));
    assert.deepEqual(await ssh.list(join(logs, 'a;touch ', 'tmp')), ['pwned']);
    assert.equal(ssh.requestsMade, answered, 'all of these came from the prefetch');
    // what the prefetch could not tell is asked again and fails as a list() does
    assert.equal(await errorCode(ssh.list(join(dir, 'no-such-dir'))), 'ENOENT');
    assert.equal(await errorCode(ssh.list(join(logs, 'big'))), 'ENOTDIR');
    assert.equal(existsSync(canary), false, 'no name was executed');
  });

  test('grepLines filters remotely with the file\'s line numbers; a grep prefetch answers many files from one request', async () => {
    const logs = join(dir, 'logs');
    const files = [...hostileNames.map((n) => join(logs, n)), join(logs, 'access_log.1.gz'), join(logs, 'vanished'), join(logs, 'link')];
    /** what a local read gives: the numbered lines holding a needle */
    const expected = async (p: string): Promise<string[] | string> => {
      try {
        const out: string[] = [];
        let n = 0;
        for await (const l of local.readLines(p)) {
          n++;
          if (l.text.includes('second') || l.text.includes('gz t')) out.push(`${n}:${l.text}`);
        }
        return p.endsWith('link') ? 'ELOOP' : out;
      } catch (e) {
        return (e as NodeJS.ErrnoException).code ?? 'error';
      }
    };
    const remote = async (p: string): Promise<string[] | string> => {
      const out: string[] = [];
      try {
        for await (const l of ssh.grepLines(p, ['second', 'gz t'])) out.push(`${l.lineNo}:${l.text}`);
      } catch (e) {
        return (e as NodeJS.ErrnoException).code ?? 'error';
      }
      return out;
    };
    const one = ssh.requestsMade;
    for (const p of files) assert.deepEqual(await remote(p), await expected(p), p);
    assert.equal(ssh.requestsMade - one, files.length, 'without a prefetch: one request per file');
    const before = ssh.requestsMade;
    await ssh.prefetchGreps(files, ['second', 'gz t']);
    assert.equal(ssh.requestsMade - before, 1, 'one request for all the files');
    for (const p of files) assert.deepEqual(await remote(p), await expected(p), p);
    assert.equal(ssh.requestsMade - before, 1, 'the reads came from the prefetch, errors included');
    // other needles are not what was prefetched: asked again
    for await (const _ of ssh.grepLines(files[0]!, ['line'])) void _;
    assert.equal(ssh.requestsMade - before, 2);
    assert.equal(existsSync(canary), false, 'no name was executed');
  });

  test('every hostile name is read literally and nothing runs on the remote side', async () => {
    for (const [i, n] of hostileNames.entries()) {
      const p = join(dir, 'logs', n);
      assert.deepEqual(await lines(ssh, p), [...`line ${i} of ${n}`.split('\n'), 'second'], JSON.stringify(n));
      assert.deepEqual(await lines(ssh, p), await lines(local, p));
      assert.deepEqual(await bytes(ssh, p), await bytes(local, p));
      const [remote, here] = [await ssh.stat(p), await local.stat(p)];
      assert.ok(remote && here);
      // lstat's Date comes from a float and may be 1 ms lower
      assert.ok(Math.abs(remote.mtime.getTime() - here.mtime.getTime()) <= 1);
      assert.deepEqual({ ...remote, mtime: null }, { ...here, mtime: null });
    }
    assert.equal(existsSync(canary), false, `${canary} must not exist: a name ran as a command`);
  });

  test('a user name with $(...) reaches getent as one argument and runs nothing', async () => {
    const r = await ssh.run('getent', ['passwd', '$(touch /tmp/pwned)', 'x;touch /tmp/pwned']);
    assert.equal(r.code, 2, 'getent: not found');
    assert.equal(existsSync(canary), false);
  });

  test('arguments round-trip through the real remote shell byte for byte', async () => {
    const args = ["it's", 'a b', '$(id)', '`id`', 'l1\nl2', ';', '|', '&&', '*', '~', '"', '\\', ''];
    const r = await ssh.run('printf', ['%s\\0', ...args]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.split('\0').slice(0, -1), args);
  });

  test('gzip files are decompressed here, large files arrive whole, stdin and env reach the program', async () => {
    const gz = join(dir, 'logs', 'access_log.1.gz');
    assert.deepEqual(await lines(ssh, gz), ['gz one', 'gz two']);
    assert.deepEqual(await bytes(ssh, gz), await bytes(local, gz));
    const big = join(dir, 'logs', 'big');
    assert.deepEqual(await bytes(ssh, big), await bytes(local, big));
    const r = await ssh.run('sh', ['-c', 'cat; printf %s "$SPAMTRACE_T"'], { input: 'in\n', env: { SPAMTRACE_T: "v'1" } });
    assert.equal(r.stdout, "in\nv'1");
  });

  test('errors carry the errno LocalHost gives: missing file, not a directory, symlink for readChunks', async () => {
    const logs = join(dir, 'logs');
    assert.equal(await ssh.stat(join(logs, 'missing')), null);
    assert.equal(await errorCode(drain(ssh.readLines(join(logs, 'missing')))), 'ENOENT');
    assert.equal(await errorCode(drain(local.readLines(join(logs, 'missing')))), 'ENOENT');
    assert.equal(await errorCode(ssh.list(join(logs, 'big'))), 'ENOTDIR');
    assert.equal(await errorCode(ssh.list(join(logs, 'nope'))), 'ENOENT');
    assert.equal(await errorCode(drain(ssh.readChunks(join(logs, 'link')))), 'ELOOP');
    assert.equal(await errorCode(drain(local.readChunks(join(logs, 'link')))), 'ELOOP');
    assert.equal((await ssh.stat(join(logs, 'link')))?.isSymbolicLink, true);
  });

  test('a missing program is a spawn error like LocalHost, a failing one keeps its exit code', async () => {
    const r = await ssh.run('spamtrace-no-such-program', []);
    assert.equal(r.spawnError?.code, 'ENOENT');
    assert.equal((await local.run('spamtrace-no-such-program', [])).spawnError?.code, 'ENOENT');
    assert.equal((await ssh.run('sh', ['-c', 'exit 3'])).code, 3);
  });

  test('a program past its time limit is stopped, on the remote side too', async () => {
    const t0 = Date.now();
    const r = await ssh.run('sleep', ['47'], { timeoutMs: 1000 });
    assert.equal(r.timedOut, true);
    assert.ok(Date.now() - t0 < 8000, `${Date.now() - t0} ms`);
    const left = readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .map((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        } catch {
          return '';
        }
      })
      .filter((cmd) => cmd === 'sleep\u000047\u0000');
    assert.deepEqual(left, [], 'the remote sleep was killed');
  });

  test('runLines streams a remote program line by line', async () => {
    const run = ssh.runLines('seq', ['1', '5000']);
    let n = 0;
    let last = '';
    for await (const l of run.lines) {
      n++;
      last = l.text;
    }
    assert.equal(n, 5000);
    assert.equal(last, '5000');
    assert.equal((await run.done).code, 0);
  });

  test('fifty programs, ten at a time, share one TCP connection', async () => {
    await Promise.all(Array.from({ length: 50 }, (_, i) => ssh.run('echo', [String(i)]).then((r) => assert.equal(r.stdout, `${i}\n`))));
    // client sockets to the sshd port in state ESTABLISHED (01), from the kernel's own table
    const port = sshd.port.toString(16).toUpperCase().padStart(4, '0');
    const conns = readFileSync('/proc/net/tcp', 'utf8')
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f[2]?.endsWith(`:${port}`) && f[3] === '01');
    assert.equal(conns.length, 1, conns.map((f) => f.join(' ')).join('\n'));
  });

  test('a dead port, a changed host key and a refused key fail at connect with a clear reason, never a prompt', async () => {
    const dead = new SshHost({ alias: sshd.dead, configPath: sshd.configPath });
    await assert.rejects(dead.connect(), (e: unknown) => e instanceof SshError && e.kind === 'unreachable' && /Connection refused/.test(e.message));
    await dead.close();
    const bad = new SshHost({ alias: sshd.badKey, configPath: sshd.configPath });
    await assert.rejects(bad.connect(), (e: unknown) => e instanceof SshError && e.kind === 'host-key-changed' && /host key has CHANGED/.test(e.message));
    await bad.close();
    const nokey = new SshHost({ alias: sshd.noKey, configPath: sshd.configPath });
    await assert.rejects(nokey.connect(), (e: unknown) => e instanceof SshError && e.kind === 'auth-refused' && /Permission denied \(publickey\)/.test(e.message));
    await nokey.close();
  });

  test('an alias that could be read as an ssh option is refused before ssh runs', () => {
    assert.throws(() => new SshHost({ alias: '-oProxyCommand=touch /tmp/pwned', configPath: sshd.configPath }), SshError);
  });

  test('close stops the master and removes the private control directory', async () => {
    const h = new SshHost({ alias: sshd.good[0]!, configPath: sshd.configPath });
    await h.connect();
    const ctl = (h as unknown as { controlDir: string }).controlDir;
    assert.ok(existsSync(ctl));
    await h.close();
    assert.equal(existsSync(ctl), false);
  });
});
