/** The machine spamtrace runs on. Programs are spawned with argument arrays, never a shell. */
import { spawn } from 'node:child_process';
import { createReadStream, promises as fs } from 'node:fs';
import * as os from 'node:os';
import { createGunzip } from 'node:zlib';
import type { FileInfo, Host, Line, LineStreamOptions, RunOptions, RunResult, StreamedRun } from './host';
import { DEFAULT_MAX_LINE_BYTES, splitLines } from './line-splitter';

const DEFAULT_MAX_OUTPUT = 64 * 1024 * 1024;

/** Postfix and the panels print in English only when asked to; we parse their words. */
const STABLE_ENV = { LC_ALL: 'C', LANG: 'C' };

export class LocalHost implements Host {
  readonly name: string;

  constructor(name: string = os.hostname()) {
    this.name = name;
  }

  run(program: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const max = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
    return new Promise((resolve) => {
      const child = spawn(program, [...args], {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: { ...process.env, ...STABLE_ENV, ...options.env },
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let outLen = 0;
      let errLen = 0;
      let truncated = false;
      let timedOut = false;
      let spawnError: RunResult['spawnError'];
      const timer = options.timeoutMs
        ? setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, options.timeoutMs)
        : undefined;
      child.stdout.on('data', (b: Buffer) => {
        if (outLen + b.length > max) {
          truncated = true;
          b = b.subarray(0, Math.max(0, max - outLen));
        }
        outLen += b.length;
        out.push(b);
      });
      child.stderr.on('data', (b: Buffer) => {
        if (errLen + b.length > max) {
          truncated = true;
          b = b.subarray(0, Math.max(0, max - errLen));
        }
        errLen += b.length;
        err.push(b);
      });
      child.on('error', (e: NodeJS.ErrnoException) => {
        spawnError = { code: e.code ?? 'ESPAWN', message: e.message };
      });
      child.on('close', (code, signal) => {
        if (timer) clearTimeout(timer);
        resolve({
          code: spawnError ? null : code,
          signal,
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
          truncated,
          timedOut,
          ...(spawnError ? { spawnError } : {}),
        });
      });
      child.stdin.on('error', () => undefined); // the program may exit before reading stdin
      child.stdin.end(options.input ?? '');
    });
  }

  runLines(program: string, args: readonly string[], options: LineStreamOptions = {}): StreamedRun {
    const child = spawn(program, [...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...STABLE_ENV, ...options.env },
    });
    const err: Buffer[] = [];
    let errLen = 0;
    let spawnError: RunResult['spawnError'];
    let timedOut = false;
    const timer = options.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, options.timeoutMs)
      : undefined;
    child.stderr.on('data', (b: Buffer) => {
      if (errLen < 1024 * 1024) {
        err.push(b);
        errLen += b.length;
      }
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      spawnError = { code: e.code ?? 'ESPAWN', message: e.message };
    });
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
      child.on('close', (code, signal) => {
        if (timer) clearTimeout(timer);
        resolve({ code, signal });
      });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
    const lines = splitLines(child.stdout, options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
    const done = exited.then(({ code, signal }) => ({
      code: spawnError ? null : code,
      signal,
      stdout: '',
      stderr: Buffer.concat(err).toString('utf8'),
      truncated: false,
      timedOut,
      ...(spawnError ? { spawnError } : {}),
    }));
    return { lines, done };
  }

  async *readLines(path: string, options: { maxLineBytes?: number } = {}): AsyncIterable<Line> {
    const file = createReadStream(path);
    const source = path.endsWith('.gz') ? file.pipe(createGunzip()) : file;
    try {
      yield* splitLines(source, options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
    } finally {
      file.destroy();
    }
  }

  async stat(path: string): Promise<FileInfo | null> {
    try {
      const s = await fs.lstat(path);
      return {
        path,
        size: s.size,
        mtime: s.mtime,
        mode: s.mode,
        uid: s.uid,
        gid: s.gid,
        isFile: s.isFile(),
        isDirectory: s.isDirectory(),
        isSymbolicLink: s.isSymbolicLink(),
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  async list(dir: string): Promise<string[]> {
    return (await fs.readdir(dir)).sort();
  }

  async effectiveUid(): Promise<number> {
    return typeof process.geteuid === 'function' ? process.geteuid() : -1;
  }
}
