/** Test helpers: real access-log files (plain or gzip) in a temp directory, with set mtimes. */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number): string => String(n).padStart(2, '0');

/** `[22/Feb/2014:06:30:16 +0000]` for an epoch ms (UTC). */
export function stamp(ms: number): string {
  const d = new Date(ms);
  return `[${p2(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0000]`;
}

export function line(ms: number, method = 'POST', p = '/x.php', client = '192.0.2.1'): string {
  return `${client} - - ${stamp(ms)} "${method} ${p} HTTP/1.1" 200 10 "-" "test-agent"`;
}

export async function tempDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'spamtrace-accesslog-'));
}

/** Writes lines (gzip when the name ends in .gz) and sets the mtime. */
export async function writeLog(dir: string, name: string, lines: readonly string[], mtimeMs: number, tail = ''): Promise<string> {
  const file = path.join(dir, name);
  const text = Buffer.from(`${lines.join('\n')}\n${tail}`, 'latin1');
  await fs.writeFile(file, name.endsWith('.gz') ? gzipSync(text, { level: 1 }) : text);
  await fs.utimes(file, mtimeMs / 1000, mtimeMs / 1000);
  return file;
}

/** Lines of junk that the parser would count, were they ever read. */
export function garbage(n: number): string {
  return Array.from({ length: n }, (_, i) => `garbage line ${i} "POST " no time at all`).join('\n');
}
