/**
 * The `web-smtp-spam` scenario: a bot POSTs to a mailer in shopuser's uploads that speaks SMTP
 * to 127.0.0.1:25 itself (SMTP_SCRIPT, fsockopen): Postfix logs `client=unknown[127.0.0.1]`,
 * the queue file has no uid and no login. Only the access logs, read for every subscription,
 * connect the submissions to the site: the bot's requests precede them by well under a second.
 *
 * Expected: one spam source client:127.0.0.1, attributed after the fact to the subscription
 * shop-example.de (shopuser), script wsmtp.php, POSTing IP 185.220.101.99; page views on the
 * other sites (noise) do not correlate.
 */
import type { Scenario } from '../scenarios';
import { SMTP_SCRIPT, webSite } from './web-layout';

export const WEB_SMTP_BOT_IP = '185.220.101.99';
const shop = webSite(SMTP_SCRIPT.site);
const SITES = ['web274', 'shopuser', 'newsuser', 'formuser', 'kundeuser'].map((u) => webSite(u).domain);

export const WEB_SMTP_SPAM: Scenario = {
  name: 'web-smtp-spam',
  description:
    `Real HTTP to the lab's Apache: a bot (${WEB_SMTP_BOT_IP}) POSTs 15 times, once a second, to ${SMTP_SCRIPT.urlPath} on ${shop.domain}, ` +
    'which speaks SMTP to 127.0.0.1 itself (no uid, no login in Postfix\'s records). ' +
    `Expected: spam source client:127.0.0.1 attributed to ${shop.domain} (${shop.user}), script ${SMTP_SCRIPT.basename}, IP ${WEB_SMTP_BOT_IP}.`,
  submissions: [
    {
      via: 'http',
      label: 'page views',
      host: `{pick:${SITES.join('|')}}`,
      ip: '{pick:84.150.12.7|91.64.201.33|217.229.18.94}',
      method: 'GET',
      path: '{pick:/|/index.php|/style.css}',
      referer: 'https://www.google.de/',
      userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
      count: 6,
      intervalMs: 150,
    },
    {
      via: 'http',
      label: 'web-smtp bot',
      host: shop.domain,
      ip: WEB_SMTP_BOT_IP,
      method: 'POST',
      path: SMTP_SCRIPT.urlPath,
      form: [
        ['a', '{rand:8}@aol.com,{rand:9}@yahoo.com,{rand:7}@gmail.com'],
        ['b', '{pick:Your account has been suspended|Payment received: invoice {digits:6}|You have won an iPhone 15}'],
        ['c', '{pick:service|no-reply|security}{digits:3}@{pick:paypal|amazon}-{rand:5}.com'],
        ['d', 'Dear customer,\nplease verify your account: http://{rand:8}.ru/verify.php?id={alnum:12}\n'],
      ],
      count: 15,
      scaleWithCount: true,
      intervalMs: 1000,
      recipientsPerRequest: 3,
      expect: {
        origin: 'smtp-unauthenticated',
        clientAddress: '127.0.0.1',
        webClientAddress: WEB_SMTP_BOT_IP,
        scriptUrl: SMTP_SCRIPT.urlPath,
        script: SMTP_SCRIPT.basename,
        verdict: 'spam',
        reasons: ['(DYN:T1)', '[TSS04]', '421-4.7.0'],
        note: `a mailer in ${shop.domain}'s uploads speaking SMTP to localhost: no uid in Postfix's records; the access logs name the site`,
      },
    },
  ],
};
