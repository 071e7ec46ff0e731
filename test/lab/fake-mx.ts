/**
 * Fake MX: a small SMTP server (node:net only) listening on several 127.0.0.1 ports, one
 * persona per port (see personas.ts). It never relays anything: mail it accepts is counted
 * and discarded.
 *
 * In-process:   const mx = await startFakeMx(); ...; mx.counts(); await mx.close();
 * Background:   node dist/test/lab/fake-mx.js [--pidfile FILE] [--status FILE] [--only aol,yahoo]
 *               writes FILE (JSON counts per persona) at most twice a second; SIGTERM stops it.
 */
import * as net from 'node:net';
import { promises as fs, writeFileSync, renameSync, unlinkSync } from 'node:fs';
import * as path from 'node:path';
import { FAKE_MX_HOST, PERSONAS, formatReply, type Persona, type PersonaReply } from './personas';

export interface PersonaCounts {
  connections: number;
  /** connections refused with a non-220 greeting */
  refused: number;
  ehlo: number;
  mailFrom: number;
  rcptAccepted: number;
  rcptRejected: number;
  /** messages whose DATA was accepted (and discarded) */
  messages: number;
  /** bytes of accepted message content (after dot-unstuffing) */
  bytes: number;
  quit: number;
  /** last few recipients seen in RCPT TO (accepted or not), newest last */
  recentRecipients: string[];
}

export interface FakeMxStatus {
  pid: number;
  startedAt: string;
  updatedAt: string;
  host: string;
  personas: Record<string, { port: number; counts: PersonaCounts }>;
}

export interface FakeMx {
  readonly host: string;
  readonly ports: Record<string, number>;
  counts(): Record<string, PersonaCounts>;
  status(): FakeMxStatus;
  reset(): void;
  close(): Promise<void>;
}

export interface FakeMxOptions {
  personas?: readonly Persona[];
  host?: string;
  /** if set, JSON status is written here (atomically) whenever counts change, at most every 500 ms */
  statusFile?: string;
  /** called for each protocol event, for debugging */
  log?: (line: string) => void;
}

const RECENT = 20;
const MAX_LINE = 64 * 1024;
const MAX_MESSAGE = 60 * 1024 * 1024;
const IDLE_MS = 5 * 60 * 1000;

function emptyCounts(): PersonaCounts {
  return { connections: 0, refused: 0, ehlo: 0, mailFrom: 0, rcptAccepted: 0, rcptRejected: 0, messages: 0, bytes: 0, quit: 0, recentRecipients: [] };
}

function angle(arg: string): string {
  const m = /<([^>]*)>/.exec(arg);
  return (m ? m[1] : arg.trim().split(/\s+/)[0] ?? '') ?? '';
}

let queueIdCounter = 0;

function serve(sock: net.Socket, p: Persona, counts: PersonaCounts, changed: () => void, log?: (l: string) => void): void {
  const peer = (sock.remoteAddress ?? '').replace(/^::ffff:/, '');
  let buf: Buffer = Buffer.alloc(0);
  let inData = false;
  let dataBytes = 0;
  let rcpts: string[] = [];
  let haveMail = false;
  let closed = false;

  counts.connections++;
  changed();
  sock.setTimeout(IDLE_MS, () => sock.destroy());
  sock.on('error', () => undefined);
  sock.on('close', () => {
    closed = true;
  });

  const write = (text: string) => {
    if (!closed) sock.write(text);
  };
  const reply = (r: PersonaReply, vars: Record<string, string> = {}): boolean => {
    write(formatReply(r, { peer, ...vars }));
    if (r.close) {
      closed = true;
      sock.end();
      return false;
    }
    return true;
  };

  if (p.banner && p.banner.code !== 220) {
    counts.refused++;
    changed();
    log?.(`${p.name}: refused ${peer}`);
    reply({ ...p.banner, close: true });
    return;
  }
  write(p.banner ? formatReply(p.banner, { peer }) : `220 mx-${p.name}.fake-mx.test ESMTP fake-mx (${p.name})\r\n`);

  const command = (line: string): boolean => {
    const verb = line.slice(0, 4).toUpperCase();
    const arg = line.slice(4).trim();
    switch (verb) {
      case 'EHLO':
        counts.ehlo++;
        write(`250-mx-${p.name}.fake-mx.test\r\n250-PIPELINING\r\n250-SIZE 52428800\r\n250-8BITMIME\r\n250 ENHANCEDSTATUSCODES\r\n`);
        return true;
      case 'HELO':
        counts.ehlo++;
        write(`250 mx-${p.name}.fake-mx.test\r\n`);
        return true;
      case 'MAIL':
        if (!/^FROM:/i.test(arg)) {
          write('501 5.5.4 Syntax: MAIL FROM:<address>\r\n');
          return true;
        }
        if (haveMail) {
          write('503 5.5.1 Error: nested MAIL command\r\n');
          return true;
        }
        haveMail = true;
        rcpts = [];
        counts.mailFrom++;
        write('250 2.1.0 Ok\r\n');
        return true;
      case 'RCPT': {
        if (!haveMail) {
          write('503 5.5.1 Error: need MAIL command\r\n');
          return true;
        }
        const rcpt = angle(arg.replace(/^TO:/i, ''));
        counts.recentRecipients.push(rcpt);
        if (counts.recentRecipients.length > RECENT) counts.recentRecipients.shift();
        if (p.rcpt && Math.floor(p.rcpt.code / 100) !== 2) {
          counts.rcptRejected++;
          log?.(`${p.name}: reject RCPT ${rcpt}`);
          return reply(p.rcpt, { rcpt, domain: rcpt.includes('@') ? rcpt.slice(rcpt.lastIndexOf('@') + 1) : '' });
        }
        counts.rcptAccepted++;
        rcpts.push(rcpt);
        if (p.rcpt) return reply(p.rcpt, { rcpt });
        write('250 2.1.5 Ok\r\n');
        return true;
      }
      case 'DATA':
        if (!haveMail) {
          write('503 5.5.1 Error: need RCPT command\r\n');
          return true;
        }
        if (rcpts.length === 0) {
          write('554 5.5.1 Error: no valid recipients\r\n');
          return true;
        }
        if (p.data && p.data.code !== 354) {
          const ok = reply(p.data);
          haveMail = false;
          rcpts = [];
          return ok;
        }
        inData = true;
        dataBytes = 0;
        write('354 End data with <CR><LF>.<CR><LF>\r\n');
        return true;
      case 'RSET':
        haveMail = false;
        rcpts = [];
        write('250 2.0.0 Ok\r\n');
        return true;
      case 'NOOP':
        write('250 2.0.0 Ok\r\n');
        return true;
      case 'VRFY':
        write('252 2.0.0 Send some mail, I\'ll try my best\r\n');
        return true;
      case 'QUIT':
        counts.quit++;
        write('221 2.0.0 Bye\r\n');
        closed = true;
        sock.end();
        return false;
      default:
        write('502 5.5.2 Error: command not recognized\r\n');
        return true;
    }
  };

  const endOfData = (): boolean => {
    inData = false;
    haveMail = false;
    const n = rcpts.length;
    rcpts = [];
    if (p.endOfData && Math.floor(p.endOfData.code / 100) !== 2) return reply(p.endOfData);
    counts.messages++;
    counts.bytes += dataBytes;
    log?.(`${p.name}: accepted message for ${n} recipient(s), ${dataBytes} bytes`);
    queueIdCounter = (queueIdCounter + 1) % 0xfffff;
    if (p.endOfData) return reply(p.endOfData);
    write(`250 2.0.0 Ok: queued as FAKE${p.port}${queueIdCounter.toString(16).toUpperCase().padStart(5, '0')}\r\n`);
    return true;
  };

  sock.on('data', (chunk: Buffer) => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    let start = 0;
    for (;;) {
      if (closed) return;
      const nl = buf.indexOf(0x0a, start);
      if (nl < 0) break;
      let end = nl;
      if (end > start && buf[end - 1] === 0x0d) end--;
      const raw = buf.subarray(start, end);
      start = nl + 1;
      if (inData) {
        if (raw.length === 1 && raw[0] === 0x2e) {
          if (!endOfData()) return;
          changed();
        } else {
          // dot-stuffing: a leading dot was doubled by the client
          const len = raw.length > 0 && raw[0] === 0x2e ? raw.length - 1 : raw.length;
          dataBytes += len + 2;
          if (dataBytes > MAX_MESSAGE) {
            write('552 5.3.4 Error: message file too big\r\n');
            sock.destroy();
            return;
          }
        }
        continue;
      }
      const keepOpen = command(raw.toString('latin1'));
      changed();
      if (!keepOpen) return;
    }
    buf = buf.subarray(start);
    if (!inData && buf.length > MAX_LINE) {
      write('500 5.5.0 Error: line too long\r\n');
      sock.destroy();
    }
  });
}

export async function startFakeMx(opts: FakeMxOptions = {}): Promise<FakeMx> {
  const personas = opts.personas ?? PERSONAS;
  const host = opts.host ?? FAKE_MX_HOST;
  const startedAt = new Date().toISOString();
  const counts: Record<string, PersonaCounts> = {};
  const ports: Record<string, number> = {};
  const servers: net.Server[] = [];
  const sockets = new Set<net.Socket>();
  let dirty = false;
  let timer: NodeJS.Timeout | undefined;

  const status = (): FakeMxStatus => {
    const personasOut: FakeMxStatus['personas'] = {};
    for (const p of personas) personasOut[p.name] = { port: ports[p.name] ?? p.port, counts: counts[p.name] ?? emptyCounts() };
    return { pid: process.pid, startedAt, updatedAt: new Date().toISOString(), host, personas: personasOut };
  };
  const flush = () => {
    timer = undefined;
    if (!opts.statusFile || !dirty) return;
    dirty = false;
    const tmp = `${opts.statusFile}.tmp`;
    try {
      writeFileSync(tmp, JSON.stringify(status(), null, 2) + '\n');
      renameSync(tmp, opts.statusFile);
    } catch (e) {
      opts.log?.(`status write failed: ${(e as Error).message}`);
    }
  };
  const changed = () => {
    dirty = true;
    if (opts.statusFile && !timer) timer = setTimeout(flush, 500);
  };

  try {
    for (const p of personas) {
      counts[p.name] = emptyCounts();
      const c = counts[p.name] as PersonaCounts;
      const server = net.createServer((sock) => {
        sockets.add(sock);
        sock.on('close', () => sockets.delete(sock));
        serve(sock, p, c, changed, opts.log);
      });
      server.maxConnections = 1000;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host, port: p.port, exclusive: true }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const addr = server.address();
      ports[p.name] = typeof addr === 'object' && addr ? addr.port : p.port;
      servers.push(server);
    }
  } catch (e) {
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    throw e;
  }
  dirty = true;
  flush();

  return {
    host,
    ports,
    counts: () => JSON.parse(JSON.stringify(counts)) as Record<string, PersonaCounts>,
    status,
    reset: () => {
      for (const k of Object.keys(counts)) counts[k] = emptyCounts();
      changed();
    },
    close: async () => {
      if (timer) clearTimeout(timer);
      dirty = true;
      flush();
      const closing = Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
      // connections Postfix keeps cached would hold close() open
      for (const sock of sockets) sock.destroy();
      await closing;
    },
  };
}

async function main(argv: string[]): Promise<void> {
  let pidfile: string | undefined;
  let statusFile: string | undefined;
  let only: string[] | undefined;
  let verbose = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--pidfile') pidfile = argv[++i];
    else if (a === '--status') statusFile = argv[++i];
    else if (a === '--only') only = (argv[++i] ?? '').split(',');
    else if (a === '--verbose') verbose = true;
    else {
      process.stderr.write(`fake-mx: unknown argument ${a}\nusage: fake-mx [--pidfile FILE] [--status FILE] [--only p1,p2] [--verbose]\n`);
      process.exit(2);
    }
  }
  const personas = only ? PERSONAS.filter((p) => only?.includes(p.name)) : PERSONAS;
  const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  const opts: FakeMxOptions = { personas };
  if (statusFile) opts.statusFile = statusFile;
  if (verbose) opts.log = log;
  const mx = await startFakeMx(opts);
  if (pidfile) {
    await fs.mkdir(path.dirname(pidfile), { recursive: true });
    await fs.writeFile(pidfile, `${process.pid}\n`);
  }
  log(`fake-mx pid ${process.pid} listening on ${mx.host}: ${personas.map((p) => `${p.name}=${mx.ports[p.name]}`).join(' ')}`);
  const stop = (sig: string) => {
    log(`fake-mx: ${sig}, stopping`);
    const forced = setTimeout(() => process.exit(0), 3000);
    forced.unref();
    void mx.close().then(() => {
      if (pidfile) {
        try {
          unlinkSync(pidfile);
        } catch {
          /* already gone */
        }
      }
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => {
    log('fake-mx: SIGHUP, counters reset');
    mx.reset();
  });
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`fake-mx: ${(e as Error).message}\n`);
    process.exit(1);
  });
}
