/** Real log directories for the mail log tests: files with chosen mtimes, gzip rotations. */
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { packageRoot } from '../../../../src/package-root';

export function tempLogDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'spamtrace-maillog-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes `lines` (gzipped when the name ends in .gz) and sets the file's mtime. */
export function writeLog(dir: string, name: string, lines: string[] | string, mtime: Date): string {
  const path = join(dir, name);
  const text = typeof lines === 'string' ? lines : lines.join('\n') + '\n';
  writeFileSync(path, name.endsWith('.gz') ? gzipSync(Buffer.from(text)) : text);
  utimesSync(path, mtime, mtime);
  return path;
}

/** test/fixtures/maillog/NAME */
export function maillogFixture(name: string): string {
  return join(packageRoot(), 'test', 'fixtures', 'maillog', name);
}

export function readMaillogFixture(name: string): string {
  return readFileSync(maillogFixture(name), 'utf8');
}
