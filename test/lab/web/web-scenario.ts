/**
 * The `web-spam` scenario: real HTTP against the lab's Apache, so the evidence is what a real
 * server would hold: Apache's own access-log lines, Postfix's own pickup lines and queue files
 * written because PHP's mail() ran as the site's user.
 *
 * Expected: ONE spam source, origin local, uid 4079 = web274 (Confixx), script kqzvmx.php
 * (X-PHP-Originating-Script: 4079:kqzvmx.php, `Received: ... from userid 4079`, pickup
 * `uid=4079 from=<web274>`); `count` messages (default 25), 4 recipients each (aol, yahoo,
 * gmail, t-online), all deferred; web274's access log shows 185.220.101.47 POSTing
 * /images/kqzvmx.php once a second with no referer and no user agent.
 * Must NOT be accused: formuser's contact form (uid 10003, kontakt.php, 3 mails to the owner
 * at a greylisting domain, visitors with browser UA and referer); the wp-login.php brute force
 * from 45.146.164.110 against web274's WordPress (30 POSTs, answered 200, no mail: noise in
 * the same access log as the bot); page views from several addresses on every site.
 */
import type { Scenario } from '../scenarios';
import { CONTACT_FORM_SCRIPT, DROPPED_SCRIPT, WP_LOGIN, webSite } from './web-layout';

const web274 = webSite(DROPPED_SCRIPT.site);
const form = webSite(CONTACT_FORM_SCRIPT.site);

export const WEB_SPAM_BOT_IP = '185.220.101.47';
export const WEB_SPAM_FORM_IPS = ['84.150.33.12', '89.204.137.9'] as const;
export const WEB_SPAM_BRUTEFORCE_IP = '45.146.164.110';
export const WEB_SPAM_VISITOR_IPS = ['84.150.12.7', '91.64.201.33', '217.229.18.94', '2003:e5:1f0a:4d00::1'] as const;

const BROWSER_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36';
const FIREFOX_UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0';

const SITES = ['web274', 'shopuser', 'newsuser', 'formuser', 'kundeuser'].map((u) => webSite(u).domain);

export const WEB_SPAM: Scenario = {
  name: 'web-spam',
  description:
    `Real HTTP to the lab's Apache: a bot (${WEB_SPAM_BOT_IP}, no UA/referer) POSTs 25 times, once a second, to ${DROPPED_SCRIPT.urlPath} ` +
    `on ${web274.domain}, each POST one mail() to 4 freemail recipients, run as web274 (uid ${web274.uid}) by PHP-FPM; a contact form on ${form.domain} ` +
    `gets 3 human POSTs; wp-login.php is brute-forced from ${WEB_SPAM_BRUTEFORCE_IP} (no mail); page views on every site. ` +
    `Expected: one spam source, local uid ${web274.uid} / web274, script ${DROPPED_SCRIPT.basename}, POSTing IP ${WEB_SPAM_BOT_IP}; ` +
    `formuser (uid ${form.uid}, ${CONTACT_FORM_SCRIPT.basename}) legitimate.`,
  submissions: [
    {
      via: 'http',
      label: 'page views',
      host: `{pick:${SITES.join('|')}|www.${form.domain}}`,
      ip: `{pick:${WEB_SPAM_VISITOR_IPS.join('|')}}`,
      method: 'GET',
      path: '{pick:/|/index.php|/style.css|/images/logo.png|/robots.txt}',
      referer: 'https://www.google.de/',
      userAgent: BROWSER_UA,
      count: 8,
      intervalMs: 150,
    },
    {
      via: 'http',
      label: 'wp-login brute force',
      host: web274.domain,
      ip: WEB_SPAM_BRUTEFORCE_IP,
      method: 'POST',
      path: WP_LOGIN.urlPath,
      form: [
        ['log', '{pick:admin|administrator|web274|seeblick}'],
        ['pwd', '{pick:123456|password|admin123|seeblick2014|qwertz|{rand:8}}'],
        ['wp-submit', 'Log In'],
        ['redirect_to', `https://${web274.domain}/wp-admin/`],
        ['testcookie', '1'],
      ],
      userAgent: 'Mozilla/5.0 (Windows NT 6.1; WOW64; rv:40.0) Gecko/20100101 Firefox/40.1',
      count: 30,
      intervalMs: 100,
    },
    {
      via: 'http',
      label: 'web-spam bot',
      host: web274.domain,
      ip: WEB_SPAM_BOT_IP,
      method: 'POST',
      path: DROPPED_SCRIPT.urlPath,
      form: [
        ['a', '{rand:8}@aol.com,{rand:9}@yahoo.com,{rand:7}@gmail.com,{rand:8}@t-online.de'],
        ['b', '{pick:Your account has been suspended|Ihr Konto wurde eingeschraenkt|Payment received: invoice {digits:6}|You have won an iPhone 15}'],
        ['c', '"{pick:PayPal Service|Amazon.de|Sparkasse Online}" <{pick:service|no-reply|security}@{pick:paypal|amazon|sparkasse}-{rand:5}.{pick:com|info|net}>'],
        ['d', '<html><body><p>Dear customer,</p><p>please <a href="http://{rand:8}.{pick:ru|info|top}/verify.php?id={alnum:12}">verify your account</a> within 24 hours.</p></body></html>'],
      ],
      count: 25,
      scaleWithCount: true,
      intervalMs: 1000,
      recipientsPerRequest: 4,
      expect: {
        origin: 'local',
        uid: web274.uid,
        user: web274.user,
        script: DROPPED_SCRIPT.basename,
        webClientAddress: WEB_SPAM_BOT_IP,
        scriptUrl: DROPPED_SCRIPT.urlPath,
        verdict: 'spam',
        reasons: ['(DYN:T1)', '[TSS04]', '421-4.7.0', 'Greylisted'],
        note: 'a mailer dropped into the WordPress uploads of Confixx customer web274; the bot POSTs once a second without UA or referer',
      },
    },
    {
      via: 'http',
      label: 'contact form visitors',
      host: `www.${form.domain}`,
      ip: `{pick:${WEB_SPAM_FORM_IPS.join('|')}}`,
      method: 'POST',
      path: CONTACT_FORM_SCRIPT.urlPath,
      form: [
        ['name', '{pick:Max Mustermann|Erika Muster|Klaus Schmidt}'],
        ['email', '{pick:max.mustermann|erika.muster|k.schmidt}@{pick:gmx.de|web.de|t-online.de}'],
        ['nachricht', 'Bitte rufen Sie mich zurueck ({digits:4}).'],
      ],
      referer: `https://www.${form.domain}/kontakt.html`,
      userAgent: FIREFOX_UA,
      count: 3,
      scaleWithCount: true,
      intervalMs: 2000,
      okStatus: 302,
      recipientsPerRequest: 1,
      expect: {
        origin: 'local',
        uid: form.uid,
        user: form.user,
        script: CONTACT_FORM_SCRIPT.basename,
        verdict: 'legitimate',
        reasons: ['Recipient address rejected: Greylisted, try again later'],
        note: `a contact form writing to its owner ${CONTACT_FORM_SCRIPT.owner}; visitors with browser UA and referer`,
      },
    },
    {
      via: 'http',
      label: 'page views (after)',
      host: `{pick:${SITES.join('|')}}`,
      ip: `{pick:${WEB_SPAM_VISITOR_IPS.join('|')}}`,
      method: 'GET',
      path: '{pick:/|/style.css|/images/logo.png}',
      referer: 'https://www.bing.com/',
      userAgent: BROWSER_UA,
      count: 4,
      intervalMs: 150,
    },
  ],
};
