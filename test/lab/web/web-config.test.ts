/**
 * The lab web server's generated config and request building, without root: what Apache and
 * PHP-FPM are told, and what hostile scenario data is refused before it reaches them.
 *
 *   node --test dist/test/lab/web/web-config.test.js
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Rng } from '../template';
import { apacheConfig } from './apache-config';
import { fpmConfig } from './fpm-config';
import { expandRequest, labHttpRequest } from './http-submitter';
import { DROPPED_MAILER_PHP, siteFiles } from './site-files';
import { WEB_SITES, webSite, type WebSite } from './web-layout';
import { WEB_SPAM } from './web-scenario';

describe('the lab web server config', () => {
  test('Apache listens on loopback only and trusts X-Forwarded-For only from 127.0.0.1, logging %a', () => {
    const conf = apacheConfig();
    assert.deepEqual(conf.match(/^Listen .*$/gm), ['Listen 127.0.0.1:30080']);
    assert.match(conf, /^RemoteIPHeader X-Forwarded-For$/m);
    assert.match(conf, /^RemoteIPInternalProxy 127\.0\.0\.1$/m);
    assert.match(conf, /^LogFormat "%a %l %u %t \\"%r\\" %>s %O \\"%\{Referer\}i\\" \\"%\{User-Agent\}i\\"" combined$/m);
  });

  test("every site gets its own vhost, access log and PHP-FPM socket, after a default vhost", () => {
    const conf = apacheConfig();
    const names = [...conf.matchAll(/^ {4}ServerName (\S+)$/gm)].map((m) => m[1]);
    assert.deepEqual(names, ['lab.spamtrace.test', ...WEB_SITES.map((s) => s.domain)]);
    for (const s of WEB_SITES) {
      assert.ok(conf.includes(`CustomLog "${s.accessLog}" combined`), s.domain);
      assert.ok(conf.includes(`SetHandler "proxy:unix:${s.fpmSocket}|fcgi://${s.pool}/"`), s.domain);
    }
    assert.equal(webSite('web274').accessLog, '/var/www/web274/log/access_log');
    assert.equal(webSite('shop-example.de').accessLog, '/var/www/vhosts/system/shop-example.de/logs/access_log');
  });

  test('each PHP-FPM pool runs as its site user with the real sendmail and the X-PHP-Originating-Script header', () => {
    const conf = fpmConfig();
    for (const s of WEB_SITES) {
      const pool = conf.split(/^\[/m).find((p) => p.startsWith(`${s.pool}]`));
      assert.ok(pool, `pool ${s.pool}`);
      assert.match(pool, new RegExp(`^user = ${s.user}$`, 'm'));
      assert.match(pool, new RegExp(`^group = ${s.group}$`, 'm'));
      assert.match(pool, /^php_admin_value\[sendmail_path\] = \/usr\/sbin\/sendmail -t -i$/m);
      assert.match(pool, /^php_admin_flag\[mail\.add_x_header\] = on$/m);
    }
  });

  test('a path that could break out of a config line is refused', () => {
    const evil: WebSite = { ...webSite('web274'), docRoot: '/var/www/x"\nLoadModule evil /tmp/evil.so' };
    assert.throws(() => apacheConfig([evil]), /unsafe path/);
    assert.throws(() => fpmConfig([{ ...webSite('web274'), user: 'web274\nuser = root' }]), /unsafe value/);
  });

  test('site files stay inside their docroots and the dropped mailer sends through mail()', () => {
    for (const f of siteFiles()) assert.match(f.urlPath, /^\/[A-Za-z0-9._/-]+$/);
    assert.match(DROPPED_MAILER_PHP, /@mail\(/);
    assert.ok(siteFiles().some((f) => f.site === 'web274' && f.urlPath === '/images/kqzvmx.php'));
  });
});

describe('HTTP submissions', () => {
  test("the bot's request names the site in Host and its client in X-Forwarded-For, with form fields encoded", () => {
    const bot = WEB_SPAM.submissions.find((s) => s.label === 'web-spam bot');
    assert.ok(bot && bot.via === 'http');
    const r = expandRequest(bot, { rng: new Rng(1), n: 1, host: 'lab.spamtrace.test' });
    assert.equal(r.host, 'web274-example.de');
    assert.equal(r.ip, '185.220.101.47');
    assert.equal(r.userAgent, undefined);
    assert.equal(r.referer, undefined);
    const form = new URLSearchParams(r.body);
    assert.equal(form.get('a')?.split(',').length, 4);
    assert.match(form.get('a') ?? '', /@aol\.com,.*@yahoo\.com,.*@gmail\.com,.*@t-online\.de$/);
  });

  test('a Host, client address or path that would smuggle a header is refused before connecting', () => {
    const base = { host: 'web274-example.de', ip: '185.220.101.47', method: 'GET' as const, path: '/' };
    assert.throws(() => labHttpRequest({ ...base, host: 'a.de\r\nX-Evil: 1' }), /bad Host/);
    assert.throws(() => labHttpRequest({ ...base, ip: '1.2.3.4, 5.6.7.8' }), /bad client address/);
    assert.throws(() => labHttpRequest({ ...base, path: '/ HTTP/1.1\r\nX: y' }), /bad path/);
  });

  test('web-spam stays under a minute at its default pacing', () => {
    const ms = WEB_SPAM.submissions.reduce((t, s) => t + (s.via === 'http' ? (s.count - 1) * (s.intervalMs ?? 0) : 0), 0);
    assert.ok(ms < 50000, `${ms} ms of pauses`);
  });
});
