/**
 * A synthetic Postfix mail log of any size, written as a stream (never held in memory), for
 * the mail-log reader's memory benchmark. Deterministic: the same size gives the same file.
 *
 * Per message (Postfix 3.7's own lines, timestamps zero-padded like maillog_file writes them):
 * smtpd connect + client= (or pickup uid=), cleanup message-id, qmgr from=/size/nrcpt, two
 * smtp deliveries (sent or deferred), qmgr removed, smtpd disconnect. Origins: 5 in 8 a SASL
 * login out of 502 (five of them "stolen": used from many bot addresses), 2 in 8 a local uid out
 * of 40 (PHP mail()), 1 in 8 an unauthenticated client; every fourth message a SASL failure.
 * Recipients: random local parts at 5,000 domains, so distinct counts keep growing with size.
 * The times span the 25 days before `end`, so `--since 30d` covers the whole file.
 */
import { Prng } from '../accesslog/synth-lines';
import { createWriteStream, promises as fs } from 'node:fs';

const LOGINS = 502;
const STOLEN = 5;
const UIDS = 40;
const DOMAINS = 5000;
const SPAN_MS = 25 * 86400_000;
/** bytes per message, measured on the output: to spread the times over SPAN_MS */
const BYTES_PER_MESSAGE = 1250;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The access-log generator's seeded PRNG, plus random lower-case words for addresses. */
class Rand extends Prng {
  int(n: number): number {
    return this.below(n);
  }
  word(len: number): string {
    let w = '';
    for (let i = 0; i < len; i++) w += String.fromCharCode(97 + this.int(26));
    return w;
  }
}

const pad2 = (n: number): string => (n < 10 ? '0' : '') + n;

function stamp(t: number): string {
  const d = new Date(t);
  return `${MONTHS[d.getMonth()]} ${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

export interface SynthResult {
  bytes: number;
  messages: number;
  saslFailures: number;
}

/** Writes about `bytes` of mail log to `file` (replacing it); times end at `end`. */
export async function writeSynthMailLog(file: string, bytes: number, end: Date = new Date()): Promise<SynthResult> {
  const out = createWriteStream(file, { highWaterMark: 1 << 20 });
  const rnd = new Rand(0x5eed1234);
  const expected = Math.max(1, Math.floor(bytes / BYTES_PER_MESSAGE));
  const step = SPAN_MS / expected;
  const t0 = end.getTime() - SPAN_MS;
  let written = 0;
  let messages = 0;
  let failures = 0;
  let chunk = '';
  const host = 'mail.example.net';
  while (written + chunk.length < bytes) {
    const i = messages++;
    const t = t0 + Math.floor(i * step);
    const ts = stamp(t);
    const tsEnd = stamp(t + 2000);
    const id = (0x100000000 + i).toString(16).toUpperCase();
    const pid = 1000 + (i % 30000);
    const kind = i % 8;
    let from: string;
    let clientLine = '';
    let conn = '';
    if (kind < 5) {
      const k = rnd.int(LOGINS);
      const login = `user${k}@kunde${k % 200}.example`;
      const ip = k < STOLEN ? `203.0.${rnd.int(256)}.${1 + rnd.int(254)}` : `198.51.100.${1 + (k % 250)}`;
      const name = k < STOLEN ? 'unknown' : `client${k}.kunde${k % 200}.example`;
      conn = `${ts} ${host} postfix/smtpd[${pid}]: connect from ${name}[${ip}]\n`;
      clientLine = `${ts} ${host} postfix/smtpd[${pid}]: ${id}: client=${name}[${ip}], sasl_method=LOGIN, sasl_username=${login}\n`;
      from = k < STOLEN ? `${rnd.word(7)}@kunde${k % 200}.example` : login;
    } else if (kind < 7) {
      const uid = 10000 + rnd.int(UIDS);
      from = `web${uid}@site${uid}.example`;
      clientLine = `${ts} ${host} postfix/pickup[${pid}]: ${id}: uid=${uid} from=<${from}>\n`;
    } else {
      const ip = `192.0.2.${1 + rnd.int(254)}`;
      conn = `${ts} ${host} postfix/smtpd[${pid}]: connect from unknown[${ip}]\n`;
      clientLine = `${ts} ${host} postfix/smtpd[${pid}]: ${id}: client=unknown[${ip}]\n`;
      from = `${rnd.word(6)}@${rnd.word(8)}.example`;
    }
    chunk += conn + clientLine;
    chunk += `${ts} ${host} postfix/cleanup[${pid + 1}]: ${id}: message-id=<${id}.${rnd.word(8)}@${host}>\n`;
    chunk += `${ts} ${host} postfix/qmgr[900]: ${id}: from=<${from}>, size=${800 + rnd.int(4000)}, nrcpt=2 (queue active)\n`;
    for (let r = 0; r < 2; r++) {
      const to = `${rnd.word(5 + rnd.int(4))}@d${rnd.int(DOMAINS)}.example`;
      chunk +=
        rnd.int(10) < 8
          ? `${tsEnd} ${host} postfix/smtp[${pid + 2}]: ${id}: to=<${to}>, relay=mx.d.example[192.0.2.200]:25, delay=2, delays=0.1/0/0.9/1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as ${rnd.word(10).toUpperCase()})\n`
          : `${tsEnd} ${host} postfix/smtp[${pid + 2}]: ${id}: to=<${to}>, relay=mx.d.example[192.0.2.200]:25, delay=2, delays=0.1/0/0.9/1, dsn=4.7.0, status=deferred (host mx.d.example[192.0.2.200] said: 421 4.7.0 Try again later)\n`;
    }
    chunk += `${tsEnd} ${host} postfix/qmgr[900]: ${id}: removed\n`;
    if (conn) chunk += `${ts} ${host} postfix/smtpd[${pid}]: disconnect from unknown[127.0.0.1] ehlo=1 auth=1 mail=1 rcpt=2 data=1 quit=1 commands=7\n`;
    if (i % 4 === 3) {
      failures++;
      const k = rnd.int(LOGINS);
      chunk += `${ts} ${host} postfix/smtpd[${pid}]: warning: unknown[203.0.113.${1 + rnd.int(254)}]: SASL LOGIN authentication failed: UGFzc3dvcmQ6, sasl_username=user${k}@kunde${k % 200}.example\n`;
    }
    if (chunk.length > 1 << 20) {
      written += chunk.length;
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      chunk = '';
    }
  }
  written += chunk.length;
  out.write(chunk);
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  await fs.utimes(file, end, end);
  return { bytes: written, messages, saslFailures: failures };
}
