/**
 * A Host for tests: programs are answered by a script, every call is recorded, files
 * are read from disk (fixtures). `postcatEmulator` behaves like the real postcat 3.7:
 * it prints the sections of the IDs asked for, in order, and on the first ID it does
 * not have it prints "postcat: fatal: open queue file ID: No such file or directory"
 * to stderr and exits 1 (everything before it already printed).
 */
import { packageRoot } from '../../../src/package-root';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { FileInfo, Host, Line, LineStreamOptions, RunOptions, RunResult, StreamedRun } from '../../../src/host/host';
import { LocalHost } from '../../../src/host/local-host';
import { DEFAULT_MAX_LINE_BYTES, splitLines } from '../../../src/host/line-splitter';

export interface Answer {
  /** whole output, or chunks produced on demand (for very large outputs) */
  stdout?: string | Buffer | AsyncIterable<string | Buffer> | Iterable<string | Buffer>;
  stderr?: string;
  code?: number | null;
  signal?: string | null;
  spawnError?: { code: string; message: string };
  timedOut?: boolean;
}

export interface Call {
  program: string;
  args: string[];
  streamed: boolean;
}

export type Script = (program: string, args: readonly string[]) => Answer;

export class FakeHost implements Host {
  readonly name = 'fake';
  readonly calls: Call[] = [];
  private readonly files = new LocalHost('fake');

  constructor(private readonly script: Script) {}

  private answer(program: string, args: readonly string[], streamed: boolean): Answer {
    this.calls.push({ program, args: [...args], streamed });
    return this.script(program, args);
  }

  private result(a: Answer, stdout: string): RunResult {
    return {
      code: a.spawnError ? null : (a.code ?? 0),
      signal: a.signal ?? null,
      stdout,
      stderr: a.stderr ?? '',
      truncated: false,
      timedOut: a.timedOut ?? false,
      ...(a.spawnError ? { spawnError: a.spawnError } : {}),
    };
  }

  async run(program: string, args: readonly string[], _options?: RunOptions): Promise<RunResult> {
    const a = this.answer(program, args, false);
    let out = '';
    if (a.stdout !== undefined) {
      const chunks = typeof a.stdout === 'string' || Buffer.isBuffer(a.stdout) ? [a.stdout] : a.stdout;
      for await (const c of chunks as AsyncIterable<string | Buffer>) out += c.toString();
    }
    return this.result(a, out);
  }

  runLines(program: string, args: readonly string[], options: LineStreamOptions = {}): StreamedRun {
    const a = this.answer(program, args, true);
    const src = a.stdout === undefined ? [] : typeof a.stdout === 'string' || Buffer.isBuffer(a.stdout) ? [a.stdout] : a.stdout;
    const lines = splitLines(Readable.from(src as Iterable<string | Buffer>), options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
    return { lines, done: Promise.resolve(this.result(a, '')) };
  }

  readLines(path: string, options?: { maxLineBytes?: number }): AsyncIterable<Line> {
    return this.files.readLines(path, options);
  }

  readChunks(path: string): AsyncIterable<Buffer> {
    return this.files.readChunks(path);
  }

  stat(path: string): Promise<FileInfo | null> {
    return this.files.stat(path);
  }

  list(dir: string): Promise<string[]> {
    return this.files.list(dir);
  }

  async effectiveUid(): Promise<number> {
    return 0;
  }

  /** every argument passed to any program */
  allArgs(): string[] {
    return this.calls.flatMap((c) => c.args);
  }
}

/** test/fixtures/queue/NAME, found from the compiled test's folder. */
export function fixture(name: string): string {
  return join(packageRoot(), 'test', 'fixtures', 'queue', name);
}

export function readFixture(name: string): string {
  return readFileSync(fixture(name), 'latin1');
}

/** Splits postcat output into one text block per queue ID (the last path component). */
export function sectionsById(...outputs: string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const out of outputs) {
    const parts = out.split(/^(?=\*\*\* ENVELOPE RECORDS )/m);
    for (const p of parts) {
      const m = /^\*\*\* ENVELOPE RECORDS \S*?([^/\s]+) \*\*\*/.exec(p);
      if (m && !map.has(m[1]!)) map.set(m[1]!, p.endsWith('\n') ? p : `${p}\n`);
    }
  }
  return map;
}

/** Answers `postcat -e -h -q -- ID...` like the real postcat, from a map of sections. */
export function postcatEmulator(sections: Map<string, string>, program = 'postcat'): (args: readonly string[]) => Answer {
  return (args) => {
    const ids = args.slice(args.indexOf('--') + 1);
    let stdout = '';
    for (const id of ids) {
      const s = sections.get(id);
      if (s === undefined) {
        return { stdout, stderr: `${program}: fatal: open queue file ${id}: No such file or directory\n`, code: 1 };
      }
      stdout += s;
    }
    return { stdout, code: 0 };
  };
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

export async function* linesOf(text: string): AsyncGenerator<Line> {
  yield* splitLines(Readable.from([Buffer.from(text, 'latin1')]));
}
