/**
 * Minimal SMTP submission client for the lab (node:net only): EHLO, XCLIENT, AUTH LOGIN/PLAIN,
 * many messages per connection with PIPELINING. Talks to 127.0.0.1 only.
 */
import * as net from 'node:net';

export interface SmtpReply {
  code: number;
  lines: string[];
  /** lines joined with a space, codes stripped */
  text: string;
}

export interface XclientAttrs {
  addr: string;
  name?: string;
  helo?: string;
  /** other XCLIENT attributes (PROTO, REVERSE_NAME, PORT, LOGIN, DESTADDR, ...) */
  extra?: Record<string, string>;
}

export interface SessionOptions {
  host: string;
  port: number;
  /** EHLO name before XCLIENT (and the only one if there is no XCLIENT) */
  ehlo: string;
  xclient?: XclientAttrs;
  auth?: { user: string; password: string; mechanism?: 'LOGIN' | 'PLAIN' };
  timeoutMs?: number;
}

export interface OutgoingMessage {
  from: string;
  to: readonly string[];
  /** complete message (headers, blank line, body); LF or CRLF line ends */
  data: string;
}

export interface SendResult {
  ok: boolean;
  queueId?: string;
  acceptedRecipients: number;
  /** the first failing reply, if any */
  error?: string;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/** XCLIENT values are xtext (RFC 1891): '+', '=', controls and non-ASCII become +HH. */
export function xtext(value: string): string {
  let out = '';
  for (const ch of Buffer.from(value, 'utf8')) {
    if (ch < 33 || ch > 126 || ch === 0x2b || ch === 0x3d) out += '+' + ch.toString(16).toUpperCase().padStart(2, '0');
    else out += String.fromCharCode(ch);
  }
  return out;
}

export function dotStuff(data: string): string {
  const lines = data.replace(/\r?\n/g, '\n').split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => (l.startsWith('.') ? '.' + l : l)).join('\r\n') + '\r\n.\r\n';
}

export class SmtpError extends Error {
  constructor(
    message: string,
    readonly reply?: SmtpReply,
  ) {
    super(message);
  }
}

export class SmtpSession {
  private buf = '';
  private pending: SmtpReply[] = [];
  private partial: string[] = [];
  private waiters: Array<{ resolve: (r: SmtpReply) => void; reject: (e: Error) => void }> = [];
  private failure: Error | undefined;
  capabilities = new Set<string>();
  authenticated = false;

  private constructor(private readonly sock: net.Socket) {
    sock.setEncoding('latin1');
    sock.on('data', (s: string) => this.onData(s));
    sock.on('error', (e) => this.fail(e));
    sock.on('close', () => this.fail(new Error('connection closed by server')));
  }

  static connect(host: string, port: number, timeoutMs = 30000): Promise<SmtpSession> {
    if (!LOOPBACK.test(host)) return Promise.reject(new Error(`lab smtp client: refusing non-loopback host ${host}`));
    return new Promise((resolve, reject) => {
      const sock = net.connect({ host, port });
      sock.setTimeout(timeoutMs, () => sock.destroy(new Error(`SMTP timeout after ${timeoutMs} ms`)));
      sock.once('error', reject);
      sock.once('connect', () => {
        sock.off('error', reject);
        resolve(new SmtpSession(sock));
      });
    });
  }

  private onData(s: string): void {
    this.buf += s;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl).replace(/\r$/, '');
      this.buf = this.buf.slice(nl + 1);
      this.partial.push(line);
      if (line.length < 4 || line[3] !== '-') {
        const code = Number(line.slice(0, 3));
        const lines = this.partial;
        this.partial = [];
        const reply: SmtpReply = { code, lines, text: lines.map((l) => l.slice(4)).join(' ') };
        const w = this.waiters.shift();
        if (w) w.resolve(reply);
        else this.pending.push(reply);
      }
    }
  }

  private fail(e: Error): void {
    if (!this.failure) this.failure = e;
    for (const w of this.waiters.splice(0)) w.reject(e);
  }

  read(): Promise<SmtpReply> {
    const r = this.pending.shift();
    if (r) return Promise.resolve(r);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  write(text: string): void {
    this.sock.write(text, 'latin1');
  }

  async command(line: string, expect?: number): Promise<SmtpReply> {
    this.write(line + '\r\n');
    const r = await this.read();
    if (expect !== undefined && Math.floor(r.code / 100) !== Math.floor(expect / 100)) {
      throw new SmtpError(`${line.split(' ')[0]} failed: ${r.lines.join(' / ')}`, r);
    }
    return r;
  }

  private async ehlo(name: string): Promise<void> {
    const r = await this.command(`EHLO ${name}`, 250);
    this.capabilities = new Set(r.lines.slice(1).map((l) => l.slice(4).toUpperCase()));
  }

  hasCapability(prefix: string): boolean {
    for (const c of this.capabilities) if (c === prefix || c.startsWith(prefix + ' ')) return true;
    return false;
  }

  /** Greeting, EHLO, XCLIENT (+ new greeting + EHLO), AUTH. */
  static async open(opts: SessionOptions): Promise<SmtpSession> {
    const s = await SmtpSession.connect(opts.host, opts.port, opts.timeoutMs);
    try {
      const greet = await s.read();
      if (greet.code !== 220) throw new SmtpError(`greeting: ${greet.lines.join(' / ')}`, greet);
      await s.ehlo(opts.ehlo);
      if (opts.xclient) {
        if (!s.hasCapability('XCLIENT')) throw new SmtpError('server does not offer XCLIENT (smtpd_authorized_xclient_hosts?)');
        const attrs: string[] = [`ADDR=${xtext(opts.xclient.addr)}`];
        if (opts.xclient.name !== undefined) attrs.push(`NAME=${xtext(opts.xclient.name)}`);
        if (opts.xclient.helo !== undefined) attrs.push(`HELO=${xtext(opts.xclient.helo)}`);
        for (const [k, v] of Object.entries(opts.xclient.extra ?? {})) attrs.push(`${k}=${xtext(v)}`);
        const r = await s.command(`XCLIENT ${attrs.join(' ')}`);
        if (r.code !== 220) throw new SmtpError(`XCLIENT failed: ${r.lines.join(' / ')}`, r);
        await s.ehlo(opts.xclient.helo ?? opts.ehlo);
      }
      if (opts.auth) await s.authenticate(opts.auth.user, opts.auth.password, opts.auth.mechanism ?? 'LOGIN');
      return s;
    } catch (e) {
      s.destroy();
      throw e;
    }
  }

  async authenticate(user: string, password: string, mechanism: 'LOGIN' | 'PLAIN'): Promise<void> {
    const b64 = (x: string) => Buffer.from(x, 'utf8').toString('base64');
    let r: SmtpReply;
    if (mechanism === 'PLAIN') {
      r = await this.command(`AUTH PLAIN ${b64(`\0${user}\0${password}`)}`);
    } else {
      await this.command('AUTH LOGIN', 334);
      await this.command(b64(user), 334);
      r = await this.command(b64(password));
    }
    if (r.code !== 235) throw new SmtpError(`AUTH ${mechanism} failed: ${r.lines.join(' / ')}`, r);
    this.authenticated = true;
  }

  /** One message, MAIL/RCPT/DATA pipelined when the server offers PIPELINING. */
  async send(msg: OutgoingMessage): Promise<SendResult> {
    const pipelining = this.hasCapability('PIPELINING');
    const cmds = [`MAIL FROM:<${msg.from}>`, ...msg.to.map((t) => `RCPT TO:<${t}>`), 'DATA'];
    const replies: SmtpReply[] = [];
    if (pipelining) {
      this.write(cmds.map((c) => c + '\r\n').join(''));
      for (let i = 0; i < cmds.length; i++) replies.push(await this.read());
    } else {
      for (const c of cmds) {
        const r = await this.command(c);
        replies.push(r);
        if (c.startsWith('MAIL') && r.code !== 250) break;
      }
    }
    const mail = replies[0];
    const rcptReplies = replies.slice(1, 1 + msg.to.length);
    const accepted = rcptReplies.filter((r) => Math.floor(r.code / 100) === 2).length;
    const dataReply = replies[1 + msg.to.length];
    const firstError = replies.find((r) => r.code >= 400);
    if (!dataReply || dataReply.code !== 354) {
      if (mail && mail.code === 250) await this.command('RSET');
      return { ok: false, acceptedRecipients: accepted, error: firstError ? `${firstError.code} ${firstError.text}` : 'DATA not accepted' };
    }
    this.write(dotStuff(msg.data));
    const end = await this.read();
    if (end.code !== 250) return { ok: false, acceptedRecipients: accepted, error: `${end.code} ${end.text}` };
    const m = /queued as ([0-9A-Za-z]+)/.exec(end.text);
    const res: SendResult = { ok: true, acceptedRecipients: accepted };
    if (m && m[1]) res.queueId = m[1];
    if (firstError) res.error = `${firstError.code} ${firstError.text}`;
    return res;
  }

  async quit(): Promise<void> {
    try {
      await this.command('QUIT');
    } catch {
      /* server may close first */
    }
    this.destroy();
  }

  destroy(): void {
    this.sock.destroy();
  }
}
