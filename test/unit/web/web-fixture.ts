/**
 * A report made by the real scanner (runScan, offline) from generated postqueue -j and
 * postcat output in the format captured on the lab (test/lab/fixtures), with a static
 * owner map: web274 (reseller r1) sends spam from a dropped script, including hostile
 * subjects; kontakt@kunde-beispiel.de (reseller r2) is a stolen login; shopuser
 * (reseller r2) sends a little normal mail.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Report } from '../../../src/domain/report';
import { runScan } from '../../../src/scan/run-scan';
import { parseScanArgs } from '../../../src/cli/scan-args';
import { LocalHost } from '../../../src/host/local-host';
import { silentLogger } from '../../../src/log';

export const SCRIPT_SUBJECT = '<script>alert(1)</script>Konto gesperrt';
/** RFC 2047 of `<img src=x onerror=alert(2)>` */
export const ENCODED_IMG_SUBJECT = `=?UTF-8?B?${Buffer.from('<img src=x onerror=alert(2)>').toString('base64')}?=`;
export const DECODED_IMG_SUBJECT = '<img src=x onerror=alert(2)>';

interface Msg {
  id: string;
  local?: { uid: number; script: string };
  sasl?: { login: string; ip: string; helo: string };
  sender: string;
  to: string[];
  subject: string;
  at: number;
  reason: string;
}

const AOL = 'delivery temporarily suspended: host 127.0.0.1[127.0.0.1] refused to talk to me: 421 4.7.1 : (DYN:T1) http://postmaster.info.aol.com/errors/421dynt1.html';
const YAHOO = 'delivery temporarily suspended: host 127.0.0.1[127.0.0.1] refused to talk to me: 421 4.7.0 [TSS04] Messages from 127.0.0.1 temporarily deferred due to unexpected volume or user complaints';

function ctime(ms: number): string {
  const d = new Date(ms);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

function postcat(m: Msg): string {
  const dir = `deferred/${m.id[0]}/${m.id}`;
  const env = [`*** ENVELOPE RECORDS ${dir} ***`, `message_size:             630             270               1               0             630               0`, `message_arrival_time: ${ctime(m.at)}`, `create_time: ${ctime(m.at)}`];
  if (m.local) env.push('named_attribute: rewrite_context=local', 'sender_fullname: ', `sender: ${m.sender}`);
  if (m.sasl) {
    env.push(
      'named_attribute: rewrite_context=remote',
      'named_attribute: sasl_method=LOGIN',
      `named_attribute: sasl_username=${m.sasl.login}`,
      `sender: ${m.sender}`,
      `named_attribute: client_name=unknown`,
      `named_attribute: client_address=${m.sasl.ip}`,
      `named_attribute: helo_name=${m.sasl.helo}`,
      'named_attribute: protocol_name=ESMTP',
    );
  }
  for (const r of m.to) env.push(`original_recipient: ${r}`, `recipient: ${r}`);
  const date = new Date(m.at).toUTCString().replace('GMT', '+0000 (UTC)');
  const headers = m.local
    ? [`Received: by lab.spamtrace.test (Postfix, from userid ${m.local.uid})`, `\tid ${m.id}; ${date}`]
    : [`Received: from ${m.sasl!.helo} (unknown [${m.sasl!.ip}])`, `\tby lab.spamtrace.test (Postfix) with ESMTPA id ${m.id}; ${date}`];
  headers.push(`To: ${m.to[0]}`, `Subject: ${m.subject}`);
  if (m.local) headers.push(`X-PHP-Originating-Script: ${m.local.uid}:${m.local.script}`);
  headers.push(`From: ${m.sender}`, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=UTF-8', `Message-Id: <${m.id}@lab.spamtrace.test>`, `Date: ${date}`);
  return [...env, `*** MESSAGE CONTENTS ${dir} ***`, ...headers, `*** HEADER EXTRACTED ${dir} ***`, `*** MESSAGE FILE END ${dir} ***`, ''].join('\n');
}

function listing(m: Msg): string {
  return JSON.stringify({
    queue_name: 'deferred',
    queue_id: m.id,
    arrival_time: Math.floor(m.at / 1000),
    message_size: 630,
    forced_expire: false,
    sender: m.sender,
    recipients: m.to.map((address) => ({ address, delay_reason: m.reason })),
  });
}

export function fixtureMessages(now = Date.UTC(2026, 10, 28, 4, 0, 0)): Msg[] {
  const out: Msg[] = [];
  let n = 0;
  const id = () => (0x3ee0916000 + n++).toString(16).toUpperCase();
  const subjects = ['Ihr Konto wurde eingeschraenkt', SCRIPT_SUBJECT, ENCODED_IMG_SUBJECT, 'Payment received: invoice 123456'];
  for (let i = 0; i < 40; i++) {
    out.push({
      id: id(),
      local: { uid: 4079, script: 'kqzvmx.php' },
      sender: `mail${1000 + i}@web274-example.de`,
      to: [`a${i}x@aol.com`, `b${i}y@yahoo.com`, `c${i}z@gmail.com`, `d${i}w@t-online.de`],
      subject: subjects[i % subjects.length]!,
      at: now + i * 90_000,
      reason: i % 2 ? AOL : YAHOO,
    });
  }
  for (let i = 0; i < 20; i++) {
    out.push({
      id: id(),
      sasl: { login: 'kontakt@kunde-beispiel.de', ip: `93.120.${190 + (i % 7)}.${20 + i}`, helo: `xq${i}vbnr` },
      sender: `s${i}k@kunde-beispiel.de`,
      to: [`e${i}q@gmail.com`, `f${i}r@yahoo.com`, `g${i}s@hotmail.com`],
      subject: 'Rechnung offen',
      at: now + 3600_000 + i * 60_000,
      reason: YAHOO,
    });
  }
  for (let i = 0; i < 2; i++) {
    out.push({ id: id(), local: { uid: 10001, script: 'order.php' }, sender: 'orders@shop-example.de', to: ['kunde@shop-example.de'], subject: `Bestellung ${i}`, at: now + i * 600_000, reason: 'connect to mx.shop-example.de: Connection refused' });
  }
  return out;
}

export const STATIC_MAP = {
  version: 1,
  subscriptions: [
    { id: 'web274', domains: ['web274-example.de'], sysUser: 'web274', uid: 4079, docRoots: ['/var/www/web274/html'], customer: { login: 'k274', email: 'owner@web274-example.de', locale: 'de' }, reseller: 'r1' },
    { id: 'kunde', domains: ['kunde-beispiel.de'], sysUser: 'kundeuser', uid: 10004, mailboxes: ['kontakt@kunde-beispiel.de'], customer: { login: 'kkunde', email: 'chef@kunde-beispiel.de' }, reseller: 'r2' },
    { id: 'shop', domains: ['shop-example.de'], sysUser: 'shopuser', uid: 10001, customer: 'kshop', reseller: 'r2' },
  ],
};

/** The generated files in a fresh directory, and the scan options that read them offline. */
export function fixtureScanOptions(): { dir: string; mapFile: string; options: ReturnType<typeof parseScanArgs> } {
  const dir = mkdtempSync(join(tmpdir(), 'web-fixture-'));
  const msgs = fixtureMessages();
  writeFileSync(join(dir, 'postqueue.json'), msgs.map(listing).join('\n') + '\n');
  writeFileSync(join(dir, 'postcat.txt'), msgs.map(postcat).join(''));
  writeFileSync(join(dir, 'passwd'), 'web274:x:4079:4079::/var/www/web274:/bin/false\nkundeuser:x:10004:10004::/var/www/vhosts/kunde-beispiel.de:/bin/false\nshopuser:x:10001:10001::/var/www/vhosts/shop-example.de:/bin/false\n');
  writeFileSync(join(dir, 'map.json'), JSON.stringify(STATIC_MAP));
  // empty panel roots: the owner map alone, whatever this machine's /var/www holds
  mkdirSync(join(dir, 'vhosts'));
  mkdirSync(join(dir, 'www'));
  const options = parseScanArgs(['--queue-file', join(dir, 'postqueue.json'), '--postcat-file', join(dir, 'postcat.txt'), '--passwd-file', join(dir, 'passwd'), '--static-map', join(dir, 'map.json'), '--vhosts-root', join(dir, 'vhosts'), '--confixx-root', join(dir, 'www'), '--no-weblogs']);
  return { dir, mapFile: join(dir, 'map.json'), options };
}

export const FIXTURE_NOW = new Date(Date.UTC(2026, 10, 28, 6));

/** Runs the real scanner offline on the generated files. */
export async function fixtureReport(): Promise<Report> {
  const { options } = fixtureScanOptions();
  return runScan(options, { host: new LocalHost(), logger: silentLogger(), progress: { update: () => undefined, end: () => undefined }, now: () => FIXTURE_NOW });
}
