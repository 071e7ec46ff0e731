import { test } from 'node:test';
import assert from 'node:assert/strict';
import { correlateScripts, NO_WEB_REQUESTS, NOTHING_CORRELATES } from '../../../../src/trace/correlate';
import type { WebRequest } from '../../../../src/domain/weblog';
import type { Submission } from '../../../../src/trace/correlate/match-submissions';
import type { ScriptFile } from '../../../../src/domain/findings';
import { BROWSER, req, seq, sub } from './web-fixtures';

const BOT_IP = '45.155.205.17';
const DROPPER = '/images/xkqzvp.php';

/**
 * The hacked-site case: a dropper hit 25 times a second apart by one bot, each hit
 * followed by a mail, in the middle of an ordinary day (page views, a wp-login brute
 * force that sends nothing, a contact form a visitor used three times).
 */
function botCase(): { requests: WebRequest[]; submissions: Submission[] } {
  const rnd = seq(7);
  const requests: WebRequest[] = [];
  const submissions: Submission[] = [];
  for (let i = 0; i < 25; i++) {
    requests.push(req(100 + i, 'POST', DROPPER, { client: BOT_IP, userAgent: null, referer: null }));
    submissions.push(sub(100 + i + 0.2 + rnd() * 1.3));
  }
  // wp-login brute force: 600 POSTs every 0.5 s for five minutes, no mail after them.
  for (let i = 0; i < 600; i++) requests.push(req(i * 0.5, 'POST', '/wp-login.php', { client: '185.220.101.5', referer: null }));
  // page views by people, also during the bot's burst
  for (let i = 0; i < 80; i++) {
    const at = rnd() * 300;
    const path = ['/', '/index.php', '/style.css', '/images/logo.png', '/kontakt.php'][i % 5]!;
    requests.push(req(at, 'GET', path, { client: `91.64.${i % 7}.${i}` }));
  }
  // the contact form: three visitors' POSTs, one mail each two seconds later
  for (const at of [20, 200, 260]) {
    requests.push(req(at, 'POST', '/kontakt.php', { client: '91.64.9.9', referer: 'https://example.de/kontakt.php' }));
    submissions.push(sub(at + 2));
  }
  return { requests, submissions };
}

test('the dropped script ranks first with all 25 bot mails, its bot first among the clients', () => {
  const { requests, submissions } = botCase();
  const r = correlateScripts({ requests, submissions });
  const top = r.scripts[0]!;
  assert.equal(top.urlPath, DROPPER);
  assert.equal(top.explainedSubmissions, 25);
  assert.equal(top.requests, 25);
  assert.equal(top.clients[0]!.value, BOT_IP);
  assert.equal(top.clients[0]!.count, 25);
  assert.ok(top.medianLagSeconds! >= 0 && top.medianLagSeconds! <= 1.5, `lag ${top.medianLagSeconds}`);
  assert.equal(top.namedByHeader, false);
  assert.deepEqual(top.signals.map((s) => s.id).sort(), ['no-agent-no-referer', 'php-in-upload-dir', 'random-name', 'steady-interval']);
  assert.match(top.signals.find((s) => s.id === 'steady-interval')!.text, /45\.155\.205\.17.*25 times.*about 1 s/);
  assert.equal(top.evidence.length, 5);
  assert.ok(top.evidence.every((e) => e.file.endsWith('access_ssl_log') && e.line > 0));
  assert.equal(top.firstSeen, new Date(Date.UTC(2026, 10, 27, 10, 1, 40)).toISOString());
  assert.equal(r.explained, 28);
  assert.equal(r.note, null);
});

test('the contact form is listed below the dropper with its own three mails and no bad signals', () => {
  const { requests, submissions } = botCase();
  const r = correlateScripts({ requests, submissions });
  const form = r.scripts.find((s) => s.urlPath === '/kontakt.php');
  assert.ok(form, 'contact form listed');
  assert.notEqual(r.scripts[0]!.urlPath, '/kontakt.php');
  assert.equal(form!.explainedSubmissions, 3);
  assert.deepEqual(form!.signals, []);
  assert.equal(form!.userAgents[0]!.value, BROWSER);
});

test('page views and a wp-login brute force with no mail after them are not accused', () => {
  const { requests, submissions } = botCase();
  const r = correlateScripts({ requests, submissions });
  assert.deepEqual(r.scripts.map((s) => s.urlPath).sort(), [DROPPER, '/kontakt.php'].sort());
});

test('the ranking holds when the log lists requests out of time order', () => {
  const { requests, submissions } = botCase();
  const r = correlateScripts({ requests: [...requests].reverse(), submissions: [...submissions].reverse() });
  assert.equal(r.scripts[0]!.urlPath, DROPPER);
  assert.equal(r.scripts[0]!.explainedSubmissions, 25);
});

test('a script PHP names in X-PHP-Originating-Script ranks first even with two requests', () => {
  const requests: WebRequest[] = [];
  const submissions: Submission[] = [];
  // a busy form explains five mails by timing alone
  for (let i = 0; i < 5; i++) {
    requests.push(req(i * 60, 'POST', '/anfrage.php'));
    submissions.push(sub(i * 60 + 1));
  }
  // the shell: two GETs, each followed by a mail whose header names it
  requests.push(req(400, 'GET', '/wp-content/plugins/hello/sendit.php', { client: BOT_IP, userAgent: null, referer: null }));
  submissions.push(sub(401, "sendit.php(2) : eval()'d code"));
  requests.push(req(500, 'GET', '/wp-content/plugins/hello/sendit.php', { client: BOT_IP, userAgent: null, referer: null }));
  submissions.push(sub(500.5, "sendit.php(2) : eval()'d code"));
  // ...and one more mail naming it whose request fell outside the log's window
  submissions.push(sub(900, "sendit.php(2) : eval()'d code"));

  const r = correlateScripts({ requests, submissions });
  const top = r.scripts[0]!;
  assert.equal(top.urlPath, '/wp-content/plugins/hello/sendit.php');
  assert.equal(top.namedByHeader, true);
  assert.equal(top.explainedSubmissions, 2);
  const evalSignal = top.signals.find((s) => s.id === 'eval-code');
  assert.ok(evalSignal);
  assert.match(evalSignal!.text, /^PHP says 3 of its mails came from eval\(\)'d code/);
  assert.equal(r.scripts[1]!.urlPath, '/anfrage.php');
  assert.equal(r.scripts[1]!.explainedSubmissions, 5);
  assert.equal(r.scripts[1]!.namedByHeader, false);
});

test('the header wins a submission even when another request came nearer', () => {
  const requests = [
    req(10, 'POST', '/shop/mailer.php', { client: BOT_IP }),
    req(12, 'POST', '/index.php'),
  ];
  const r = correlateScripts({ requests, submissions: [sub(12.5, 'mailer.php')] });
  assert.equal(r.scripts.length, 1);
  assert.equal(r.scripts[0]!.urlPath, '/shop/mailer.php');
  assert.equal(r.scripts[0]!.medianLagSeconds, 2.5);
});

test('cron mail with nothing but page views around says so in plain words instead of guessing', () => {
  const requests: WebRequest[] = [];
  const submissions: Submission[] = [];
  for (let i = 0; i < 12; i++) submissions.push(sub(i * 300 + 0.4));
  for (let i = 0; i < 200; i++) requests.push(req(i * 17.3, 'GET', i % 2 ? '/' : '/blog/'));
  requests.push(req(897, 'GET', '/index.php')); // a page view 3.4 s before the third cron mail
  for (let i = 0; i < 50; i++) requests.push(req(1000 + i * 2, 'POST', '/wp-login.php', { client: '185.220.101.5' }));
  const r = correlateScripts({ requests, submissions });
  assert.deepEqual(r.scripts, []);
  assert.equal(r.note, NOTHING_CORRELATES);
  assert.equal(r.belowSupport, 1);
  assert.equal(r.explained, 0);
});

test('without any web requests the note says no request was logged', () => {
  const r = correlateScripts({ requests: [], submissions: [sub(1), sub(2)] });
  assert.deepEqual(r.scripts, []);
  assert.equal(r.note, NO_WEB_REQUESTS);
});

test('a PHP script run from cron is named in the note when no web request reached it', () => {
  const submissions = [sub(1, 'newsletter-cron.php'), sub(2, 'newsletter-cron.php')];
  const r = correlateScripts({ requests: [req(500, 'GET', '/')], submissions });
  assert.deepEqual(r.scripts, []);
  assert.equal(r.note, `${NOTHING_CORRELATES}; PHP names "newsletter-cron.php", which no logged web request reached, so it ran from cron or the command line, or its site logs elsewhere`);
  assert.deepEqual(r.headerScripts, [{ value: 'newsletter-cron.php', count: 2 }]);
});

test('mail the reported scripts do not explain is counted in the note', () => {
  const requests: WebRequest[] = [];
  const submissions: Submission[] = [];
  for (let i = 0; i < 10; i++) {
    requests.push(req(i * 2, 'POST', '/images/xkqzvp.php', { client: BOT_IP }));
    submissions.push(sub(i * 2 + 0.5));
  }
  for (let i = 0; i < 4; i++) submissions.push(sub(3600 + i * 60));
  const r = correlateScripts({ requests, submissions });
  assert.equal(r.scripts[0]!.explainedSubmissions, 10);
  assert.match(r.note!, /^4 of 14 submissions followed no request of a reported script/);
});

test('a web server clock up to a second ahead still explains the mail', () => {
  const requests: WebRequest[] = [];
  const submissions: Submission[] = [];
  for (let i = 0; i < 10; i++) {
    requests.push(req(i * 30 + 0.6, 'POST', '/xkqzvp.php', { client: BOT_IP }));
    submissions.push(sub(i * 30)); // the mail log says 0.6 s before the request
  }
  const r = correlateScripts({ requests, submissions });
  assert.equal(r.scripts[0]!.explainedSubmissions, 10);
  assert.equal(r.scripts[0]!.medianLagSeconds, -0.6);
});

test('a request logged seconds after the mail does not explain it', () => {
  const requests: WebRequest[] = [];
  const submissions: Submission[] = [];
  for (let i = 0; i < 10; i++) {
    requests.push(req(i * 30 + 3, 'POST', '/xkqzvp.php', { client: BOT_IP }));
    submissions.push(sub(i * 30));
  }
  const r = correlateScripts({ requests, submissions });
  assert.deepEqual(r.scripts, []);
  assert.equal(r.note, NOTHING_CORRELATES);
});

test('a request more than the window before the mail does not explain it; a wider window does', () => {
  const requests = [0, 100, 200].map((at) => req(at, 'POST', '/xkqzvp.php'));
  const submissions = [0, 100, 200].map((at) => sub(at + 15));
  assert.deepEqual(correlateScripts({ requests, submissions }).scripts, []);
  const wide = correlateScripts({ requests, submissions, options: { windowSeconds: 20 } });
  assert.equal(wide.scripts[0]!.explainedSubmissions, 3);
});

test('the file behind the script is named under the document root and carries what the caller found on disk', () => {
  const { requests, submissions } = botCase();
  const file: ScriptFile = { exists: true, size: 48213, mtime: '2026-11-27T09:58:02.000Z', uid: 4079, owner: 'web274' };
  const r = correlateScripts({
    requests,
    submissions,
    docRoots: ['/var/www/vhosts/example.de/httpdocs/'],
    files: new Map([[DROPPER, file]]),
  });
  assert.equal(r.scripts[0]!.filePath, '/var/www/vhosts/example.de/httpdocs/images/xkqzvp.php');
  assert.deepEqual(r.scripts[0]!.file, file);
  const form = r.scripts.find((s) => s.urlPath === '/kontakt.php')!;
  assert.equal(form.file, null);
});

test('an encoded or climbing path stays inside the document root and counts as the same script', () => {
  const requests: WebRequest[] = [];
  const submissions: Submission[] = [];
  for (let i = 0; i < 6; i++) {
    const path = i % 2 ? '/images/../images/%78kqzvp.php' : '/images/../images/xkqzvp.php';
    requests.push(req(i * 10, 'POST', path, { client: BOT_IP }));
    submissions.push(sub(i * 10 + 1));
  }
  requests.push(req(100, 'POST', '/../../../etc/passwd'));
  for (let i = 0; i < 3; i++) requests.push(req(200 + i * 10, 'POST', '/../../../etc/passwd'));
  for (let i = 0; i < 3; i++) submissions.push(sub(200 + i * 10 + 1));
  const r = correlateScripts({ requests, submissions, docRoots: ['/srv/www/web1/html'] });
  const dropper = r.scripts.find((s) => s.explainedSubmissions === 6);
  assert.ok(dropper, 'encoded and plain paths count together');
  assert.equal(dropper!.filePath, '/srv/www/web1/html/images/xkqzvp.php');
  const climber = r.scripts.find((s) => s.urlPath === '/../../../etc/passwd')!;
  assert.equal(climber.filePath, '/srv/www/web1/html/etc/passwd');
});

test('a bot with a new user agent on every request cannot grow the lists beyond their bound', () => {
  const requests: WebRequest[] = [];
  const submissions: Submission[] = [];
  for (let i = 0; i < 5000; i++) {
    requests.push(req(i, 'POST', '/xkqzvp.php', { client: `10.0.${i % 250}.${i % 200}`, userAgent: `agent-${i}-${'x'.repeat(2000)}`, referer: `https://r${i}.example/` }));
    submissions.push(sub(i + 0.3));
  }
  const r = correlateScripts({ requests, submissions });
  const s = r.scripts[0]!;
  assert.equal(s.explainedSubmissions, 5000);
  assert.equal(s.userAgents.length, 5);
  assert.ok(s.userAgents.every((c) => c.value.length <= 301));
  assert.deepEqual(s.userAgents[0], { value: '(other values)', count: 4000 });
});

test('requests and submissions with invalid times are skipped and counted', () => {
  const requests = [req(1, 'POST', '/x.php'), { ...req(2, 'POST', '/x.php'), time: new Date('garbage') }];
  const submissions = [sub(1.5), { ...sub(3), time: new Date(NaN) }];
  const r = correlateScripts({ requests, submissions });
  assert.deepEqual(r.skipped, { submissions: 1, requests: 1 });
  assert.equal(r.submissions, 1);
});

test('no submissions gives a note, not a script', () => {
  const r = correlateScripts({ requests: [req(1, 'POST', '/x.php')], submissions: [] });
  assert.deepEqual(r.scripts, []);
  assert.equal(r.note, 'no submissions to correlate');
});

test('200,000 requests of a busy day and a dense burst are matched by sorting and walking, not by pairs', () => {
  const rnd = seq(42);
  const requests: WebRequest[] = [];
  const submissions: Submission[] = [];
  for (let i = 0; i < 200_000; i++) {
    const at = rnd() * 86_400;
    const kind = i % 4;
    requests.push(kind === 0 ? req(at, 'POST', '/wp-login.php', { client: '185.220.101.5' }) : req(at, 'GET', kind === 1 ? '/index.php' : '/'));
  }
  // the dropper in the evening: 500 hits 3 s apart, each with a mail
  for (let i = 0; i < 500; i++) {
    requests.push(req(70_000 + i * 3, 'POST', DROPPER, { client: BOT_IP, userAgent: null, referer: null }));
    submissions.push(sub(70_000 + i * 3 + 0.5));
  }
  // a dense burst: 50,000 POSTs within the same second, in front of 2,000 cron mails
  for (let i = 0; i < 50_000; i++) requests.push(req(80_000, 'POST', `/p${i % 1000}.php`));
  for (let i = 0; i < 2000; i++) submissions.push(sub(80_000.5));
  const r = correlateScripts({ requests, submissions });
  const dropper = r.scripts.find((s) => s.urlPath === DROPPER)!;
  assert.ok(dropper.explainedSubmissions >= 480, `explained ${dropper.explainedSubmissions}`);
  assert.equal(r.submissions, 2500);
  assert.equal(r.scripts.length <= 10, true);
});

test('whole-second logs without the PHP header: a brute-force POST logged in the same second as the dropper does not take its mail', () => {
  const requests: WebRequest[] = [];
  const submissions: Submission[] = [];
  for (let i = 0; i < 25; i++) {
    // the brute force's line comes first in the log in the very same second, at twice the rate
    requests.push(req(i, 'POST', '/wp-login.php', { client: '45.146.164.110' }));
    requests.push(req(i, 'POST', '/images/kqzvmx.php', { client: '185.220.101.47', userAgent: null, referer: null }));
    requests.push(req(i + 0.5, 'POST', '/wp-login.php', { client: '45.146.164.110' }));
    submissions.push(sub(i));
  }
  const r = correlateScripts({ submissions, requests });
  assert.equal(r.scripts[0]?.urlPath, '/images/kqzvmx.php');
  assert.equal(r.scripts[0]?.explainedSubmissions, 25);
  assert.ok(!r.scripts.some((s) => s.urlPath === '/wp-login.php'));
});
