/**
 * The remote filter SshHost runs (`dd iflag=nofollow | [zcat -f |] grep -n -F` per file,
 * one or many files in one run), executed here by a local sh with the same argument
 * array and parsed as SshHost parses it: line numbers as in each file, gzip and plain
 * alike, hostile names and needles taken literally, symlinks and missing files refused
 * with their own error, the others still read, and each file opened once, without
 * following a symlink.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { errnoOf, GREP_MANY_SCRIPT, GrepManyParser, grepManyArgs, type GrepManyEvent } from '../../../src/host/ssh/remote-files';

interface FileResult {
  lines: string[];
  /** the status word of its trailer: 0 lines, 1 no match, 2 error */
  status: number;
  error: string | null;
}

/** Run the filter as the agent would (LC_ALL=C), optionally as another user; parse it in chunks of `chunk` bytes. */
function grepMany(paths: string[], needles: string[], o: { cwd?: string; asNobody?: boolean; chunk?: number } = {}): { code: number | null; files: FileResult[]; stderr: string } {
  const [program, ...args] = grepManyArgs(paths, needles);
  const argv = o.asNobody ? ['setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', program!, ...args]] as const : [program!, args] as const;
  const r = spawnSync(argv[0], argv[1], { ...(o.cwd ? { cwd: o.cwd } : {}), env: { ...process.env, LC_ALL: 'C', LANG: 'C' } });
  const parser = new GrepManyParser(64 * 1024);
  const events: GrepManyEvent[] = [];
  const out = r.stdout;
  const step = o.chunk ?? out.length + 1;
  for (let i = 0; i < out.length; i += step) events.push(...parser.push(out.subarray(i, i + step)));
  parser.end();
  const files: FileResult[] = [];
  let lines: string[] = [];
  for (const e of events) {
    if (e.type === 'line') lines.push(`${e.lineNo}:${e.text}`);
    else {
      files.push({ lines, status: e.status, error: e.status > 1 ? (errnoOf(e.stderr) ?? 'EIO') : null });
      lines = [];
    }
  }
  assert.deepEqual(lines, [], 'no lines after the last trailer');
  return { code: r.status, files, stderr: r.stderr.toString() };
}

const grep = (path: string, needles: string[], cwd?: string): FileResult => {
  const r = grepMany([path], needles, cwd ? { cwd } : {});
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.files.length, 1);
  return r.files[0]!;
};

const LOG = [
  '1.2.3.4 - - [28/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "-"',
  '1.2.3.4 - - [28/Nov/2026:10:00:01 +0000] "POST /images/x.php HTTP/1.1" 200 5 "-" "-"',
  '1.2.3.4 - - [28/Nov/2026:10:00:02 +0000] "GET /a.css HTTP/1.1" 200 5 "-" "-"',
  '5.6.7.8 - - [28/Nov/2026:10:00:03 +0000] "GET /index.php HTTP/1.1" 200 5 "-" "$(touch /tmp/spamtrace-grep-canary)"',
].join('\n') + '\n';

const numbers = (f: FileResult): string[] => f.lines.map((l) => l.slice(0, l.indexOf(':')));

test('matching lines come with the line numbers of the file, plain or gzipped', () => {
  const dir = mkdtempSync(join(tmpdir(), 'grep-'));
  const plain = join(dir, 'access_log');
  writeFileSync(plain, LOG);
  const gz = join(dir, 'access_log.1.gz');
  writeFileSync(gz, gzipSync(LOG));
  for (const f of [plain, gz]) {
    const r = grep(f, ['"POST ', '.php']);
    assert.equal(r.status, 0);
    assert.deepEqual(numbers(r), ['2', '4']);
    assert.equal(r.lines[0], `2:${LOG.split('\n')[1]}`, 'the line arrives byte for byte');
  }
  const none = grep(plain, ['nothing-like-this']);
  assert.equal(none.status, 1, 'no match is grep\'s 1, not an error');
  assert.equal(none.error, null);
});

test('hostile file names and needles are data, never shell', () => {
  const dir = mkdtempSync(join(tmpdir(), 'grep-'));
  // relative: an injected `touch pwned` would create it in the working directory
  const canary = join(dir, 'pwned');
  const name = join(dir, `a;touch pwned;$(touch pwned)\nb'"`);
  writeFileSync(name, LOG);
  const r = grep(name, ['$(touch pwned)', "'; touch pwned; '"], dir);
  assert.equal(r.status, 1);
  assert.equal(existsSync(canary), false);
  assert.equal(existsSync('/tmp/spamtrace-grep-canary'), false);
  const literal = grep(name, ['$(touch /tmp/spamtrace-grep-canary)']);
  assert.deepEqual(numbers(literal), ['4'], 'the needle matched literally');
});

test('a symlink or a missing file is refused, as readChunks refuses it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'grep-'));
  writeFileSync(join(dir, 'real'), LOG);
  symlinkSync(join(dir, 'real'), join(dir, 'link'));
  const link = grep(join(dir, 'link'), ['POST']);
  assert.equal(link.status, 2);
  assert.equal(link.error, 'ELOOP', 'the symlink is not followed');
  assert.equal(link.lines.length, 0);
  const missing = grep(join(dir, 'missing'), ['POST']);
  assert.equal(missing.error, 'ENOENT');
});

test('each file is opened once, by dd with O_NOFOLLOW: no check-then-read gap for a swapped symlink', () => {
  // the only command of the script that names the file and reads it is dd iflag=nofollow;
  // `[ -f ]` before it only refuses early and never reads (issue 12)
  const readers = GREP_MANY_SCRIPT.match(/\b(?:zcat|cat|grep|dd|head) [^|;]*"\$f"/g) ?? [];
  assert.deepEqual(readers, ['dd if="$f"', 'dd if="$f"']);
  assert.equal(GREP_MANY_SCRIPT.match(/dd if="\$f" iflag=nofollow/g)?.length, 2);
  assert.doesNotMatch(GREP_MANY_SCRIPT, /-L "\$f"/);
});

test('a .gz that zcat cannot read to the end is an error, not "no match"', () => {
  const dir = mkdtempSync(join(tmpdir(), 'grep-'));
  const gz = gzipSync(LOG.repeat(50));
  const broken = join(dir, 'access_log.2.gz');
  writeFileSync(broken, gz.subarray(0, Math.floor(gz.length / 2)));
  const r = grep(broken, ['nothing-like-this']);
  assert.equal(r.status, 2, 'zcat\'s failure must not be hidden behind grep\'s exit 1');
  const whole = join(dir, 'access_log.3.gz');
  writeFileSync(whole, gz);
  assert.equal(grep(whole, ['nothing-like-this']).status, 1);
  assert.equal(grep(whole, ['"POST ']).status, 0);
});

test('many files in one run: each its own lines, numbers and error, in order, names with newlines too', () => {
  const dir = mkdtempSync(join(tmpdir(), 'grep-'));
  const a = join(dir, 'access_log');
  const b = join(dir, 'access_log\n9:"POST fake.php\nabc');
  const c = join(dir, 'access_log.1.gz');
  const gone = join(dir, 'access_log.vanished');
  // its name is in dd's complaint: it must stay data (a fake reason, a fake status line)
  const locked = join(dir, 'access_log.locked\n0 3\nx: No such file or directory');
  writeFileSync(a, LOG);
  writeFileSync(b, `x\n${LOG}`);
  writeFileSync(c, gzipSync(LOG));
  writeFileSync(locked, LOG);
  chmodSync(locked, 0o000);
  chmodSync(dir, 0o755);
  const paths = [a, gone, b, locked, c];
  const asRoot = process.getuid?.() === 0;
  // small chunks: trailers and lines split anywhere still parse the same
  for (const chunk of [undefined, 1, 7]) {
    const r = grepMany(paths, ['"POST ', '.php'], { ...(asRoot ? { asNobody: true } : {}), ...(chunk ? { chunk } : {}) });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.files.length, paths.length, 'one result per file, in order');
    assert.deepEqual(numbers(r.files[0]!), ['2', '4']);
    assert.deepEqual(r.files[1], { lines: [], status: 2, error: 'ENOENT' }, 'the vanished file is missing, the rest still read');
    assert.deepEqual(numbers(r.files[2]!), ['3', '5'], 'the name with newlines and a fake matching line in it is only a name');
    assert.deepEqual(r.files[3], { lines: [], status: 2, error: 'EACCES' }, 'the unreadable file says so');
    assert.deepEqual(numbers(r.files[4]!), ['2', '4'], 'the gzipped one after it is read');
  }
});

test('a trailer cut short or malformed is a broken stream, not the end of a file', () => {
  const p = new GrepManyParser(1024);
  assert.deepEqual(p.push(Buffer.from('3:abc\n/1 2\nxy')), [{ type: 'line', lineNo: 3, text: 'abc', cut: false }]);
  assert.throws(() => p.end());
  assert.throws(() => new GrepManyParser(1024).push(Buffer.from('/x 2\n')));
  const long = new GrepManyParser(8);
  assert.deepEqual(long.push(Buffer.from('1:abcdefghijkl\n/0 0\n\n')), [
    { type: 'line', lineNo: 1, text: 'abcdef', cut: true },
    { type: 'end', status: 0, stderr: '' },
  ]);
});
