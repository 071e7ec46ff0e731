/**
 * The remote filter SshHost runs (`dd iflag=nofollow | zcat -f | grep -n -F`), executed
 * here by a local sh with the same argument array: line numbers as in the file, gzip and
 * plain alike, hostile names and needles taken literally, symlinks and missing files
 * refused, and the file opened once, without following a symlink.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { grepArgs } from '../../../src/host/ssh/remote-files';

function grep(path: string, needles: string[], cwd?: string): { code: number | null; lines: string[]; stderr: string } {
  const [program, ...args] = grepArgs(path, needles);
  const r = spawnSync(program!, args, { encoding: 'utf8', ...(cwd ? { cwd } : {}) });
  return { code: r.status, lines: r.stdout.split('\n').filter(Boolean), stderr: r.stderr };
}

const LOG = [
  '1.2.3.4 - - [28/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "-"',
  '1.2.3.4 - - [28/Nov/2026:10:00:01 +0000] "POST /images/x.php HTTP/1.1" 200 5 "-" "-"',
  '1.2.3.4 - - [28/Nov/2026:10:00:02 +0000] "GET /a.css HTTP/1.1" 200 5 "-" "-"',
  '5.6.7.8 - - [28/Nov/2026:10:00:03 +0000] "GET /index.php HTTP/1.1" 200 5 "-" "$(touch /tmp/spamtrace-grep-canary)"',
].join('\n') + '\n';

test('matching lines come with the line numbers of the file, plain or gzipped', () => {
  const dir = mkdtempSync(join(tmpdir(), 'grep-'));
  const plain = join(dir, 'access_log');
  writeFileSync(plain, LOG);
  const gz = join(dir, 'access_log.1.gz');
  writeFileSync(gz, gzipSync(LOG));
  for (const f of [plain, gz]) {
    const r = grep(f, ['"POST ', '.php']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.lines.map((l) => l.slice(0, l.indexOf(':'))), ['2', '4']);
  }
  assert.equal(grep(plain, ['nothing-like-this']).code, 1, 'no match is grep\'s 1, not an error');
});

test('hostile file names and needles are data, never shell', () => {
  const dir = mkdtempSync(join(tmpdir(), 'grep-'));
  // relative: an injected `touch pwned` would create it in the working directory
  const canary = join(dir, 'pwned');
  const name = join(dir, `a;touch pwned;$(touch pwned)\nb'"`);
  writeFileSync(name, LOG);
  const r = grep(name, ['$(touch pwned)', "'; touch pwned; '"], dir);
  assert.equal(r.code, 1);
  assert.equal(existsSync(canary), false);
  assert.equal(existsSync('/tmp/spamtrace-grep-canary'), false);
  const literal = grep(name, ['$(touch /tmp/spamtrace-grep-canary)']);
  assert.deepEqual(literal.lines.map((l) => l.split(':')[0]), ['4'], 'the needle matched literally');
});

test('a symlink or a missing file is refused, as readChunks refuses it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'grep-'));
  writeFileSync(join(dir, 'real'), LOG);
  symlinkSync(join(dir, 'real'), join(dir, 'link'));
  const link = grep(join(dir, 'link'), ['POST']);
  assert.equal(link.code, 2);
  assert.match(link.stderr, /Too many levels of symbolic links/, 'the symlink is not followed (ELOOP)');
  assert.equal(link.lines.length, 0);
  const missing = grep(join(dir, 'missing'), ['POST']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /No such file or directory/);
});

test('the file is opened once, by dd with O_NOFOLLOW: no check-then-read gap for a swapped symlink', () => {
  // the only command of the script that names the file and reads it is dd iflag=nofollow;
  // `[ -f ]` before it only refuses early and never reads (issue 12)
  const script = grepArgs('/x', ['y'])[2]!;
  const readers = script.match(/\b(?:zcat|cat|grep|dd|head) [^|;]*"\$f"/g) ?? [];
  assert.deepEqual(readers, ['dd if="$f"']);
  assert.match(script, /dd if="\$f" iflag=nofollow/);
  assert.doesNotMatch(script, /-L "\$f"/);
});

test('a .gz that zcat cannot read to the end is an error, not "no match"', () => {
  const dir = mkdtempSync(join(tmpdir(), 'grep-'));
  const gz = gzipSync(LOG.repeat(50));
  const broken = join(dir, 'access_log.2.gz');
  writeFileSync(broken, gz.subarray(0, Math.floor(gz.length / 2)));
  const r = grep(broken, ['nothing-like-this']);
  assert.equal(r.code, 2, `zcat's failure must not be hidden behind grep's exit 1 (stderr: ${r.stderr})`);
  const whole = join(dir, 'access_log.3.gz');
  writeFileSync(whole, gz);
  assert.equal(grep(whole, ['nothing-like-this']).code, 1);
  assert.equal(grep(whole, ['"POST ']).code, 0);
});
