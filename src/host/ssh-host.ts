/**
 * A machine reached over SSH, for the same collectors that run on LocalHost. Uses the
 * admin's OpenSSH client and config (-F), never prompts (BatchMode), refuses unknown or
 * changed host keys, and multiplexes everything over one master connection kept in a
 * private 0700 directory: one TCP connection and one login per host.
 *
 * Over that connection run at most `maxSessions` (default 4) long-lived remote shells
 * (ssh/agent-script.ts) that take requests one after another, so a scan opens a fixed,
 * small number of sessions, each paying the remote login shell's start-up once, however
 * many paths, directories, uids and logs it looks at. Every argument crosses as data,
 * never as script text; the login shell only ever sees `exec /bin/sh`, so a fish or csh
 * login shell changes nothing. Files are read with cat/dd and decompressed here, so .gz
 * logs travel compressed.
 */
import { spawn } from 'node:child_process';
import { promises as fs, openSync, closeSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { FileInfo, Host, Line, LineStreamOptions, NumberedLine, RunOptions, RunResult, StreamedRun } from './host';
import { DEFAULT_MAX_LINE_BYTES, splitLines } from './line-splitter';
import { LocalHost } from './local-host';
import { baseSshArgs, remoteArgv, validAlias } from './ssh/ssh-command';
import { classifySshFailure, printableSsh, SshError } from './ssh/ssh-errors';
import {
  catArgs,
  errnoOf,
  findStatArgs,
  GrepManyParser,
  grepManyArgs,
  findStatManyArgs,
  listArgs,
  listManyArgs,
  noFollowReadArgs,
  parseFindStat,
  parseListing,
  parseListMany,
  parseStat,
  parseStatMany,
  RemoteFileError,
  statArgs,
  type ListedEntry,
} from './ssh/remote-files';
import { StatCache, TtlCache } from './ssh/stat-cache';
import { ShellPool } from './ssh/shell-pool';
import { RemoteShell, type ShellAnswer } from './ssh/remote-shell';
import type { AgentBanner, RemoteCaps } from './ssh/agent-script';

const READ_CHUNK_BYTES = 1024 * 1024;
const DEFAULT_MAX_OUTPUT = 64 * 1024 * 1024;
/** the local kill comes this long after the remote `timeout`, so the remote side dies first */
const LOCAL_GRACE_MS = 10_000;

export interface SshHostOptions {
  alias: string;
  /** the SSH config passed to ssh -F (aliases, HostName, User, Port, IdentityFile, ProxyJump) */
  configPath: string;
  /** where the private control directory is made (default: the OS temp dir) */
  runtimeDir?: string;
  connectTimeoutSeconds?: number;
  /** remote shells (sessions) at a time over the connection; keep below sshd's MaxSessions (default 10) */
  maxSessions?: number;
  /** idle seconds after which a master left behind (a killed scan) exits by itself */
  persistSeconds?: number;
  sshProgram?: string;
}

/** A remote shell's start-up may run a slow login script (pyenv, conda, motd): generous. */
const SHELL_START_MS = 120_000;

export class SshHost implements Host {
  readonly name: string;
  private readonly local = new LocalHost('local');
  private readonly pool: ShellPool;
  private controlDir: string | null = null;
  private connecting: Promise<void> | null = null;
  private closed = false;
  private first: AgentBanner | null = null;
  /** what the last listings and prefetches said about each path: spares a round trip per stat */
  private readonly listed = new StatCache();
  /** directories a prefetch listed, by path without a trailing slash */
  private readonly listings = new TtlCache<string[]>();
  /** stats announced with `withNext`: asked along with the next prefetch */
  private readonly pendingStats = new Set<string>();
  /** files a grep prefetch filtered, by path: their lines or their error, for these needles */
  private readonly greps = new TtlCache<GrepResult>(GREP_CACHE_TTL_MS);

  constructor(private readonly opts: SshHostOptions) {
    if (!validAlias(opts.alias)) throw new SshError('config', opts.alias.slice(0, 80), `not a usable SSH host alias: ${JSON.stringify(opts.alias.slice(0, 80))}`);
    this.name = opts.alias;
    this.pool = new ShellPool(opts.maxSessions ?? 4, () => this.startShell());
  }

  /** Requests sent to the remote shells so far (each one round trip). */
  requestsMade = 0;

  /**
   * What each request ran (its program and first arguments, cut), the first
   * REQUEST_LOG_MAX of them: for the bench's per-host request list. In memory only.
   */
  readonly requestLog: string[] = [];

  /** Remote sessions opened so far (each paid the login shell's start-up once). */
  get sessionsOpened(): number {
    return this.pool.opened;
  }

  /** What the remote side has (timeout, dd nofollow, find -printf ...); null before connect(). */
  get remoteCaps(): RemoteCaps | null {
    return this.first?.caps ?? null;
  }

  /** The remote zone's offset from UTC (minutes east, `date +%z`) when the first shell started. */
  async utcOffsetMinutes(): Promise<number | null> {
    await this.connect();
    return this.first?.utcOffsetMinutes ?? null;
  }

  private get ssh(): string {
    return this.opts.sshProgram ?? 'ssh';
  }

  private base(): string[] {
    if (!this.controlDir) throw new SshError('connection-lost', this.name, `${this.name}: not connected (connect() first)`);
    return baseSshArgs({ configPath: this.opts.configPath, controlDir: this.controlDir, connectTimeoutSeconds: this.opts.connectTimeoutSeconds ?? 10 });
  }

  /**
   * Log in once, leave the master running in the background and start the first remote
   * shell. Fails with an SshError saying why (host key changed or unknown, key refused,
   * unreachable, timeout, no POSIX shell on the far side).
   */
  connect(): Promise<void> {
    this.connecting ??= this.startMaster().then(async () => {
      const t0 = Date.now();
      const shell = await this.startShell();
      this.pool.adopt(shell, Date.now() - t0);
    });
    return this.connecting;
  }

  private async startShell(): Promise<RemoteShell> {
    if (this.closed) throw new SshError('connection-lost', this.name, `${this.name}: closed`);
    const shell = new RemoteShell(this.name, this.ssh, [...this.base(), '-o', 'ControlMaster=no', '-T', '--', this.name]);
    try {
      const banner = await shell.start(SHELL_START_MS);
      this.first ??= banner;
    } catch (e) {
      shell.kill(e as SshError);
      throw e;
    }
    return shell;
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
    this.controlDir = null;
    if (outcome.error) throw new SshError('config', this.name, `${this.name}: the ssh client could not be started (${outcome.error})`);
    if (outcome.timedOut) throw new SshError('timeout', this.name, `${this.name}: no SSH connection within ${limitMs / 1000} s`);
    throw classifySshFailure(this.name, stderr) ?? new SshError('unreachable', this.name, `${this.name}: ssh failed (exit ${outcome.code}): ${printableSsh(stderr) || 'no message'}`, printableSsh(stderr));
  }

  /** End the remote shells, stop the master (ends every session on it) and remove the private directory. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.connecting?.catch(() => undefined);
    await this.pool.close();
    if (!this.controlDir) return;
    await this.local.run(this.ssh, [...this.base(), '-O', 'exit', '--', this.name], { timeoutMs: 10_000 }).catch(() => undefined);
    await this.removeControlDir();
  }

  private async removeControlDir(): Promise<void> {
    const dir = this.controlDir;
    if (dir) await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }

  /**
   * One request on a free remote shell. The remote side enforces the time limit (timeout,
   * or the shell's own watchdog); the local guard a little later ends the session itself.
   * `finish` must be called exactly once, after the stdout was read (or abandoned).
   */
  private async begin(argv: string[], options: RunOptions): Promise<Asked> {
    const seconds = options.timeoutMs ? Math.max(1, Math.ceil(options.timeoutMs / 1000)) : 0;
    const shell = await this.pool.acquire();
    this.requestsMade++;
    if (this.requestLog.length < REQUEST_LOG_MAX) this.requestLog.push(describeRequest(argv));
    let answer: ShellAnswer;
    try {
      answer = shell.request({ argv, seconds, viaFile: Boolean(options.outputViaFile), ...(options.input !== undefined ? { input: options.input } : {}) });
    } catch (e) {
      this.pool.release(shell);
      throw e;
    }
    let localTimeout = false;
    const timer = options.timeoutMs
      ? setTimeout(() => {
          localTimeout = true;
          answer.abort();
        }, options.timeoutMs + LOCAL_GRACE_MS)
      : undefined;
    let released = false;
    return {
      stdout: answer.stdout,
      timedOutHere: () => localTimeout,
      finish: async (abandon = false) => {
        if (abandon && !localTimeout) {
          // the caller stopped reading: the rest is dropped in the background and the
          // session goes back to the pool when its answer ends (no new login shell)
          answer.drain();
          answer.done.then(
            () => undefined,
            () => undefined,
          ).finally(() => {
            if (timer) clearTimeout(timer);
            if (!released) {
              released = true;
              this.pool.release(shell);
            }
          });
          return { status: 0, stderr: '', timedOut: false };
        }
        try {
          const end = await answer.done;
          return { ...end, timedOut: seconds > 0 && end.status === 124 };
        } catch (e) {
          if (localTimeout) return { status: 124, stderr: '', timedOut: true };
          throw e;
        } finally {
          if (timer) clearTimeout(timer);
          if (!released) {
            released = true;
            this.pool.release(shell);
          }
        }
      },
    };
  }

  /** The agent's exec (or timeout) says why it could not start the program: that is LocalHost's spawn error. */
  private result(status: number, stdout: string, stderr: string, truncated: boolean, timedOut: boolean): RunResult {
    const base: RunResult = { code: status, signal: null, stdout, stderr, truncated, timedOut };
    if (status === 127 && /(?:^|: )exec: .*: not found$|^timeout: failed to run command .*: No such file or directory$/m.test(stderr)) {
      return { ...base, code: null, spawnError: { code: 'ENOENT', message: `${this.name}: ${printableSsh(stderr)}` } };
    }
    if (status === 126 && /(?:^|: )exec: .*: Permission denied$|^timeout: failed to run command /m.test(stderr)) {
      return { ...base, code: null, spawnError: { code: 'EACCES', message: `${this.name}: ${printableSsh(stderr)}` } };
    }
    return base;
  }

  async run(program: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const asked = await this.begin(remoteArgv(program, args, options.env), options);
    const max = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
    const parts: Buffer[] = [];
    let size = 0;
    let truncated = false;
    try {
      for await (const b of asked.stdout) {
        // read to the end in any case: the answer's end marker comes after the output
        if (size + b.length > max) {
          truncated = true;
          if (max > size) parts.push(b.subarray(0, max - size));
          size = max;
          continue;
        }
        parts.push(b);
        size += b.length;
      }
    } catch (e) {
      if (!asked.timedOutHere()) {
        await asked.finish().catch(() => undefined);
        throw e;
      }
    }
    const end = await asked.finish();
    return this.result(end.status, Buffer.concat(parts, size).toString('utf8'), end.stderr, truncated, end.timedOut);
  }

  runLines(program: string, args: readonly string[], options: LineStreamOptions = {}): StreamedRun {
    const argv = remoteArgv(program, args, options.env);
    let settle!: (r: RunResult) => void;
    let fail!: (e: unknown) => void;
    const done = new Promise<RunResult>((resolve, reject) => {
      settle = resolve;
      fail = reject;
    });
    done.catch(() => undefined); // the caller may only read lines; it still sees the error there
    const self = this;
    async function* lines(): AsyncGenerator<Line> {
      let asked: Asked;
      try {
        asked = await self.begin(argv, options);
      } catch (e) {
        fail(e);
        throw e;
      }
      let complete = false;
      try {
        yield* splitLines(asked.stdout, options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
        complete = true;
      } catch (e) {
        if (!asked.timedOutHere()) {
          fail(e);
          await asked.finish().catch(() => undefined);
          throw e;
        }
        complete = true;
      } finally {
        if (!complete) {
          // the caller stopped reading: the session is ended, the program gets SIGPIPE
          await asked.finish(true).then(
            (end) => settle(self.result(end.status, '', end.stderr, false, end.timedOut)),
            (e: unknown) => fail(e),
          );
        }
      }
      try {
        const end = await asked.finish();
        settle(self.result(end.status, '', end.stderr, false, end.timedOut));
      } catch (e) {
        fail(e);
        throw e;
      }
    }
    return { lines: lines(), done };
  }

  /** A remote reader's bytes; after the last one, its exit decides between done and an error. */
  private async *readRemote(argv: string[], path: string, gzip: boolean, what: string): AsyncGenerator<Buffer> {
    const asked = await this.begin(argv, {});
    const gunzip = gzip ? createGunzip({ chunkSize: READ_CHUNK_BYTES }) : null;
    const source: Readable = gunzip ? pipeline(Readable.from(asked.stdout), gunzip, () => undefined) : Readable.from(asked.stdout);
    let complete = false;
    try {
      for await (const chunk of source) yield chunk as Buffer;
      complete = true;
    } finally {
      if (!complete) {
        gunzip?.destroy();
        source.destroy();
      }
      const end = await asked.finish(!complete).catch((e: unknown) => (complete ? Promise.reject(e) : null));
      if (complete && end && end.status !== 0) throw new RemoteFileError(errnoOf(end.stderr) ?? 'EIO', path, `${this.name}: ${what}`);
    }
  }

  async *readLines(path: string, options: { maxLineBytes?: number } = {}): AsyncIterable<Line> {
    yield* splitLines(this.readRemote(remoteArgv('cat', catArgs(path).slice(1)), path, path.endsWith('.gz'), 'cannot read'), options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
  }

  private async caps(): Promise<RemoteCaps> {
    await this.connect();
    return this.first!.caps;
  }

  async *readChunks(path: string): AsyncIterable<Buffer> {
    const caps = await this.caps();
    if (!caps.ddNoFollow) throw new RemoteFileError('ENOTSUP', path, `${this.name}: the remote dd has no iflag=nofollow (GNU coreutils >= 5.3 needed) to read without following a symlink:`);
    const [program, ...args] = noFollowReadArgs(path, caps.ddStatusNone);
    yield* this.readRemote(remoteArgv(program!, args), path, path.endsWith('.gz'), 'cannot read');
  }

  async *grepLines(path: string, needles: readonly string[], options: { maxLineBytes?: number } = {}): AsyncIterable<NumberedLine> {
    const max = (options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES) + GREP_PREFIX_BYTES;
    const kept = this.greps.get(path);
    if (kept && kept.needles === needleKey(needles) && kept.maxLineBytes === max) {
      yield* kept.lines;
      if (kept.error) throw new RemoteFileError(kept.error, path, `${this.name}: cannot read`);
      return;
    }
    await this.grepCaps(path);
    for await (const e of this.grepMany([path], needles, max)) {
      if (e.type === 'line') yield { lineNo: e.lineNo, text: e.text, cut: e.cut };
      else if (e.error) throw new RemoteFileError(e.error, path, `${this.name}: cannot read`);
    }
  }

  /** Filtering needs dd iflag=nofollow, zcat -f and grep -a -n -F on the far side. */
  private async grepCaps(path: string): Promise<void> {
    const caps = await this.caps();
    if (!caps.ddNoFollow || !caps.zcat || !caps.grep) {
      // the caller's fallback is readChunks, which says what is missing when it is dd
      const missing = [!caps.ddNoFollow && 'dd iflag=nofollow', !caps.zcat && 'zcat -f', !caps.grep && 'grep -a -n -F'].filter(Boolean).join(', ');
      throw new RemoteFileError('ENOTSUP', path, `${this.name}: the remote side lacks ${missing} for filtering`);
    }
  }

  /**
   * Files filtered in one remote run (GREP_MANY_SCRIPT): each file's lines, then its end
   * with the errno class of its failure (null: read to the end). `maxLineBytes` counts
   * grep's "N:" prefix.
   */
  private async *grepMany(paths: readonly string[], needles: readonly string[], maxLineBytes: number): AsyncGenerator<GrepManyItem> {
    const caps = await this.caps();
    const [program, ...args] = grepManyArgs(paths, needles, caps.ddStatusNone);
    const asked = await this.begin(remoteArgv(program!, args), {});
    const parser = new GrepManyParser(maxLineBytes);
    let file = 0;
    let complete = false;
    try {
      for await (const chunk of asked.stdout) {
        for (const e of parser.push(chunk)) {
          if (e.type === 'line') yield { ...e, file };
          else yield { type: 'end', file: file++, error: e.status === 0 || e.status === 1 ? null : (errnoOf(e.stderr) ?? 'EIO') };
        }
      }
      parser.end();
      complete = true;
    } finally {
      const end = await asked.finish(!complete).catch((e: unknown) => (complete ? Promise.reject(e) : null));
      if (complete && end && (end.status !== 0 || file !== paths.length)) {
        // the script ends with its last trailer's printf: anything else is a broken run
        throw new RemoteFileError(errnoOf(end.stderr) ?? 'EIO', paths[file] ?? paths[0] ?? '', `${this.name}: cannot read`);
      }
    }
  }

  /**
   * One remote run for all these files (in slices that keep the command line short); each
   * file's lines and error are kept for grepLines with the same needles. At most
   * GREP_CACHE_MAX_BYTES of lines are kept: the files past that are not kept and are read
   * one by one when asked.
   */
  async prefetchGreps(paths: readonly string[], needles: readonly string[], options: { maxLineBytes?: number } = {}): Promise<void> {
    const max = (options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES) + GREP_PREFIX_BYTES;
    const wanted = [...new Set(paths)].filter((p) => p !== '' && this.greps.get(p) === undefined);
    if (wanted.length === 0 || needles.length === 0) return;
    try {
      await this.grepCaps(wanted[0]!);
      let budget = GREP_CACHE_MAX_BYTES;
      for (const part of slices(wanted)) {
        let lines: NumberedLine[] = [];
        let over = budget <= 0;
        for await (const e of this.grepMany(part, needles, max)) {
          if (e.type === 'line') {
            budget -= e.text.length + 32;
            if (budget < 0) over = true;
            if (!over) lines.push({ lineNo: e.lineNo, text: e.text, cut: e.cut });
            continue;
          }
          if (!over) this.greps.set(part[e.file]!, { needles: needleKey(needles), maxLineBytes: max, lines, error: e.error });
          lines = [];
        }
      }
    } catch {
      // a hint: grepLines asks again and reports what went wrong
    }
  }

  async stat(path: string): Promise<FileInfo | null> {
    let cached = this.listed.lookup(path);
    if (cached !== undefined) return cached;
    if (this.pendingStats.has(path)) {
      // announced earlier: asked now together with the others announced
      await this.prefetch({ stat: [path] });
      cached = this.listed.lookup(path);
      if (cached !== undefined) return cached;
    }
    const caps = await this.caps();
    const [program, ...args] = caps.findPrintf ? findStatArgs(path) : statArgs(path);
    const r = await this.run(program!, args, { timeoutMs: 60_000, maxOutputBytes: 4096 });
    if (r.code === 0) {
      const info = caps.findPrintf ? parseFindStat(path, r.stdout) : parseStat(path, r.stdout);
      if (!info) throw new RemoteFileError('EIO', path, `${this.name}: stat printed something unexpected for`);
      return info;
    }
    const code = errnoOf(r.stderr) ?? 'EIO';
    if (code === 'ENOENT') return null;
    throw new RemoteFileError(code, path, `${this.name}: cannot stat`);
  }

  async list(dir: string): Promise<string[]> {
    const known = this.listings.get(dirKey(dir));
    if (known) return [...known];
    const caps = await this.caps();
    if (!caps.findPrintf) throw new RemoteFileError('ENOTSUP', dir, `${this.name}: the remote find has no -printf (GNU findutils needed) to list`);
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

  /**
   * One `find` for all the stats, one for all the listings (in slices that keep the
   * command line short), instead of a round trip each. Only what find answered without
   * doubt is kept: a path with no record counts as missing only when every line on
   * stderr says "No such file or directory" and there is one per missing path; a
   * directory with no entries only when find said nothing on stderr at all. The rest is
   * asked again by stat()/list(), which then give the exact error. Output past 16 MiB
   * (a huge queue's hash directories) is dropped: list() reads those one by one.
   */
  async prefetch(what: { stat?: readonly string[]; list?: readonly string[]; withNext?: boolean }): Promise<void> {
    if (what.withNext) {
      for (const p of what.stat ?? []) if (this.pendingStats.size < PREFETCH_SLICE_PATHS) this.pendingStats.add(p);
      return;
    }
    const pending = [...this.pendingStats];
    this.pendingStats.clear();
    try {
      const caps = await this.caps();
      if (!caps.findPrintf) return;
      const stats = [...new Set([...(what.stat ?? []), ...pending])].filter((p) => p !== '' && this.listed.lookup(p) === undefined);
      const dirs = [...new Set(what.list ?? [])].filter((d) => d !== '' && this.listings.get(dirKey(d)) === undefined);
      // a single path costs the same round trip either way
      if (stats.length > 1) for (const part of slices(stats)) await this.prefetchStats(part);
      if (dirs.length > 1) for (const part of slices(dirs)) await this.prefetchLists(part);
    } catch {
      // a hint: stat() and list() ask again and report what went wrong
    }
  }

  private async prefetchStats(paths: string[]): Promise<void> {
    const [program, ...args] = findStatManyArgs(paths);
    const r = await this.run(program!, args, { timeoutMs: 60_000, maxOutputBytes: PREFETCH_MAX_BYTES });
    if (r.truncated || r.spawnError || r.timedOut) return;
    const found = parseStatMany(paths, r.stdout);
    for (const [path, info] of found) this.listed.set(path, info);
    const missing = paths.filter((p) => !found.has(p));
    const complaints = r.stderr.split('\n').filter((l) => l !== '');
    if (missing.length > 0 && complaints.length === missing.length && complaints.every((l) => errnoOf(l) === 'ENOENT')) {
      for (const p of missing) this.listed.set(p, null);
    }
  }

  private async prefetchLists(dirs: string[]): Promise<void> {
    const [program, ...args] = listManyArgs(dirs);
    const r = await this.run(program!, args, { timeoutMs: 120_000, maxOutputBytes: PREFETCH_MAX_BYTES });
    if (r.truncated || r.spawnError || r.timedOut) return;
    const quiet = r.stderr.trim() === '';
    for (const [dir, entries] of parseListMany(dirs, r.stdout)) {
      if (!quiet && entries.length === 0) continue;
      this.keepListing(dir, entries);
    }
  }

  private keepListing(dir: string, entries: ListedEntry[]): void {
    for (const e of entries) if (e.info) this.listed.set(e.info.path, e.info);
    this.listings.set(dirKey(dir), entries.map((e) => e.name));
  }

  async effectiveUid(): Promise<number> {
    await this.connect();
    return this.first?.uid ?? -1;
  }
}

const REQUEST_LOG_MAX = 1000;

/** room for grep's "NNN:" prefix on top of the caller's line limit */
const GREP_PREFIX_BYTES = 24;
/**
 * A grep prefetch serves the scan's stages that read the same logs one after another (the
 * web stage, then the loopback stage): longer than a stat's few seconds. A log keeps
 * growing meanwhile; its lines in the window (minutes before queued mail) are there already.
 */
const GREP_CACHE_TTL_MS = 120_000;
/** matching lines a grep prefetch keeps at most (about; text length plus overhead) */
const GREP_CACHE_MAX_BYTES = 32 * 1024 * 1024;

interface GrepResult {
  needles: string;
  maxLineBytes: number;
  lines: NumberedLine[];
  /** the errno class of the file's failure, after its lines; null: read to the end */
  error: string | null;
}

type GrepManyItem = { type: 'line'; file: number; lineNo: number; text: string; cut: boolean } | { type: 'end'; file: number; error: string | null };

function needleKey(needles: readonly string[]): string {
  return needles.join('\0');
}

/** A request's argv without the env(1) prefix, as one short printable line. */
function describeRequest(argv: readonly string[]): string {
  let i = argv[0] === 'env' ? 1 : 0;
  while (i < argv.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(argv[i]!)) i++;
  const words = argv.slice(i).map((a) => (a.length > 40 ? `${a.slice(0, 37)}...` : a));
  return JSON.stringify(words).slice(0, 300);
}

const PREFETCH_MAX_BYTES = 16 * 1024 * 1024;
/** paths per prefetching find: far below any ARG_MAX, and a sane request size */
const PREFETCH_SLICE_PATHS = 256;
const PREFETCH_SLICE_BYTES = 64 * 1024;

function* slices(paths: string[]): Generator<string[]> {
  let part: string[] = [];
  let bytes = 0;
  for (const p of paths) {
    if (part.length > 0 && (part.length >= PREFETCH_SLICE_PATHS || bytes + p.length > PREFETCH_SLICE_BYTES)) {
      yield part;
      part = [];
      bytes = 0;
    }
    part.push(p);
    bytes += p.length + 1;
  }
  if (part.length > 0) yield part;
}

/** A directory's key in the listing cache: its path without trailing slashes ("/" stays). */
function dirKey(dir: string): string {
  return dir.replace(/\/+$/, '') || '/';
}

interface Asked {
  stdout: AsyncIterable<Buffer>;
  /** the local guard ended the session (the remote limit did not answer in time) */
  timedOutHere(): boolean;
  /** wait for the end (or end the request when `abandon`), free the session */
  finish(abandon?: boolean): Promise<{ status: number; stderr: string; timedOut: boolean }>;
}
