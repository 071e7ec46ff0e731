/**
 * The measured processes of the access-log bench, spawned with argument arrays:
 * our reader in a child node process, and the `zcat FILE | grep -c '"POST '` pipeline
 * (two processes joined by a pipe, one pipeline per file, as an admin would run it).
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import type { RunOutput } from './run-reader';

export interface Timed<T> {
  wallS: number;
  result: T;
}

/** One run of bench/accesslog/run-reader.js; wall time includes node's start (~50 ms). */
export async function runReader(mode: string, dir: string, window?: { sinceMs: number; untilMs: number }): Promise<Timed<RunOutput>> {
  const script = path.join(__dirname, 'run-reader.js');
  const args = [script, mode, dir, ...(window ? [String(window.sinceMs), String(window.untilMs)] : [])];
  const t0 = process.hrtime.bigint();
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let so = '';
    let se = '';
    child.stdout.on('data', (b: Buffer) => (so += b.toString()));
    child.stderr.on('data', (b: Buffer) => (se += b.toString()));
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c, stdout: so, stderr: se }));
  });
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  if (code !== 0) throw new Error(`run-reader ${mode} ${dir} exited ${code}: ${stderr.slice(0, 2000)}`);
  return { wallS, result: JSON.parse(stdout) as RunOutput };
}

/** `zcat FILE | grep -c '"POST '` for one file: the number grep printed. */
async function zcatGrep(file: string): Promise<number> {
  const zcat = spawn('zcat', ['--', file], { stdio: ['ignore', 'pipe', 'inherit'] });
  const grep = spawn('grep', ['-c', '"POST '], { stdio: [zcat.stdout, 'pipe', 'inherit'] });
  let out = '';
  grep.stdout.on('data', (b: Buffer) => (out += b.toString()));
  // 'exit' for zcat: its stdout belongs to grep, so its 'close' is not ours to wait for
  const exits = await Promise.all([
    new Promise<number | null>((resolve, reject) => (zcat.on('error', reject), zcat.on('exit', (code) => resolve(code)))),
    new Promise<number | null>((resolve, reject) => (grep.on('error', reject), grep.on('close', (code) => resolve(code)))),
  ]);
  // grep -c exits 1 when it counted 0 lines: still a valid count
  if (exits[0] !== 0 || (exits[1] !== 0 && exits[1] !== 1)) throw new Error(`zcat|grep on ${file} exited ${exits.join('/')}`);
  return Number(out.trim());
}

/** The baseline over every file, one after the other: total count and wall time. */
export async function runZcatGrep(files: readonly string[]): Promise<Timed<number>> {
  const t0 = process.hrtime.bigint();
  let total = 0;
  for (const f of files) total += await zcatGrep(f);
  return { wallS: Number(process.hrtime.bigint() - t0) / 1e9, result: total };
}

/** `zcat FILE > /dev/null` for every file: the decompressor alone, for the zlib comparison. */
export async function runZcatOnly(files: readonly string[]): Promise<Timed<number>> {
  const t0 = process.hrtime.bigint();
  for (const f of files) {
    const code = await new Promise<number | null>((resolve, reject) => {
      const c = spawn('zcat', ['--', f], { stdio: ['ignore', 'ignore', 'inherit'] });
      c.on('error', reject);
      c.on('close', resolve);
    });
    if (code !== 0) throw new Error(`zcat ${f} exited ${code}`);
  }
  return { wallS: Number(process.hrtime.bigint() - t0) / 1e9, result: files.length };
}
