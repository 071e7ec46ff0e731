/**
 * The policy service: Postfix's smtpd asks it at END-OF-MESSAGE (smtpd_end_of_data_restrictions,
 * hooked in by the act engine's `policy-hook`), it always answers `action=DUNNO`, and for a
 * client on loopback it first looks up, in the kernel's socket table, which uid owns the client
 * end of that still-open connection. That uid, the queue ID (known at end of data: the queue
 * file was opened at the first accepted RCPT) and the envelope go to the record
 * (owner-log-writer.ts) and to `recent`, which the watcher reads to count the message under
 * `uid:N` instead of `client:127.0.0.1`.
 *
 * It never rejects and never delays mail: every request gets DUNNO, a lookup is bounded by
 * LOOKUP_TIMEOUT_MS (then DUNNO without an owner), and Postfix's side is configured with
 * `default_action=DUNNO` and a short timeout, so a stopped service costs nothing but the record.
 * The lookup happens before the answer because the client may hang up right after Postfix's
 * 250, and a closed socket has no owner any more.
 *
 * Bounds: MAX_CONNECTIONS at once (smtpd keeps one per process), idle connections closed after
 * IDLE_MS, request limits in policy-protocol.ts, `recent` capped at RECENT_MAX queue IDs.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { promises as fs } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { SmtpOwnerRecord } from '../../domain/smtp-owner';
import { isLoopbackAddress } from '../../trace/origin';
import { parseQueueId } from '../../collect/queue/queue-id';
import { DUNNO_REPLY, PolicyParser, type PolicyRequest } from './policy-protocol';
import { ownerIn, type Endpoint } from './proc-net-tcp';
import type { OwnerLogWriter } from './owner-log-writer';

export const DEFAULT_POLICY_LISTEN = { host: '127.0.0.1', port: 10029 };
const MAX_CONNECTIONS = 200;
/** Postfix closes an unused policy connection after smtpd_policy_service_max_idle (300 s) */
const IDLE_MS = 330_000;
const LOOKUP_TIMEOUT_MS = 2000;
const RECENT_MAX = 20_000;
const FIELD_MAX = 300;
const MAX_WAITING = 100;
const MAX_UNREAD = 64 * 1024;

export type TableReader = (file: '/proc/net/tcp' | '/proc/net/tcp6') => Promise<string>;

export interface PolicyServiceDeps {
  writer: OwnerLogWriter | null;
  /** the socket tables (tests give their own); default: read /proc */
  readTable?: TableReader;
  now?: () => Date;
  log?: (line: string) => void;
  /**
   * uids a policy client may run as (root, Postfix's mail_owner, as smtpd does): the port is
   * open to every local user, and a forged request naming someone else's connection must not
   * put a message on their account. Absent: every client is believed (tests, the bench).
   */
  trustedUids?: ReadonlySet<number>;
}

export interface PolicyStats {
  requests: number;
  loopback: number;
  /** loopback requests from a policy client that is not smtpd's uid: answered, not recorded */
  untrusted: number;
  owners: number;
  notFound: number;
  damaged: number;
  connections: number;
}

export class PolicyService {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  /** queue ID -> uid, newest last, for the watcher (LiveMessages asks by queue ID) */
  private readonly recent = new Map<string, number>();
  readonly stats: PolicyStats = { requests: 0, loopback: 0, untrusted: 0, owners: 0, notFound: 0, damaged: 0, connections: 0 };

  constructor(private readonly d: PolicyServiceDeps) {}

  /** The uid that owned the loopback SMTP connection of this message, when recorded. */
  ownerOf(queueId: string): number | null {
    return this.recent.get(queueId) ?? null;
  }

  listen(host: string, port: number): Promise<{ host: string; port: number }> {
    if (!isLoopbackAddress(host)) return Promise.reject(new Error(`the policy service listens on loopback only, not ${host}`));
    return new Promise((resolve, reject) => {
      const server = createServer({ noDelay: true }, (s) => this.accept(s));
      server.maxConnections = MAX_CONNECTIONS;
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        server.on('error', (e) => this.d.log?.(`watch: policy service: ${e.message}`));
        this.server = server;
        const a = server.address();
        resolve(typeof a === 'object' && a ? { host: a.address, port: a.port } : { host, port });
      });
    });
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = null;
    for (const c of this.sockets) c.destroy();
    if (s) await new Promise<void>((r) => s.close(() => r()));
    await this.d.writer?.idle();
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    this.stats.connections += 1;
    const parser = new PolicyParser();
    // one request at a time per connection, answered in order (smtpd waits for each answer)
    let chain: Promise<void> = Promise.resolve();
    let waiting = 0;
    let trusted: Promise<boolean> | undefined;
    socket.setTimeout(IDLE_MS, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      for (const req of parser.feed(chunk)) {
        // smtpd sends one request and waits: a peer that piles up requests or leaves the answers unread is not Postfix
        if (++waiting > MAX_WAITING || socket.writableLength > MAX_UNREAD) {
          socket.destroy();
          return;
        }
        chain = chain.then(async () => {
          await this.handle(req, () => (trusted ??= this.trusts(socket)));
          waiting -= 1;
          if (!socket.destroyed) socket.write(DUNNO_REPLY);
        });
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.sockets.delete(socket));
  }

  /** Records what it can; never throws, never decides anything. */
  async handle(req: PolicyRequest, trusted: () => Promise<boolean> = async () => true): Promise<void> {
    this.stats.requests += 1;
    if (req.damaged) this.stats.damaged += 1;
    const a = req.attrs;
    if (a.get('request') !== 'smtpd_access_policy' || a.get('protocol_state') !== 'END-OF-MESSAGE') return;
    const clientAddress = a.get('client_address') ?? '';
    if (!isLoopbackAddress(clientAddress)) return;
    this.stats.loopback += 1;
    if (!(await trusted())) {
      this.stats.untrusted += 1;
      return;
    }
    const client = endpoint(clientAddress, a.get('client_port'));
    const server = endpoint(a.get('server_address') ?? '', a.get('server_port'));
    const queueId = parseQueueId(a.get('queue_id') ?? '');
    let uid: number | null = null;
    let why: string | undefined;
    if (!client || !server) why = 'the request had no client or server port (Postfix before 3.2?)';
    else {
      try {
        uid = await withTimeout(this.lookup(client, server), LOOKUP_TIMEOUT_MS);
        if (uid === null) why = 'no established socket with these ends (the client hung up?)';
      } catch (e) {
        why = `socket table unreadable: ${(e as Error).message}`.slice(0, FIELD_MAX);
      }
    }
    if (uid === null) this.stats.notFound += 1;
    else this.stats.owners += 1;
    if (uid !== null && queueId) this.remember(queueId, uid);
    const record: SmtpOwnerRecord = {
      at: (this.d.now?.() ?? new Date()).toISOString(),
      queueId,
      clientAddress: clientAddress.slice(0, 64),
      clientPort: client?.port ?? 0,
      serverAddress: (a.get('server_address') ?? '').slice(0, 64),
      serverPort: server?.port ?? 0,
      uid,
      ...(why ? { why } : {}),
      sender: (a.get('sender') ?? '').slice(0, FIELD_MAX),
      saslUsername: a.get('sasl_username') ? a.get('sasl_username')!.slice(0, FIELD_MAX) : null,
    };
    this.d.writer?.append(record);
  }

  /** Whether the policy client's own socket (its end of this connection) belongs to a trusted uid. */
  private async trusts(socket: Socket): Promise<boolean> {
    const uids = this.d.trustedUids;
    if (!uids) return true;
    const peer = socket.remoteAddress && socket.remotePort ? { address: socket.remoteAddress, port: socket.remotePort } : null;
    const us = socket.localAddress && socket.localPort ? { address: socket.localAddress, port: socket.localPort } : null;
    if (!peer || !us) return false;
    try {
      const uid = await withTimeout(this.lookup(peer, us), LOOKUP_TIMEOUT_MS);
      if (uid !== null && uids.has(uid)) return true;
      this.d.log?.(`watch: policy service: a client running as uid ${uid ?? 'unknown'} (not smtpd's) asked about 127.0.0.1; answered, not recorded`);
    } catch {
      // unreadable table: not recorded
    }
    return false;
  }

  /**
   * Reading /proc/net/tcp costs the kernel a walk over every socket (about 1.5 ms for 100 rows
   * here), so requests that arrive together share one read: a row found in a read already under
   * way is right (the connection existed before its request, and a live port pair names one
   * socket); only a miss in a read older than the request is read again.
   */
  private async lookup(client: Endpoint, server: Endpoint): Promise<number | null> {
    const arrived = performance.now();
    // an IPv4 client is in tcp (or, from an IPv6 socket, mapped in tcp6); ::1 only in tcp6
    const files = client.address.includes(':') ? (['/proc/net/tcp6'] as const) : (['/proc/net/tcp', '/proc/net/tcp6'] as const);
    for (const f of files) {
      const shared = this.table(f, -Infinity);
      let uid = ownerIn(await shared.text, client, server);
      if (uid === null && shared.started < arrived) uid = ownerIn(await this.table(f, arrived).text, client, server);
      if (uid !== null) return uid;
    }
    return null;
  }

  private readonly reads = new Map<string, { started: number; text: Promise<string> }>();

  /** The read of `file` under way if it started at or after `notBefore`, else a new one. */
  private table(file: '/proc/net/tcp' | '/proc/net/tcp6', notBefore: number): { started: number; text: Promise<string> } {
    const cur = this.reads.get(file);
    if (cur && cur.started >= notBefore) return cur;
    const read = this.d.readTable ?? ((f) => fs.readFile(f, 'latin1'));
    const entry = {
      started: performance.now(),
      text: read(file)
        .catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? '' : Promise.reject(e)))
        .finally(() => {
          if (this.reads.get(file) === entry) this.reads.delete(file);
        }),
    };
    this.reads.set(file, entry);
    return entry;
  }

  private remember(queueId: string, uid: number): void {
    this.recent.delete(queueId);
    this.recent.set(queueId, uid);
    if (this.recent.size > RECENT_MAX) this.recent.delete(this.recent.keys().next().value!);
  }
}

function endpoint(address: string, port: string | undefined): Endpoint | null {
  if (!address || port === undefined || !/^\d{1,5}$/.test(port) || Number(port) > 65535 || Number(port) === 0) return null;
  return { address, port: Number(port) };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
