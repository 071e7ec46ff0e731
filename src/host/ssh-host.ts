/**
 * A machine reached over SSH, for the same collectors that run on LocalHost. Uses the
 * admin's OpenSSH client and config (-F), never prompts (BatchMode), refuses unknown or
 * changed host keys, and multiplexes every program over one master connection kept in
 * a private 0700 directory, so a scan costs one TCP connection and one login per host.
 *
 * Remote programs get ONE string from ssh: it is built by shellQuote() from the argument
 * array and nothing else (see ssh/ssh-command.ts). Files are read with cat/dd and
 * decompressed here, so .gz logs travel compressed.
 */
import { spawn } from 'node:child_process';
import { promises as fs, openSync, closeSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { FileInfo, Host, Line, LineStreamOptions, NumberedLine, RunOptions, RunResult, StreamedRun } from './host';
import { DEFAULT_MAX_LINE_BYTES, splitLines } from './line-splitter';
import { LocalHost } from './local-host';
import { baseSshArgs, remoteCommand, validAlias } from './ssh/ssh-command';
import { classifySshFailure, printableSsh, SshError } from './ssh/ssh-errors';
import { catArgs, errnoOf, grepArgs, listArgs, noFollowReadArgs, parseListing, parseStat, RemoteFileError, statArgs } from './ssh/remote-files';
import { StatCache } from './ssh/stat-cache';
import { SessionLimit } from './ssh/session-limit';
import { spawnStreaming } from './ssh/ssh-process';

const READ_CHUNK_BYTES = 1024 * 1024;
/** the local kill comes this long after the remote `timeout`, so the remote side dies first */
const LOCAL_GRACE_MS = 10_000;

export interface SshHostOptions {
  alias: string;
  /** the SSH config passed to ssh -F (aliases, HostName, User, Port, IdentityFile, ProxyJump) */
  configPath: string;
  /** where the private control directory is made (default: the OS temp dir) */
  runtimeDir?: string;
  connectTimeoutSeconds?: number;
  /** programs at a time over the connection; keep below sshd's MaxSessions (default 10) */
  maxSessions?: number;
  /** idle seconds after which a master left behind (a killed scan) exits by itself */
  persistSeconds?: number;
  sshProgram?: string;
}

export class SshHost implements Host {
  readonly name: string;
  private readonly local = new LocalHost('local');
  private readonly slots: SessionLimit;
  private controlDir: string | null = null;
  private connecting: Promise<void> | null = null;
  private closed = false;
  /** what the last listings said about each entry: spares a round trip per stat after a list */
  private readonly listed = new StatCache();

  constructor(private readonly opts: SshHostOptions) {
    if (!validAlias(opts.alias)) throw new SshError('config', opts.alias.slice(0, 80), `not a usable SSH host alias: ${JSON.stringify(opts.alias.slice(0, 80))}`);
    this.name = opts.alias;
    this.slots = new SessionLimit(opts.maxSessions ?? 8);
  }

  private get ssh(): string {
    return this.opts.sshProgram ?? 'ssh';
  }

  private base(): string[] {
    if (!this.controlDir) throw new SshError('connection-lost', this.name, `${this.name}: not connected (connect() first)`);
    return baseSshArgs({ configPath: this.opts.configPath, controlDir: this.controlDir, connectTimeoutSeconds: this.opts.connectTimeoutSeconds ?? 10 });
  }

  /**
   * Log in once and leave the master running in the background. Fails with an SshError
   * saying why (host key changed or unknown, key refused, unreachable, timeout).
   */
  connect(): Promise<void> {
    this.connecting ??= this.startMaster();
    return this.connecting;
  }

  private async startMaster(): Promise<void> {
    this.controlDir = await fs.mkdtemp(join(this.opts.runtimeDir ?? os.tmpdir(), 'spamtrace-ssh-'));
    await fs.chmod(this.controlDir, 0o700);
    // ssh -f keeps its stderr after it forks: a pipe would never close, a file does not care
    const errPath = join(this.controlDir, 'master.err');
    const errFd = openSync(errPath, 'w', 0o600);
    const argv = [...this.base(), '-o', 'ControlMaster=yes', '-o', `ControlPersist=${this.opts.persistSeconds ?? 300}`, '-N', '-f', '-T', '--', this.name];
    const limitMs = ((this.opts.connectTimeoutSeconds ?? 10) + 20) * 1000;
    const outcome = await new Promise<{ code: number | null; error?: string; timedOut: boolean }>((resolve) => {
      const child = spawn(this.ssh, argv, { stdio: ['ignore', 'ignore', errFd], env: { ...process.env, LC_ALL: 'C', LANG: 'C' } });
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, limitMs);
      child.on('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        resolve({ code: null, error: e.code ?? e.message, timedOut });
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, timedOut });
      });
    });
    closeSync(errFd);
    if (outcome.code === 0) return;
    const stderr = await fs.readFile(errPath, 'utf8').catch(() => '');
    await this.removeControlDir();
    if (outcome.error) throw new SshError('config', this.name, `${this.name}: the ssh client could not be started (${outcome.error})`);
    if (outcome.timedOut) throw new SshError('timeout', this.name, `${this.name}: no SSH connection within ${limitMs / 1000} s`);
    throw classifySshFailure(this.name, stderr) ?? new SshError('unreachable', this.name, `${this.name}: ssh failed (exit ${outcome.code}): ${printableSsh(stderr) || 'no message'}`, printableSsh(stderr));
  }

  /** Stop the master (ends every session on it) and remove the private directory. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.connecting?.catch(() => undefined);
    if (!this.controlDir) return;
    await this.local.run(this.ssh, [...this.base(), '-O', 'exit', '--', this.name], { timeoutMs: 10_000 }).catch(() => undefined);
    await this.removeControlDir();
  }

  private async removeControlDir(): Promise<void> {
    const dir = this.controlDir;
    if (dir) await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }

  private sessionArgv(command: string): string[] {
    return [...this.base(), '-o', 'ControlMaster=no', '-T', '--', this.name, command];
  }

  /** ssh's own failure (exit 255 with ssh's words) becomes an SshError; anything else is the program's. */
  private connectionFailure(code: number | null, stderr: string): SshError | null {
    return code === 255 ? classifySshFailure(this.name, stderr) : null;
  }

  async run(program: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const seconds = options.timeoutMs ? options.timeoutMs / 1000 : undefined;
    const command = remoteCommand(program, args, options.env, seconds);
    const release = await this.slots.acquire();
    let r: RunResult;
    try {
      r = await this.local.run(this.ssh, this.sessionArgv(command), {
        ...(options.input !== undefined ? { input: options.input } : {}),
        ...(options.timeoutMs ? { timeoutMs: options.timeoutMs + LOCAL_GRACE_MS } : {}),
        ...(options.maxOutputBytes !== undefined ? { maxOutputBytes: options.maxOutputBytes } : {}),
      });
    } finally {
      release();
    }
    return this.remoteResult(r, seconds !== undefined);
  }

  private remoteResult(r: RunResult, limited: boolean): RunResult {
    if (r.spawnError) throw new SshError('config', this.name, `${this.name}: the ssh client could not be started (${r.spawnError.code})`);
    const lost = this.connectionFailure(r.code, r.stderr);
    if (lost) throw lost;
    // env(1) says why it could not start the program: that is LocalHost's spawn error
    if (r.code === 127 && /^env: .*: No such file or directory$/m.test(r.stderr)) {
      return { ...r, code: null, spawnError: { code: 'ENOENT', message: `${this.name}: ${printableSsh(r.stderr)}` } };
    }
    if (r.code === 126 && /^env: /m.test(r.stderr)) {
      return { ...r, code: null, spawnError: { code: 'EACCES', message: `${this.name}: ${printableSsh(r.stderr)}` } };
    }
    return { ...r, timedOut: r.timedOut || (limited && r.code === 124) };
  }

  runLines(program: string, args: readonly string[], options: LineStreamOptions = {}): StreamedRun {
    const seconds = options.timeoutMs ? options.timeoutMs / 1000 : undefined;
    const command = remoteCommand(program, args, options.env, seconds);
    let settle!: (r: RunResult) => void;
    let fail!: (e: unknown) => void;
    const done = new Promise<RunResult>((resolve, reject) => {
      settle = resolve;
      fail = reject;
    });
    done.catch(() => undefined); // the caller may only read lines; it still sees the error there
    const self = this;
    async function* lines(): AsyncGenerator<Line> {
      const release = await self.slots.acquire();
      try {
        const inner = self.local.runLines(self.ssh, self.sessionArgv(command), {
          ...(options.input !== undefined ? { input: options.input } : {}),
          ...(options.timeoutMs ? { timeoutMs: options.timeoutMs + LOCAL_GRACE_MS } : {}),
          maxLineBytes: options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
        });
        inner.done.then(
          (r) => {
            try {
              settle(self.remoteResult(r, seconds !== undefined));
            } catch (e) {
              fail(e);
            }
          },
          (e: unknown) => fail(e),
        );
        yield* inner.lines;
        await done;
      } finally {
        release();
      }
    }
    return { lines: lines(), done };
  }

  /** A remote reader's bytes; after the last one, its exit decides between done and an error. */
  private async *readRemote(argv: string[], path: string, gzip: boolean, what: string): AsyncGenerator<Buffer> {
    const release = await this.slots.acquire();
    const proc = spawnStreaming(this.ssh, this.sessionArgv(remoteCommand(argv[0]!, argv.slice(1))));
    const gunzip = gzip ? createGunzip({ chunkSize: READ_CHUNK_BYTES }) : null;
    const source: Readable = gunzip ? pipeline(proc.stdout, gunzip, () => undefined) : proc.stdout;
    let complete = false;
    try {
      for await (const chunk of source) yield chunk as Buffer;
      complete = true;
    } finally {
      if (!complete) {
        gunzip?.destroy();
        proc.kill();
      }
      const end = await proc.finished;
      release();
      if (complete) {
        if (end.spawnError) throw new SshError('config', this.name, `${this.name}: the ssh client could not be started (${end.spawnError})`);
        const lost = this.connectionFailure(end.code, end.stderr);
        if (lost) throw lost;
        if (end.code !== 0) throw new RemoteFileError(errnoOf(end.stderr) ?? 'EIO', path, `${this.name}: ${what}`);
      }
    }
  }

  async *readLines(path: string, options: { maxLineBytes?: number } = {}): AsyncIterable<Line> {
    yield* splitLines(this.readRemote(catArgs(path), path, path.endsWith('.gz'), 'cannot read'), options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
  }

  async *readChunks(path: string): AsyncIterable<Buffer> {
    yield* this.readRemote(noFollowReadArgs(path), path, path.endsWith('.gz'), 'cannot read');
  }

  async *grepLines(path: string, needles: readonly string[], options: { maxLineBytes?: number } = {}): AsyncIterable<NumberedLine> {
    const [program, ...args] = grepArgs(path, needles);
    // room for grep's "NNN:" prefix on top of the caller's limit
    const run = this.runLines(program!, args, { maxLineBytes: (options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES) + 24 });
    for await (const l of run.lines) {
      const colon = l.text.indexOf(':');
      const lineNo = colon > 0 ? Number(l.text.slice(0, colon)) : NaN;
      if (!Number.isSafeInteger(lineNo) || lineNo < 1) continue;
      yield { lineNo, text: l.text.slice(colon + 1), cut: l.cut };
    }
    const end = await run.done;
    if (end.code !== 0 && end.code !== 1) throw new RemoteFileError(errnoOf(end.stderr) ?? 'EIO', path, `${this.name}: cannot read`);
  }

  async stat(path: string): Promise<FileInfo | null> {
    const cached = this.listed.get(path);
    if (cached) return cached;
    const [program, ...args] = statArgs(path);
    const r = await this.run(program!, args, { timeoutMs: 60_000, maxOutputBytes: 4096 });
    if (r.code === 0) {
      const info = parseStat(path, r.stdout);
      if (!info) throw new RemoteFileError('EIO', path, `${this.name}: stat printed something unexpected for`);
      return info;
    }
    const code = errnoOf(r.stderr) ?? 'EIO';
    if (code === 'ENOENT') return null;
    throw new RemoteFileError(code, path, `${this.name}: cannot stat`);
  }

  async list(dir: string): Promise<string[]> {
    const [program, ...args] = listArgs(dir);
    const r = await this.run(program!, args, { timeoutMs: 120_000 });
    if (r.code === 0 && !r.truncated) {
      const entries = parseListing(dir, r.stdout);
      for (const e of entries) if (e.info) this.listed.set(e.info.path, e.info);
      return entries.map((e) => e.name);
    }
    if (r.truncated) throw new RemoteFileError('E2BIG', dir, `${this.name}: directory listing too large:`);
    throw new RemoteFileError(errnoOf(r.stderr) ?? 'EIO', dir, `${this.name}: cannot list`);
  }

  async effectiveUid(): Promise<number> {
    const r = await this.run('id', ['-u'], { timeoutMs: 30_000, maxOutputBytes: 256 });
    const uid = Number(r.stdout.trim());
    return r.code === 0 && /^\d+$/.test(r.stdout.trim()) ? uid : -1;
  }
}
