/**
 * The policy service's benchmark (spamtrace issue 14): how many policy requests a second it
 * answers and how much time it adds to a message, over real loopback TCP as smtpd speaks it
 * (one connection per smtpd process, one request at a time, answer awaited):
 *
 * (1) baseline: a bare server in this process that answers `action=DUNNO` to every request
 *     without looking at it (the cost of the protocol and the socket alone);
 * (2) non-loopback requests (RCPT from a remote client): the service parses and answers;
 * (3) loopback END-OF-MESSAGE requests: the service reads /proc/net/tcp, finds the owner of a
 *     real established connection (the bench's own, so the row exists), appends the record
 *     (fsynced batches) and then answers. (3) minus (1) per request is the latency it adds
 *     to each message from 127.0.0.1.
 *
 * `--seconds N` per phase (default 5), `--connections N` (default 8, like smtpd processes).
 * No Postfix, no root needed: /proc/net/tcp is readable by everyone.
 */
import { createConnection, createServer, type Socket } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PolicyService } from '../src/watch/policy/policy-server';
import { OwnerLogWriter } from '../src/watch/policy/owner-log-writer';

function option(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i === -1 ? def : Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} takes a positive number`);
  return v;
}

const SECONDS = option('seconds', 5);
const CONNECTIONS = Math.floor(option('connections', 8));

function request(state: string, client: string, clientPort: number, serverPort: number, n: number): string {
  return [
    'request=smtpd_access_policy',
    `protocol_state=${state}`,
    'protocol_name=ESMTP',
    `client_address=${client}`,
    'client_name=localhost',
    `client_port=${clientPort}`,
    'server_address=127.0.0.1',
    `server_port=${serverPort}`,
    'helo_name=localhost',
    `sender=bench${n}@example.de`,
    'recipient=rcpt@example.com',
    'recipient_count=1',
    `queue_id=${(0xa0000000 + n).toString(16).toUpperCase()}`,
    `instance=${n.toString(16)}.1.2.0`,
    'size=1200',
    'sasl_method=',
    'sasl_username=',
    'mail_version=3.7.11',
    '',
    '',
  ].join('\n');
}

/** One smtpd-like client: sends, waits for the answer, repeats until the deadline; returns latencies in µs. */
async function client(port: number, deadline: number, make: (n: number, local: number, remotePort: number) => string): Promise<number[]> {
  const s: Socket = await new Promise((resolve, reject) => {
    const c = createConnection({ host: '127.0.0.1', port }, () => resolve(c));
    c.once('error', reject);
  });
  s.setNoDelay(true);
  const lat: number[] = [];
  let buf = '';
  let waiting: (() => void) | null = null;
  s.on('data', (b) => {
    buf += b.toString('latin1');
    const i = buf.indexOf('\n\n');
    if (i !== -1) {
      if (!buf.startsWith('action=DUNNO')) throw new Error(`unexpected answer ${buf.slice(0, 60)}`);
      buf = buf.slice(i + 2);
      waiting?.();
    }
  });
  let n = 0;
  while (Date.now() < deadline) {
    const t0 = process.hrtime.bigint();
    await new Promise<void>((r) => {
      waiting = r;
      // this connection's own ends: a row that exists in /proc/net/tcp while it is open
      s.write(make(n++, s.localPort!, port));
    });
    lat.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  s.destroy();
  return lat;
}

async function phase(name: string, port: number, make: (n: number, local: number, remotePort: number) => string): Promise<{ rps: number; p50: number; p99: number }> {
  const deadline = Date.now() + SECONDS * 1000;
  const t0 = Date.now();
  const all = (await Promise.all(Array.from({ length: CONNECTIONS }, () => client(port, deadline, make)))).flat().sort((a, b) => a - b);
  const secs = (Date.now() - t0) / 1000;
  const r = { rps: Math.round(all.length / secs), p50: Math.round(all[Math.floor(all.length / 2)]!), p99: Math.round(all[Math.floor(all.length * 0.99)]!) };
  process.stderr.write(`${name.padEnd(44)} ${String(r.rps).padStart(7)} requests/s   latency p50 ${r.p50} µs, p99 ${r.p99} µs\n`);
  return r;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'policy-bench-'));
  const tcpRows = readFileSync('/proc/net/tcp', 'latin1').split('\n').length - 2;
  process.stderr.write(`policy service bench: ${CONNECTIONS} connections, ${SECONDS} s per phase, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}, /proc/net/tcp ${tcpRows} rows\n`);
  // (1) the bare protocol
  const bare = createServer((s) => {
    let b = '';
    s.on('data', (d) => {
      b += d.toString('latin1');
      let i;
      while ((i = b.indexOf('\n\n')) !== -1) {
        b = b.slice(i + 2);
        s.write('action=DUNNO\n\n');
      }
    });
    s.on('error', () => s.destroy());
  });
  await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
  const barePort = (bare.address() as { port: number }).port;
  const base = await phase('(1) bare DUNNO server (baseline)', barePort, (n, local, rp) => request('RCPT', '198.51.100.7', local, rp, n));
  bare.close();

  const writer = new OwnerLogWriter(join(dir, 'smtp-owners.jsonl'));
  const service = new PolicyService({ writer });
  const { port } = await service.listen('127.0.0.1', 0);
  const remote = await phase('(2) policy service, remote client at RCPT', port, (n, local, rp) => request('RCPT', '198.51.100.7', local, rp, n));
  const loop = await phase('(3) policy service, 127.0.0.1 at END-OF-MESSAGE', port, (n, local, rp) => request('END-OF-MESSAGE', '127.0.0.1', local, rp, n));
  await service.close();
  const found = service.stats.owners;
  process.stderr.write(
    `owners found ${found} of ${service.stats.loopback} loopback requests; records written ${writer.written}\n` +
      `added latency per message from 127.0.0.1 (p50 of (3) minus (1)): ${((loop.p50 - base.p50) / 1000).toFixed(2)} ms; ` +
      `remote requests cost ${((remote.p50 - base.p50) / 1000).toFixed(2)} ms over the baseline\n`,
  );
  rmSync(dir, { recursive: true, force: true });
  if (found !== service.stats.loopback) process.exitCode = 1;
}

void main();
