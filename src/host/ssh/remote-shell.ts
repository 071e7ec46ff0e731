/**
 * One SSH session running the agent (agent-script.ts): started once, then one request
 * at a time. An answer's stdout is handed out as a byte stream with backpressure; a
 * reader that stops early, a local time limit or a broken stream end the session (the
 * pool starts another when needed), because the rest of an answer cannot be skipped
 * without reading it.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { agentScript, AGENT_COMMAND, encodeRequest, parseBanner, type AgentBanner } from './agent-script';
import { FrameReader } from './frame-reader';
import { classifySshFailure, printableSsh, SshError } from './ssh-errors';

const MAX_SSH_STDERR = 64 * 1024;
/** a stream reader this far behind pauses the session */
const HIGH_WATER_BYTES = 4 * 1024 * 1024;

export interface ShellRequest {
  argv: readonly string[];
  seconds: number;
  viaFile: boolean;
  input?: string | Buffer;
}

export interface ShellAnswer {
  /** the program's stdout, in order; ends when the answer is complete */
  stdout: AsyncIterable<Buffer>;
  /** status and stderr; rejects with an SshError when the session broke */
  done: Promise<{ status: number; stderr: string }>;
  /** stop reading: ends the session (the remote program gets SIGPIPE) */
  abort(): void;
  /**
   * stop reading but keep the session: the rest of the answer is read and dropped (a
   * new session costs a login shell's start-up); past a few MiB or seconds it is ended.
   */
  drain(): void;
}

const DRAIN_MAX_BYTES = 16 * 1024 * 1024;
const DRAIN_MAX_MS = 20_000;

export class RemoteShell {
  private child: ChildProcessWithoutNullStreams | null = null;
  private readonly frames = new FrameReader();
  private sshStderr = '';
  private dead: SshError | null = null;
  private onDeath: Array<(e: SshError) => void> = [];
  banner: AgentBanner | null = null;

  constructor(
    private readonly alias: string,
    private readonly sshProgram: string,
    private readonly argv: readonly string[],
  ) {}

  get usable(): boolean {
    return this.dead === null && this.child !== null && !this.frames.busy;
  }

  get alive(): boolean {
    return this.dead === null;
  }

  /** Start the session and wait for the agent's READY line. */
  async start(timeoutMs: number): Promise<AgentBanner> {
    const child = spawn(this.sshProgram, [...this.argv, AGENT_COMMAND], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C', LANG: 'C' } });
    this.child = child;
    child.stdin.on('error', () => undefined);
    child.stderr.on('data', (b: Buffer) => {
      if (this.sshStderr.length < MAX_SSH_STDERR) this.sshStderr += b.toString('utf8');
    });
    const boot = randomBytes(16).toString('hex');
    const bannerMark = Buffer.from(`${boot} `);
    let head = Buffer.alloc(0);
    const banner = await new Promise<AgentBanner>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.kill(new SshError('timeout', this.alias, `${this.alias}: the remote shell did not start within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      this.onDeath.push((e) => {
        clearTimeout(timer);
        reject(e);
      });
      const onData = (b: Buffer): void => {
        head = Buffer.concat([head, b]);
        const at = head.indexOf(bannerMark);
        const nl = at === -1 ? -1 : head.indexOf(0x0a, at);
        if (nl === -1) {
          // a login script that prints (motd, pyenv warnings) comes first: skip it, bounded
          if (head.length > 256 * 1024) head = head.subarray(head.length - 1024);
          return;
        }
        child.stdout.off('data', onData);
        clearTimeout(timer);
        const rest = head.subarray(nl + 1);
        const parsed = parseBanner(head.subarray(at + bannerMark.length, nl).toString('utf8'));
        if (!parsed) {
          this.kill(new SshError('config', this.alias, `${this.alias}: the remote /bin/sh did not answer as a POSIX shell: ${printableSsh(head.subarray(at, nl).toString('utf8'))}`));
          return;
        }
        if ('failed' in parsed) {
          this.kill(new SshError('config', this.alias, `${this.alias}: the remote shell could not start: ${printableSsh(parsed.failed)}`));
          return;
        }
        child.stdout.on('data', (c: Buffer) => this.onStdout(c));
        if (rest.length > 0) this.onStdout(rest);
        resolve(parsed);
      };
      child.stdout.on('data', onData);
      child.on('error', (e: NodeJS.ErrnoException) => this.kill(new SshError('config', this.alias, `${this.alias}: the ssh client could not be started (${e.code ?? e.message})`)));
      child.on('close', (code) => {
        const said = this.sshStderr;
        this.kill(
          (code === 255 ? classifySshFailure(this.alias, said) : null) ??
            new SshError('connection-lost', this.alias, `${this.alias}: the remote shell ended (exit ${code ?? 'signal'})${said ? `: ${printableSsh(said)}` : ''}`, printableSsh(said)),
        );
      });
      child.stdin.write(agentScript(boot));
    });
    this.banner = banner;
    return banner;
  }

  private onStdout(chunk: Buffer): void {
    const problem = this.frames.feed(chunk);
    if (problem) this.kill(new SshError('connection-lost', this.alias, `${this.alias}: ${problem}`));
  }

  /** End the session; everything waiting on it fails with `why`. */
  kill(why: SshError): void {
    if (this.dead) return;
    this.dead = why;
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      // closed pipes: a remote program still writing gets SIGPIPE even if the client lingers
      child.stdout.destroy();
      child.stdin.destroy();
      setTimeout(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }, 2000).unref();
    }
    for (const f of this.onDeath.splice(0)) f(why);
  }

  /** Ask the agent to leave (stdin closed: its read loop ends) and wait a little for it. */
  async close(): Promise<void> {
    const child = this.child;
    if (!child || this.dead) return;
    const exited = new Promise<void>((r) => child.once('close', () => r()));
    child.stdin.end();
    const t = setTimeout(() => this.kill(new SshError('connection-lost', this.alias, `${this.alias}: closed`)), 5000);
    await exited;
    clearTimeout(t);
    this.kill(new SshError('connection-lost', this.alias, `${this.alias}: closed`));
  }

  request(req: ShellRequest): ShellAnswer {
    const proc = this.child;
    if (!proc || this.dead || this.frames.busy) throw new Error('RemoteShell.request: the session is not free');
    const child: ChildProcessWithoutNullStreams = proc;
    const nonce = `ST${randomBytes(16).toString('hex')}`;
    const queue: Buffer[] = [];
    let queued = 0;
    let finished = false;
    let draining = false;
    let drained = 0;
    let failure: SshError | null = null;
    let wake: (() => void) | null = null;
    const notify = (): void => {
      const w = wake;
      wake = null;
      w?.();
    };
    let settle!: (v: { status: number; stderr: string }) => void;
    let fail!: (e: SshError) => void;
    const done = new Promise<{ status: number; stderr: string }>((resolve, reject) => {
      settle = resolve;
      fail = reject;
    });
    done.catch(() => undefined);
    const onDeath = (e: SshError): void => {
      failure = e;
      fail(e);
      notify();
    };
    this.onDeath.push(onDeath);
    this.frames.expect(nonce, {
      stdout: (b) => {
        if (draining) {
          drained += b.length;
          if (drained > DRAIN_MAX_BYTES) this.kill(new SshError('connection-lost', this.alias, `${this.alias}: the request was stopped`));
          return;
        }
        queue.push(Buffer.from(b));
        queued += b.length;
        if (queued > HIGH_WATER_BYTES) child.stdout.pause();
        notify();
      },
      end: (status, stderr) => {
        finished = true;
        this.onDeath = this.onDeath.filter((f) => f !== onDeath);
        settle({ status, stderr: stderr.toString('utf8') });
        notify();
      },
    });
    child.stdin.write(encodeRequest({ nonce, argv: req.argv, seconds: req.seconds, viaFile: req.viaFile, ...(req.input !== undefined ? { input: req.input } : {}) }));
    async function* stdout(): AsyncGenerator<Buffer> {
      let complete = false;
      try {
        for (;;) {
          const b = queue.shift();
          if (b) {
            queued -= b.length;
            if (queued <= HIGH_WATER_BYTES / 2 && child.stdout.isPaused()) child.stdout.resume();
            yield b;
            continue;
          }
          if (failure) throw failure;
          if (finished) {
            complete = true;
            return;
          }
          await new Promise<void>((r) => (wake = r));
        }
      } finally {
        if (!complete && !failure) drain();
      }
    }
    const drain = (): void => {
      if (finished || draining) return;
      draining = true;
      queue.length = 0;
      queued = 0;
      if (child.stdout.isPaused()) child.stdout.resume();
      const t = setTimeout(() => {
        if (!finished) this.kill(new SshError('connection-lost', this.alias, `${this.alias}: the request was stopped`));
      }, DRAIN_MAX_MS);
      t.unref();
      done.then(
        () => clearTimeout(t),
        () => clearTimeout(t),
      );
    };
    return {
      stdout: stdout(),
      done,
      abort: () => {
        if (!finished) this.kill(new SshError('connection-lost', this.alias, `${this.alias}: the request was stopped`));
      },
      drain,
    };
  }
}
