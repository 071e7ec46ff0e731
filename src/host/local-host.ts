/** The machine spamtrace runs on. Programs are spawned with argument arrays, never a shell. */
import { isAscii } from 'node:buffer';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { constants as fsConstants, createReadStream, promises as fs } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { FileInfo, Host, Line, LineStreamOptions, RunOptions, RunResult, StreamedRun } from './host';
import { DEFAULT_MAX_LINE_BYTES, splitLines } from './line-splitter';

const DEFAULT_MAX_OUTPUT = 64 * 1024 * 1024;
const MAX_STREAMED_STDERR = 1024 * 1024;
const READ_CHUNK_BYTES = 1024 * 1024;

/** Postfix and the panels print in English only when asked to; we parse their words. */
const STABLE_ENV = { LC_ALL: 'C', LANG: 'C' };

/** Collects a stream's bytes up to a cap; what lies beyond is counted as cut. */
class CappedBuffer {
  private readonly parts: Buffer[] = [];
  private length = 0;
  cut = false;

  constructor(private readonly cap: number) {}

  push(b: Buffer): void {
    if (this.length + b.length > this.cap) {
      this.cut = true;
      b = b.subarray(0, Math.max(0, this.cap - this.length));
    }
    this.length += b.length;
    this.parts.push(b);
  }

  text(): string {
    return Buffer.concat(this.parts).toString('utf8');
  }
}

interface Started {
  child: ChildProcessWithoutNullStreams;
  stderr: CappedBuffer;
  /** resolves when the program has exited and its pipes are closed */
  finished: Promise<Omit<RunResult, 'stdout' | 'truncated'>>;
}

/** Spawns with a fixed locale, a kill timer, stdin written and closed, stderr captured. */
function start(program: string, args: readonly string[], options: RunOptions, stderrCap: number, stdoutFd?: number): Started {
  const child = spawn(program, [...args], {
    stdio: ['pipe', stdoutFd ?? 'pipe', 'pipe'],
    env: { ...process.env, ...STABLE_ENV, ...options.env },
  }) as ChildProcessWithoutNullStreams;
  const stderr = new CappedBuffer(stderrCap);
  let timedOut = false;
  let spawnError: RunResult['spawnError'];
  const timer = options.timeoutMs
    ? setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, options.timeoutMs)
    : undefined;
  child.stderr.on('data', (b: Buffer) => stderr.push(b));
  child.on('error', (e: NodeJS.ErrnoException) => {
    spawnError = { code: e.code ?? 'ESPAWN', message: e.message };
  });
  const finished = new Promise<Omit<RunResult, 'stdout' | 'truncated'>>((resolve) => {
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code: spawnError ? null : code, signal, stderr: stderr.text(), timedOut, ...(spawnError ? { spawnError } : {}) });
    });
  });
  child.stdin.on('error', () => undefined); // the program may exit before reading stdin
  child.stdin.end(options.input ?? '');
  return { child, stderr, finished };
}

/** A fresh 0600 file whose name is already gone: only the returned handle reaches it. */
async function privateOutputFile(): Promise<fs.FileHandle> {
  const dir = await fs.mkdtemp(join(os.tmpdir(), 'spamtrace-'));
  try {
    return await fs.open(join(dir, 'stdout'), 'wx+', 0o600);
  } finally {
    await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

export class LocalHost implements Host {
  readonly name: string;

  constructor(name: string = os.hostname()) {
    this.name = name;
  }

  async run(program: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const max = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
    if (options.outputViaFile) return this.runViaFile(program, args, options, max);
    const { child, stderr, finished } = start(program, args, options, max);
    const stdout = new CappedBuffer(max);
    child.stdout.on('data', (b: Buffer) => stdout.push(b));
    const result = await finished;
    return { ...result, stdout: stdout.text(), truncated: stdout.cut || stderr.cut };
  }

  /**
   * stdout goes to a 0600 file in a fresh 0700 directory. The name is removed as soon as
   * the child holds the descriptor: queue headers never stay on disk, even when the scan
   * is killed; the output is read back through our own still-open handle.
   */
  private async runViaFile(program: string, args: readonly string[], options: RunOptions, max: number): Promise<RunResult> {
    const file = await privateOutputFile();
    try {
      const started = start(program, args, options, max, file.fd);
      const result = await started.finished;
      const size = (await file.stat()).size;
      // allocUnsafe: every byte is overwritten by the read (what was not read is cut off)
      const buf = Buffer.allocUnsafe(Math.min(size, max));
      let got = 0;
      while (got < buf.length) {
        const { bytesRead } = await file.read(buf, got, buf.length - got, got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      const bytes = buf.subarray(0, got);
      // postcat and showq output is nearly always ASCII: decoded as latin1 it is the same
      // string, built ~10x faster than through the UTF-8 decoder (isAscii is SIMD)
      const stdout = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
      return { ...result, stdout, truncated: size > max || started.stderr.cut };
    } finally {
      await file.close();
    }
  }

  runLines(program: string, args: readonly string[], options: LineStreamOptions = {}): StreamedRun {
    if (options.outputViaFile) return this.runLinesViaFile(program, args, options);
    const { child, finished } = start(program, args, options, MAX_STREAMED_STDERR);
    const lines = splitLines(child.stdout, options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
    const done = finished.then((r) => ({ ...r, stdout: '', truncated: false }));
    return { lines, done };
  }

  /**
   * As runViaFile, but the output is read back line by line once the program has exited:
   * a listing of any size costs one line of memory, and the program runs once.
   */
  private runLinesViaFile(program: string, args: readonly string[], options: LineStreamOptions): StreamedRun {
    let settle!: (r: RunResult) => void;
    let fail!: (e: unknown) => void;
    const done = new Promise<RunResult>((resolve, reject) => {
      settle = resolve;
      fail = reject;
    });
    done.catch(() => undefined); // the caller reads the lines first; it sees the error there too
    async function* lines(): AsyncGenerator<Line> {
      let file: fs.FileHandle;
      try {
        file = await privateOutputFile();
      } catch (e) {
        fail(e);
        throw e;
      }
      try {
        const r = await start(program, args, options, MAX_STREAMED_STDERR, file.fd).finished;
        settle({ ...r, stdout: '', truncated: false });
        const stream = file.createReadStream({ start: 0, highWaterMark: READ_CHUNK_BYTES, autoClose: false });
        try {
          yield* splitLines(stream, options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
        } finally {
          stream.destroy();
        }
      } finally {
        await file.close().catch(() => undefined);
      }
    }
    return { lines: lines(), done };
  }

  async *readLines(path: string, options: { maxLineBytes?: number } = {}): AsyncIterable<Line> {
    const file = createReadStream(path);
    // pipeline, not pipe: a read error (EISDIR, EACCES) must reach the reader, not crash.
    const source = path.endsWith('.gz') ? pipeline(file, createGunzip(), () => undefined) : file;
    try {
      yield* splitLines(source, options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
    } finally {
      file.destroy();
    }
  }

  /**
   * Node's zlib with 1 MiB buffers: measured 3-4x faster than `gzip -dc` (and `zcat`) on
   * access logs here (bench/accesslog-bench.ts prints both), so no decompressor process.
   * O_NOFOLLOW: a log directory writable by a customer must not turn into a read of
   * /etc/shadow through a symlink swapped in after discovery checked it.
   */
  async *readChunks(path: string): AsyncIterable<Buffer> {
    const handle = await fs.open(path, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW);
    const file = handle.createReadStream({ highWaterMark: READ_CHUNK_BYTES });
    const gunzip = path.endsWith('.gz') ? createGunzip({ chunkSize: READ_CHUNK_BYTES }) : null;
    const source = gunzip ? pipeline(file, gunzip, () => undefined) : file;
    try {
      for await (const chunk of source) yield chunk as Buffer;
    } finally {
      gunzip?.destroy();
      file.destroy();
      await handle.close().catch(() => undefined);
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
