/**
 * The lab's real web server: Apache + one PHP-FPM pool per site, a bot POSTing to a dropped
 * mailer, a contact form, a wp-login brute force. Asserts on what the machine itself wrote:
 * Apache's access logs, Postfix's mail.log and queue files. Needs root, Postfix, apache2 and
 * php-fpm; brings a running lab down first and leaves it down.
 *
 *   cd /work/main && npx tsc -p . && node --test dist/test/integration/web-lab.test.js
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MAIL_LOG, flushQueue, labDown, labUp, postcat, postqueueJson, runScenario, type LabUpResult, type QueueEntry, type ScenarioRun } from '../lab/lab';
import { acquireLabLock, releaseLabLock } from '../lab/lab-lock';
import { WEB_SPAM_BOT_IP, WEB_SPAM_BRUTEFORCE_IP, WEB_SPAM_FORM_IPS, WEB_SPAM_VISITOR_IPS } from '../lab/web/web-scenario';
import { CONTACT_FORM_SCRIPT, DROPPED_SCRIPT, WEB_SITES, WEB_STATE_DIR, WP_LOGIN, droppedScriptFile, webSite } from '../lab/web/web-layout';
import { labWebProcesses } from '../lab/web/web-process';

const canRun =
  process.getuid?.() === 0 && existsSync('/usr/sbin/postfix') && existsSync('/usr/sbin/saslpasswd2') && existsSync('/usr/sbin/apache2') && existsSync('/etc/php');
const skip = process.env['SPAMTRACE_SKIP_LAB'] ? 'SPAMTRACE_SKIP_LAB is set' : canRun ? false : 'needs root, Postfix, sasl2-bin, apache2 and php-fpm';

interface AccessLine {
  client: string;
  time: Date;
  method: string;
  path: string;
  status: number;
  referer: string;
  userAgent: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const COMBINED = /^(\S+) \S+ \S+ \[(\d{2})\/(\w{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-]\d{4})\] "(\S+) (\S+) HTTP\/1\.[01]" (\d{3}) (\S+) "([^"]*)" "([^"]*)"$/;

async function accessLog(file: string): Promise<AccessLine[]> {
  const text = await fs.readFile(file, 'utf8');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const m = COMBINED.exec(l);
      assert.ok(m, `Apache combined line: ${l}`);
      const [, client, dd, mon, yyyy, hh, mi, ss, tz, method, p, status, , referer, ua] = m as unknown as string[];
      const iso = `${yyyy}-${String(MONTHS.indexOf(mon!) + 1).padStart(2, '0')}-${dd}T${hh}:${mi}:${ss}${tz!.slice(0, 3)}:${tz!.slice(3)}`;
      return { client: client!, time: new Date(iso), method: method!, path: p!, status: Number(status), referer: referer!, userAgent: ua! };
    });
}

/** Every file, directory and link under `root` with its mode, owner and content hash. */
async function treeDigest(root: string): Promise<string> {
  const h = createHash('sha256');
  const walk = async (dir: string): Promise<void> => {
    for (const name of (await fs.readdir(dir)).sort()) {
      const p = path.join(dir, name);
      const st = await fs.lstat(p);
      h.update(`${p} ${st.mode} ${st.uid}:${st.gid}\n`);
      if (st.isDirectory()) await walk(p);
      else if (st.isSymbolicLink()) h.update(await fs.readlink(p));
      else if (st.isFile()) h.update(await fs.readFile(p));
    }
  };
  if (existsSync(root)) await walk(root);
  return h.digest('hex');
}

describe('the lab web server (Apache + PHP-FPM per user)', { skip, concurrency: false }, () => {
  const debianConfig = ['/etc/apache2', '/etc/php'];
  const digestsBefore: string[] = [];
  let up: LabUpResult;
  let run: ScenarioRun;
  let mailLogStart = 0;
  let queue: QueueEntry[] = [];
  let downDone = false;

  before(async () => {
    await acquireLabLock();
    await labDown();
    for (const d of debianConfig) digestsBefore.push(await treeDigest(d));
    up = await labUp();
    await flushQueue();
    mailLogStart = (await fs.stat(MAIL_LOG)).size;
    run = await runScenario('web-spam', { wait: true });
    queue = await postqueueJson();
  });

  after(async () => {
    try {
      if (!downDone) await labDown();
    } finally {
      await releaseLabLock();
    }
  });

  const bot = () => run.submissions.find((s) => s.label === 'web-spam bot')!;

  test('labUp starts Apache and one PHP-FPM pool per site, and a second labUp leaves exactly one of each', async () => {
    assert.equal(up.web.started, true, up.web.skippedReason);
    const again = await labUp();
    assert.equal(again.web.started, true);
    const procs = await labWebProcesses();
    const apacheMasters = procs.filter((p) => p.comm === 'apache2' && p.uid === 0);
    const fpmMasters = procs.filter((p) => p.cmd.startsWith('php-fpm: master process'));
    assert.equal(apacheMasters.length, 1, JSON.stringify(procs));
    assert.equal(fpmMasters.length, 1, JSON.stringify(procs));
    assert.equal(apacheMasters[0]!.pid, again.web.apachePid);
    for (const s of WEB_SITES) assert.ok(existsSync(s.fpmSocket), `pool socket ${s.fpmSocket}`);
    const st = await fs.stat(droppedScriptFile());
    assert.equal(st.uid, 4079, 'the dropped script belongs to web274, as on the hacked server');
  });

  test('every request of the scenario got the answer its script gives', () => {
    for (const s of run.submissions) assert.equal(s.failed, 0, `${s.label}: ${s.errors.join('; ')}`);
    assert.equal(bot().submitted, 25);
    assert.equal(bot().recipients, 100);
    assert.equal(run.submissions.find((s) => s.label === 'contact form visitors')?.submitted, 3);
    assert.ok(run.elapsedMs < 60000, `scenario took ${run.elapsedMs} ms`);
  });

  test("the bot's POSTs are in web274's access log with the bot's address, no referer and no user agent, once a second", async () => {
    const lines = await accessLog(webSite('web274').accessLog);
    const posts = lines.filter((l) => l.path === DROPPED_SCRIPT.urlPath);
    assert.equal(posts.length, 25);
    for (const l of posts) {
      assert.equal(l.client, WEB_SPAM_BOT_IP);
      assert.equal(l.method, 'POST');
      assert.equal(l.status, 200);
      assert.equal(l.referer, '-');
      assert.equal(l.userAgent, '-');
    }
    const span = (posts.at(-1)!.time.getTime() - posts[0]!.time.getTime()) / 1000;
    assert.ok(span >= 23 && span <= 40, `25 POSTs one second apart span ${span} s`);
    assert.ok(lines.every((l) => l.client !== '127.0.0.1'), 'mod_remoteip logs the forwarded client, never the loopback proxy');
  });

  test('the wp-login brute force is logged from its own address, answered 200, and queued nothing', async () => {
    const lines = await accessLog(webSite(WP_LOGIN.site).accessLog);
    const brute = lines.filter((l) => l.client === WEB_SPAM_BRUTEFORCE_IP);
    assert.equal(brute.length, 30);
    assert.ok(brute.every((l) => l.method === 'POST' && l.path === WP_LOGIN.urlPath && l.status === 200));
    const text = await postcat(queue.map((e) => e.queue_id));
    assert.doesNotMatch(text, /wp-login\.php/);
  });

  test('every bot POST queued one mail from uid 4079 naming the dropped script', async () => {
    const mine = queue.filter((e) => e.sender === 'web274@lab.spamtrace.test');
    assert.equal(mine.length, 25);
    assert.ok(mine.every((e) => e.queue_name === 'deferred' && e.recipients.length === 4));
    const text = await postcat(mine.map((e) => e.queue_id));
    assert.equal(text.match(/^Received: by lab\.spamtrace\.test \(Postfix, from userid 4079\)$/gm)?.length, 25);
    assert.equal(text.match(/^X-PHP-Originating-Script: 4079:kqzvmx\.php$/gm)?.length, 25);
    const reasons = mine.flatMap((e) => e.recipients.map((r) => r.delay_reason ?? ''));
    for (const want of bot().expect!.reasons) assert.ok(reasons.some((r) => r.includes(want)), `a ${want} reason`);
  });

  test('the mail log has a pickup uid=4079 line for each of those mails, each within 2 s of a bot POST', async () => {
    const log = (await fs.readFile(MAIL_LOG)).subarray(mailLogStart).toString('utf8');
    const pickups = [...log.matchAll(/^(\w{3}) +(\d+) (\d\d):(\d\d):(\d\d) \S+ postfix\/pickup\[\d+\]: ([0-9A-Z]+): uid=4079 from=<web274>$/gm)];
    assert.equal(pickups.length, 25);
    const ids = new Set(queue.filter((e) => e.sender === 'web274@lab.spamtrace.test').map((e) => e.queue_id));
    assert.ok(pickups.every((m) => ids.has(m[6]!)), 'the pickup lines name the queued messages');
    const posts = (await accessLog(webSite('web274').accessLog)).filter((l) => l.path === DROPPED_SCRIPT.urlPath).map((l) => l.time.getTime());
    const year = new Date().getFullYear();
    for (const m of pickups) {
      const t = new Date(year, MONTHS.indexOf(m[1]!), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])).getTime();
      assert.ok(posts.some((p) => Math.abs(p - t) <= 2000), `pickup ${m[0]} has a POST near it`);
    }
  });

  test("the contact form's mails carry formuser's uid 10003 and its script, and its visitors look human", async () => {
    const form = webSite(CONTACT_FORM_SCRIPT.site);
    const mine = queue.filter((e) => e.sender === 'formuser@lab.spamtrace.test');
    assert.equal(mine.length, 3);
    assert.ok(mine.every((e) => e.recipients.length === 1 && e.recipients[0]!.address === CONTACT_FORM_SCRIPT.owner));
    const text = await postcat(mine.map((e) => e.queue_id));
    assert.equal(text.match(/from userid 10003\)/g)?.length, 3);
    assert.equal(text.match(/^X-PHP-Originating-Script: 10003:kontakt\.php$/gm)?.length, 3);
    const log = (await fs.readFile(MAIL_LOG)).subarray(mailLogStart).toString('utf8');
    assert.equal(log.match(/postfix\/pickup\[\d+\]: [0-9A-Z]+: uid=10003 from=<formuser>$/gm)?.length, 3);
    const posts = (await accessLog(form.accessLog)).filter((l) => l.method === 'POST');
    assert.equal(posts.length, 3);
    for (const l of posts) {
      assert.ok((WEB_SPAM_FORM_IPS as readonly string[]).includes(l.client), l.client);
      assert.equal(l.status, 302);
      assert.match(l.userAgent, /^Mozilla\/5\.0 /);
      assert.equal(l.referer, `https://www.${form.domain}/kontakt.html`);
    }
  });

  test("page views are logged in each site's own log with the visitors' addresses, IPv6 included", async () => {
    let views = 0;
    const clients = new Set<string>();
    for (const s of WEB_SITES) {
      for (const l of await accessLog(s.accessLog)) {
        if (l.method !== 'GET') continue;
        views++;
        clients.add(l.client);
        assert.equal(l.status, 200, `${s.domain} ${l.path}`);
      }
    }
    assert.equal(views, 12);
    assert.ok(clients.has('2003:e5:1f0a:4d00::1'), 'an IPv6 visitor from X-Forwarded-For is logged as such');
    assert.ok([...clients].every((c) => (WEB_SPAM_VISITOR_IPS as readonly string[]).includes(c)), [...clients].join(' '));
  });

  test("labDown stops Apache and PHP-FPM, removes the sites and run files, and leaves Debian's config alone", async () => {
    const r = await labDown();
    downDone = true;
    assert.equal(r.wasUp, true);
    assert.deepEqual(await labWebProcesses(), []);
    const procs = await fs.readdir('/proc');
    for (const pid of procs.filter((d) => /^\d+$/.test(d))) {
      const cmd = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      assert.ok(!cmd.includes(WEB_STATE_DIR), `process ${pid} still runs with the lab's config: ${cmd}`);
    }
    assert.equal(existsSync(WEB_STATE_DIR), false);
    assert.equal(existsSync(droppedScriptFile()), false);
    for (const s of WEB_SITES) assert.equal(existsSync(s.accessLog), false, s.accessLog);
    for (const [i, d] of debianConfig.entries()) assert.equal(await treeDigest(d), digestsBefore[i], `${d} unchanged`);
  });
});
