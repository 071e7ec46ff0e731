/**
 * Customer notices against a real SMTP server: the `smtp-server` package listening on
 * 127.0.0.1 (an ephemeral port), receiving what spamtrace sends and answering 250, 450 or
 * 550 per recipient. Nothing leaves loopback. The crash tests run `notify send` in a child
 * process and SIGKILL it at a chosen point: while it waits for the greeting (before the
 * hand-over), and after the server accepted the message but before the child could record
 * it as sent (the test holds the store's write lock at that moment).
 */
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import Database from 'better-sqlite3';
import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { openStore } from '../../src/store/open-store';
import { getNotice, listNotices, type NoticeRow } from '../../src/store/notices';
import { enqueueReport } from '../../src/notify/enqueue-notices';
import { deliverDue } from '../../src/notify/deliver-notices';
import { SmtpNoticeTransport } from '../../src/notify/smtp-transport';
import { validateNotifyConfig } from '../../src/notify/load-notify-config';
import type { NotifyConfig } from '../../src/notify/notify-config';
import { notifyCommand } from '../../src/cli/notify-command';
import type { Report } from '../../src/domain/report';
import {
  ENGLISH_EMAIL,
  GERMAN_EMAIL,
  SASL_ATTACKER,
  SCRIPT_ATTACKER,
  SCRIPT_PATH,
  localSpamSource,
  normalSource,
  sampleReport,
  saslSpamSource,
  withLocale,
} from '../unit/notify/report-fixture';

// ---- the sink -------------------------------------------------------------------------

interface Received {
  from: string;
  to: string[];
  raw: string;
}

type Hook = {
  onConnect?: (done: (err?: Error) => void) => void;
  /** called once the message is read; must call accept() */
  onMessage?: (accept: () => void) => void;
};

const REPLIES: Record<string, [number, string]> = {
  'greylist@example-store.com': [450, '4.2.0 greylisted, try again later'],
  'nobody@example-store.com': [550, '5.1.1 no such user here'],
};

let server: SMTPServer;
let port = 0;
let received: Received[] = [];
let hook: Hook = {};
let work: string;

function smtpError(code: number, text: string): Error {
  return Object.assign(new Error(text), { responseCode: code });
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'spamtrace-notify-smtp-'));
  server = new SMTPServer({
    logger: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    onConnect(_s: SMTPServerSession, cb: (err?: Error | null) => void) {
      if (hook.onConnect) hook.onConnect((err) => cb(err ?? null));
      else cb();
    },
    onRcptTo(address: SMTPServerAddress, _s: SMTPServerSession, cb: (err?: Error | null) => void) {
      const reply = REPLIES[address.address];
      cb(reply ? smtpError(reply[0], reply[1]) : null);
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, cb: (err?: Error | null, message?: string) => void) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        const accept = () => cb(null, `Ok: queued as SINK${received.length}`);
        if (hook.onMessage) hook.onMessage(accept);
        else accept();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.server.address() as AddressInfo).port;
});

after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(work, { recursive: true, force: true });
});

beforeEach(() => {
  received = [];
  hook = {};
});

// ---- helpers --------------------------------------------------------------------------

let n = 0;
function fresh(): { store: string; config: string; report: string; dir: string } {
  const dir = join(work, `case-${++n}`);
  return { dir, store: join(dir, 'st.db'), config: join(dir, 'notify.json'), report: join(dir, 'report.json') };
}

function notifyJson(overrides: Record<string, unknown> = {}, smtpPort = port): Record<string, unknown> {
  return {
    from: 'Hoster Support <abuse@hoster.example>',
    hosterName: 'Hoster GmbH',
    transport: { kind: 'smtp', host: '127.0.0.1', port: smtpPort, secure: false, timeoutSeconds: 5 },
    leaseSeconds: 1,
    ...overrides,
  };
}

function write(paths: ReturnType<typeof fresh>, report: Report, config: Record<string, unknown> = notifyJson()): void {
  rmSync(paths.dir, { recursive: true, force: true });
  mkdirSync(paths.dir, { recursive: true });
  writeFileSync(paths.report, JSON.stringify(report));
  writeFileSync(paths.config, JSON.stringify(config));
}

async function cli(args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await notifyCommand(args, { stdout: { write: (t: string) => (out += t) }, env: {} });
  return { code, out };
}

function rows(storePath: string): NoticeRow[] {
  const s = openStore(storePath);
  try {
    return listNotices(s);
  } finally {
    s.close();
  }
}

/** Headers (unfolded, RFC 2047 decoded) and the decoded text and HTML parts of a message. */
function parseMessage(raw: string): { headers: Map<string, string>; text: string; html: string } {
  const split = raw.indexOf('\r\n\r\n');
  const headers = new Map<string, string>();
  for (const line of raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const i = line.indexOf(':');
    headers.set(line.slice(0, i).toLowerCase(), decodeWords(line.slice(i + 1).trim()));
  }
  const parts: Record<string, string> = {};
  const boundary = /boundary="?([^";]+)"?/.exec(headers.get('content-type') ?? '')?.[1];
  for (const part of boundary ? raw.slice(split).split(`--${boundary}`) : []) {
    const cut = part.indexOf('\r\n\r\n');
    if (cut < 0) continue;
    const head = part.slice(0, cut).toLowerCase();
    const body = part.slice(cut + 4);
    const type = /content-type:\s*text\/(plain|html)/.exec(head)?.[1];
    if (!type) continue;
    parts[type] = head.includes('quoted-printable') ? decodeQp(body) : head.includes('base64') ? Buffer.from(body, 'base64').toString('utf8') : body;
  }
  return { headers, text: parts.plain ?? '', html: parts.html ?? '' };
}

function decodeQp(body: string): string {
  const bytes = body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => `%${h}`);
  return decodeURIComponent(bytes.replace(/%(?![0-9A-F]{2})/gi, '%25'));
}

function decodeWords(value: string): string {
  return value.replace(/=\?utf-8\?([QB])\?([^?]*)\?=\s*/gi, (_m, enc: string, text: string) =>
    enc.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64').toString('utf8')
      : decodeQp(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, '=$1')),
  );
}

function startSendChild(paths: ReturnType<typeof fresh>): { child: ChildProcess; exited: Promise<number | null> } {
  const code = `require(${JSON.stringify(require.resolve('../../src/cli/notify-command'))}).notifyCommand(process.argv.slice(1)).then((c) => process.exit(c), (e) => { console.error(e.message); process.exit(2); })`;
  const child = spawn(process.execPath, ['-e', code, 'send', '--store', paths.store, '--notify-config', paths.config, '--report', paths.report], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.resume();
  child.stderr!.resume();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  return { child, exited };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- the tests ------------------------------------------------------------------------

test('a German customer gets a German notice with the right headers, the script path and the attacker IP', async () => {
  const p = fresh();
  write(p, sampleReport([withLocale(localSpamSource(), 'de-DE'), saslSpamSource(), normalSource()]));
  const r = await cli(['send', '--store', p.store, '--notify-config', p.config, '--report', p.report]);
  assert.equal(r.code, 0, r.out);
  assert.equal(received.length, 2, 'two spam customers; the normal one gets nothing');

  const german = received.find((m) => m.to[0] === GERMAN_EMAIL)!;
  assert.equal(german.from, 'abuse@hoster.example');
  const msg = parseMessage(german.raw);
  assert.equal(msg.headers.get('auto-submitted'), 'auto-generated');
  assert.match(msg.headers.get('from')!, /Hoster Support.*<abuse@hoster\.example>/);
  assert.equal(msg.headers.get('to'), GERMAN_EMAIL);
  const date = Date.parse(msg.headers.get('date')!);
  assert.ok(Math.abs(date - Date.now()) < 60_000, 'Date is the sending time');
  const row = rows(p.store).find((x) => x.recipient === GERMAN_EMAIL)!;
  assert.equal(msg.headers.get('message-id'), row.message_id);
  assert.equal(row.state, 'sent');
  assert.match(row.smtp_response!, /queued as SINK/);

  assert.match(msg.headers.get('subject')!, /Spam-Versand aus Ihrem Hosting-Paket beispiel-shop\.de/);
  assert.match(msg.text, /WAS SIE TUN MÜSSEN/);
  assert.ok(msg.text.includes(SCRIPT_PATH));
  assert.ok(msg.text.includes(SCRIPT_ATTACKER));
  assert.ok(msg.html.includes(SCRIPT_PATH));
  assert.ok(msg.html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), 'the subject excerpt is escaped in HTML');
  assert.ok(!msg.html.includes('<script>'));

  const english = parseMessage(received.find((m) => m.to[0] === ENGLISH_EMAIL)!.raw);
  assert.match(english.headers.get('subject')!, /Mailbox info@example-store\.com: spam sent/);
  assert.match(english.text, /Change the password of the mailbox/);
  assert.ok(english.text.includes(SASL_ATTACKER));
});

test('two scans of the same incident and a second send deliver each notice once', async () => {
  const p = fresh();
  write(p, sampleReport([localSpamSource(), saslSpamSource()]));
  await cli(['send', '--store', p.store, '--notify-config', p.config, '--report', p.report]);
  writeFileSync(p.report, JSON.stringify(sampleReport([localSpamSource({ messages: 500 }), saslSpamSource()], '2026-11-28T09:35:00.000Z')));
  const second = await cli(['send', '--store', p.store, '--notify-config', p.config, '--report', p.report]);
  assert.match(second.out, /already in the outbox/);
  assert.match(second.out, /nothing due to send/);
  await cli(['send', '--store', p.store, '--notify-config', p.config]);
  assert.equal(received.length, 2);
  assert.deepEqual(rows(p.store).map((r) => r.state), ['sent', 'sent']);
});

test('a sender killed before it handed the notice over: the next run sends it, once', async () => {
  const p = fresh();
  write(p, sampleReport([localSpamSource()]));
  const first = startSendChild(p);
  hook.onConnect = (done) => {
    // The child waits for our greeting: nothing has been handed over yet.
    first.child.kill('SIGKILL');
    void first.exited.then(() => done(new Error('gone')));
  };
  assert.equal(await first.exited, null, 'killed by the signal');
  hook = {};
  const [mid] = rows(p.store);
  assert.equal(mid!.state, 'sending');
  assert.equal(mid!.handed_at, null);
  assert.equal(received.length, 0);

  await sleep(1100); // the 1 s lease runs out
  const second = startSendChild(p);
  assert.equal(await second.exited, 0);
  assert.equal(received.length, 1);
  assert.equal(rows(p.store)[0]!.state, 'sent');
});

test('a sender killed after the server accepted the notice but before recording it: not sent again, shown as unconfirmed', async () => {
  const p = fresh();
  write(p, sampleReport([localSpamSource()]));
  const first = startSendChild(p);
  let lockedAt = 0;
  hook.onMessage = (accept) => {
    // Hold the store's write lock, then accept: the child gets 250 but cannot write 'sent'.
    const db = new Database(p.store);
    db.exec('BEGIN IMMEDIATE');
    lockedAt = Date.now();
    accept();
    setTimeout(() => {
      first.child.kill('SIGKILL');
      void first.exited.then(() => {
        db.exec('ROLLBACK');
        db.close();
      });
    }, 400);
  };
  assert.equal(await first.exited, null);
  assert.ok(lockedAt > 0, 'the server accepted the message');
  hook = {};
  await sleep(100);
  const [mid] = rows(p.store);
  assert.equal(mid!.state, 'sending', 'the child died before it could record the outcome');
  assert.notEqual(mid!.handed_at, null);
  assert.equal(received.length, 1);

  await sleep(1100);
  const second = startSendChild(p);
  assert.equal(await second.exited, 1, 'exit 1: a notice needs the admin');
  assert.equal(received.length, 1, 'no duplicate');
  const [row] = rows(p.store);
  assert.equal(row!.state, 'unconfirmed');
  assert.equal(parseMessage(received[0]!.raw).headers.get('message-id'), row!.message_id);
  const list = await cli(['list', '--store', p.store]);
  assert.match(list.out, /unconfirmed/);
  assert.ok(list.out.includes(row!.message_id));

  // The admin checked the mail log and decides to send it anyway.
  assert.equal((await cli(['retry', String(row!.id), '--store', p.store])).code, 0);
  await cli(['send', '--store', p.store, '--notify-config', p.config]);
  assert.equal(received.length, 2);
  assert.equal(rows(p.store)[0]!.state, 'sent');
});

test('a bad address, a 550 and a 450 each end in a visible state; the 450 is retried later and then sent', async () => {
  const dir = fresh().dir;
  mkdirSync(dir, { recursive: true });
  let now = Date.parse('2026-11-28T09:10:00Z');
  const store = openStore(join(dir, 'st.db'), { now: () => now });
  try {
    const config: NotifyConfig = validateNotifyConfig(notifyJson(), 'test');
    const sub = saslSpamSource().subscription!;
    const report = sampleReport([
      saslSpamSource({ id: 'sasl:a', subscription: { ...sub, id: 'a', customer: 'a', customerEmail: 'kunde(at)example-store.com' } }),
      saslSpamSource({ id: 'sasl:b', subscription: { ...sub, id: 'b', customer: 'b', customerEmail: 'nobody@example-store.com' } }),
      saslSpamSource({ id: 'sasl:c', subscription: { ...sub, id: 'c', customer: 'c', customerEmail: 'greylist@example-store.com' } }),
    ]);
    enqueueReport(store, report, { config, actor: 'test' });
    const transport = new SmtpNoticeTransport(config.transport as Extract<NotifyConfig['transport'], { kind: 'smtp' }>);
    const first = await deliverDue(store, { config, transport, owner: 'test' });
    const state = (email: string) => listNotices(store).find((r) => r.recipient.startsWith(email))!;
    assert.equal(state('kunde(at)').state, 'failed-permanent');
    assert.match(state('kunde(at)').last_error!, /not a valid email address/);
    assert.equal(state('nobody@').state, 'failed-permanent');
    assert.match(state('nobody@').last_error! + state('nobody@').smtp_response, /550|no such user/);
    const grey = state('greylist@');
    assert.equal(grey.state, 'failed-temporary');
    assert.match(grey.last_error!, /450/);
    assert.equal(grey.next_attempt_at, now + 60_000);
    assert.equal(first.results.length, 2, 'the bad address never reached the server');
    assert.equal(received.length, 0);

    // Not due yet: nothing happens. Due, and the server has lifted the greylisting: sent.
    assert.equal((await deliverDue(store, { config, transport, owner: 'test' })).results.length, 0);
    now += 61_000;
    delete REPLIES['greylist@example-store.com'];
    const later = await deliverDue(store, { config, transport, owner: 'test' });
    assert.deepEqual(later.results.map((r) => r.state), ['sent']);
    assert.equal(getNotice(store, grey.id)!.attempts, 2);
    assert.equal(received.length, 1);
  } finally {
    REPLIES['greylist@example-store.com'] = [450, '4.2.0 greylisted, try again later'];
    store.close();
  }
});

test('an SMTP server that is down: failed-temporary with the reason, and given up visibly after the last attempt', async () => {
  const closed = await new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const free = (s.address() as AddressInfo).port;
      s.close(() => resolve(free));
    });
  });
  const p = fresh();
  write(p, sampleReport([localSpamSource()]), notifyJson({ retry: { maxAttempts: 2, backoffSeconds: [0] } }, closed));
  const r1 = await cli(['send', '--store', p.store, '--notify-config', p.config, '--report', p.report]);
  assert.equal(r1.code, 0);
  assert.match(r1.out, /failed-temporary - .*ECONNREFUSED/);
  const r2 = await cli(['send', '--store', p.store, '--notify-config', p.config]);
  assert.equal(r2.code, 1);
  assert.match(r2.out, /failed-permanent - .*gave up after 2 attempts/);
  const list = await cli(['list', '--store', p.store, '--state', 'failed-permanent', '--json']);
  const [row] = JSON.parse(list.out);
  assert.equal(row.attempts, 2);
  assert.match(row.lastError, /ECONNREFUSED/);
});

test('two senders started at once on one outbox deliver every notice exactly once', async () => {
  const p = fresh();
  const sub = localSpamSource().subscription!;
  const sources = Array.from({ length: 24 }, (_, i) =>
    localSpamSource({ id: `uid:${5000 + i}`, uid: 5000 + i, subscription: { ...sub, id: `s${i}`, customer: `c${i}`, customerEmail: `kunde${i}@beispiel-shop.de` } }),
  );
  write(p, sampleReport(sources), notifyJson({ leaseSeconds: 60 }));
  // Enqueue once so both senders race only for delivery (enqueueing twice is covered above).
  await cli(['send', '--store', p.store, '--notify-config', p.config, '--report', p.report, '--no-deliver']);
  const a = startSendChild(p);
  const b = startSendChild(p);
  assert.deepEqual(await Promise.all([a.exited, b.exited]), [0, 0]);
  assert.equal(received.length, 24);
  const ids = received.map((m) => parseMessage(m.raw).headers.get('message-id'));
  assert.equal(new Set(ids).size, 24, 'no Message-ID twice');
  assert.ok(rows(p.store).every((r) => r.state === 'sent'));
});

test('STARTTLS required and an SMTP login from a password file', async (t) => {
  const logins: string[] = [];
  const tlsSink = new SMTPServer({
    logger: false,
    authMethods: ['PLAIN', 'LOGIN'],
    // smtp-server's bundled self-signed certificate; the test trusts it explicitly below.
    onAuth(auth, session, cb) {
      logins.push(`${auth.username}:${auth.password}:${session.secure ? 'tls' : 'plain'}`);
      cb(auth.username === 'notices' && auth.password === 's3cret!' ? null : smtpError(535, '5.7.8 bad credentials'), { user: auth.username });
    },
    onData(stream, _session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({ from: '', to: [], raw: Buffer.concat(chunks).toString('utf8') });
        cb(null, 'Ok');
      });
    },
  });
  await new Promise<void>((resolve) => tlsSink.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => tlsSink.close(() => resolve())));
  const tlsPort = (tlsSink.server.address() as AddressInfo).port;
  const p = fresh();
  const passwordFile = join(work, `smtp-password-${n}`);
  writeFileSync(passwordFile, 's3cret!\n', { mode: 0o600 });
  chmodSync(passwordFile, 0o600);
  const transport = {
    kind: 'smtp',
    host: '127.0.0.1',
    port: tlsPort,
    secure: false,
    requireTls: true,
    tls: { rejectUnauthorized: false },
    auth: { user: 'notices', passwordFile },
    timeoutSeconds: 5,
  };
  write(p, sampleReport([localSpamSource()]), notifyJson({ transport }));
  const r = await cli(['send', '--store', p.store, '--notify-config', p.config, '--report', p.report]);
  assert.equal(r.code, 0, r.out);
  assert.deepEqual(logins, ['notices:s3cret!:tls'], 'logged in over TLS, with the password from the file');
  assert.equal(received.length, 1);
  assert.ok(!r.out.includes('s3cret'), 'the password is never printed');

  // A wrong password: the notice waits (temporary), the error says why.
  writeFileSync(passwordFile, 'wrong\n');
  write(p, sampleReport([saslSpamSource()]), notifyJson({ transport }));
  const bad = await cli(['send', '--store', p.store, '--notify-config', p.config, '--report', p.report]);
  assert.match(bad.out, /failed-temporary - mail server configuration: EAUTH/);
});
