import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection, type Socket } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PolicyService } from '../../../../src/watch/policy/policy-server';
import { OwnerLogWriter } from '../../../../src/watch/policy/owner-log-writer';
import { parseOwnerLine } from '../../../../src/collect/smtp-owners/smtp-owner-log';

// a little-endian socket table: 127.0.0.1:54321 -> 127.0.0.1:25 owned by uid 10004
const TABLE = [
  '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
  '   0: 0100007F:D431 0100007F:0019 01 00000000:00000000 00:00000000 00000000 10004        0 512345 1 0000000000000000 20 4 30 10 -1',
].join('\n');

const req = (over: Record<string, string>): string =>
  Object.entries({
    request: 'smtpd_access_policy',
    protocol_state: 'END-OF-MESSAGE',
    client_address: '127.0.0.1',
    client_port: '54321',
    server_address: '127.0.0.1',
    server_port: '25',
    queue_id: '4F1A22C0B5',
    sender: 'info@shop-example.de',
    sasl_username: '',
    ...over,
  })
    .map(([k, v]) => `${k}=${v}\n`)
    .join('') + '\n';

function talk(port: number): { socket: Socket; answers: () => Promise<string[]>; ask: (text: string) => Promise<string> } {
  const socket = createConnection({ host: '127.0.0.1', port });
  let buf = '';
  const waiters: ((a: string) => void)[] = [];
  const got: string[] = [];
  socket.on('data', (b) => {
    buf += b.toString('latin1');
    let i;
    while ((i = buf.indexOf('\n\n')) !== -1) {
      const a = buf.slice(0, i);
      buf = buf.slice(i + 2);
      got.push(a);
      waiters.shift()?.(a);
    }
  });
  return {
    socket,
    answers: async () => got,
    ask: (text) =>
      new Promise((resolve) => {
        waiters.push(resolve);
        socket.write(text);
      }),
  };
}

test('every request is answered DUNNO; a loopback end of data is recorded with the socket owner and remembered by queue ID', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'policy-'));
  const writer = new OwnerLogWriter(join(dir, 'smtp-owners.jsonl'));
  const tables: string[] = [];
  const svc = new PolicyService({ writer, readTable: async (f) => (tables.push(f), f === '/proc/net/tcp' ? TABLE : '') });
  t.after(async () => {
    await svc.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const { port } = await svc.listen('127.0.0.1', 0);
  const c = talk(port);
  // several requests over one connection, as smtpd reuses it
  assert.equal(await c.ask(req({ protocol_state: 'RCPT', queue_id: '' })), 'action=DUNNO');
  assert.equal(await c.ask(req({ client_address: '203.0.113.9' })), 'action=DUNNO');
  assert.equal(tables.length, 0, 'neither a RCPT nor a remote client costs a lookup');
  assert.equal(await c.ask(req({})), 'action=DUNNO');
  assert.equal(await c.ask(req({ queue_id: 'AB12C34', client_port: '50000' })), 'action=DUNNO');
  c.socket.destroy();
  await writer.idle();
  assert.equal(svc.ownerOf('4F1A22C0B5'), 10004);
  assert.equal(svc.ownerOf('AB12C34'), null);
  const recs = readFileSync(writer.path, 'utf8').trim().split('\n').map(parseOwnerLine);
  assert.equal(recs.length, 2);
  const [found, missing] = recs as Exclude<(typeof recs)[number], string>[];
  assert.equal(found!.uid, 10004);
  assert.equal(found!.queueId, '4F1A22C0B5');
  assert.equal(found!.clientPort, 54321);
  assert.equal(found!.sender, 'info@shop-example.de');
  assert.equal(missing!.uid, null);
  assert.match(missing!.why ?? '', /no established socket/);
  assert.deepEqual(svc.stats, { ...svc.stats, requests: 4, loopback: 2, owners: 1, notFound: 1 });
});

test('a broken socket table or a hostile request still gets DUNNO at once', async (t) => {
  const svc = new PolicyService({ writer: null, readTable: async () => Promise.reject(new Error('EACCES')) });
  t.after(() => svc.close());
  const { port } = await svc.listen('127.0.0.1', 0);
  const c = talk(port);
  assert.equal(await c.ask(req({})), 'action=DUNNO');
  assert.equal(await c.ask(`request=smtpd_access_policy\nsender=${'x'.repeat(100_000)}\n${'junk\n'.repeat(500)}\n`), 'action=DUNNO');
  assert.equal(await c.ask(req({ client_port: '99999', queue_id: '../../etc' })), 'action=DUNNO');
  c.socket.destroy();
  assert.equal(svc.stats.damaged, 1);
  assert.equal(svc.stats.owners, 0);
});

test('it listens on loopback only', async () => {
  const svc = new PolicyService({ writer: null });
  await assert.rejects(svc.listen('0.0.0.0', 0), /loopback only/);
});

test('a policy client that is not running as a trusted uid (not smtpd) is answered but not believed', async (t) => {
  const real = (f: string) => readFileSync(f, 'latin1');
  // the real table (it holds this test's own connection to the service) plus the SMTP client's row
  const readTable = async (f: '/proc/net/tcp' | '/proc/net/tcp6') => (f === '/proc/net/tcp' ? `${real(f)}\n${TABLE.split('\n')[1]}` : real(f));
  const me = process.getuid!();
  const cases: [ReadonlySet<number>, number][] = [
    [new Set([me]), 1],
    [new Set([me + 1]), 0],
  ];
  for (const [trusted, recorded] of cases) {
    const svc = new PolicyService({ writer: null, readTable, trustedUids: trusted });
    t.after(() => svc.close());
    const { port } = await svc.listen('127.0.0.1', 0);
    const c = talk(port);
    assert.equal(await c.ask(req({})), 'action=DUNNO');
    assert.equal(await c.ask(req({ client_address: '198.51.100.1' })), 'action=DUNNO');
    c.socket.destroy();
    assert.equal(svc.stats.owners, recorded, `trusted ${[...trusted].join(',')}`);
    assert.equal(svc.stats.untrusted, 1 - recorded);
    assert.equal(svc.ownerOf('4F1A22C0B5'), recorded ? 10004 : null);
  }
});
