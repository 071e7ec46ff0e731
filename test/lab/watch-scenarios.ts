/**
 * Live runs for `spamtrace watch` (test/integration/watch-lab.test.ts), paced with
 * paced-run.ts: the scenarios' own submissions, changed only where a live run differs.
 *
 * - dropper: php-spam's sendmail submission (uid 4079, random senders, forged From), one
 *   recipient per message rotating through aol.com, yahoo.com and gmx.de (the fake MX
 *   accepts gmx.de: those messages really leave, so "already out" is measurable);
 * - newsletter: the newsletter's sendmail submission with one recipient per message, as
 *   newsletter software sends to each subscriber;
 * - stolen login: stolen-login's SMTP AUTH submission from three foreign addresses in turn;
 * - open relay: open-relay's unauthenticated client 192.0.2.77, one message per connection;
 * - the newsletter as another lab customer sends it (watch-reseller-lab.test.ts: the same
 *   burst from two customers of different resellers).
 */
import { labUser } from './config';
import { CONTACT_FORM, CRON, NEWSLETTER, OPEN_RELAY, PHP_SPAM, STOLEN_LOGIN, type SendmailSubmission, type SmtpSubmission } from './scenarios';

function sendmailOf(s: { submissions: readonly { via: string }[] }): SendmailSubmission {
  return s.submissions.find((x) => x.via === 'sendmail') as SendmailSubmission;
}

export const WATCH_DROPPER: SendmailSubmission = {
  ...sendmailOf(PHP_SPAM),
  label: 'watch-dropper',
  to: ['{rand:8}@aol.com', '{rand:9}@yahoo.com', '{rand:7}@gmx.de'],
  rcptPerMessage: 1,
};

export const WATCH_NEWSLETTER: SendmailSubmission = { ...sendmailOf(NEWSLETTER), label: 'watch-newsletter', rcptPerMessage: 1 };
export const WATCH_CONTACT_FORM: SendmailSubmission = { ...sendmailOf(CONTACT_FORM), label: 'watch-contact-form' };
export const WATCH_CRON: SendmailSubmission = { ...sendmailOf(CRON), label: 'watch-cron' };

/** the three addresses the stolen password is used from */
export const STOLEN_FROM = ['93.120.196.244', '185.234.218.40', '45.138.16.77'] as const;

export const WATCH_STOLEN_LOGIN: SmtpSubmission = {
  ...(STOLEN_LOGIN.submissions[0] as SmtpSubmission),
  label: 'watch-stolen-login',
  xclient: { addr: `{pick:${STOLEN_FROM.join('|')}}`, helo: '{rand:10}' },
  rcptPerMessage: 4,
};

export const WATCH_OPEN_RELAY: SmtpSubmission = { ...(OPEN_RELAY.submissions[0] as SmtpSubmission), label: 'watch-open-relay', messagesPerConnection: 1 };

/** The watch newsletter sent by another lab user: its own uid, domain and sender, the same text. */
export function watchNewsletterOf(userName: string): SendmailSubmission {
  const from = labUser(WATCH_NEWSLETTER.user);
  const to = labUser(userName);
  const swap = (t: string): string => t.split(from.domain).join(to.domain).split(`${from.uid}:`).join(`${to.uid}:`);
  return {
    ...WATCH_NEWSLETTER,
    label: `watch-newsletter-${userName}`,
    user: to.name,
    from: swap(WATCH_NEWSLETTER.from),
    headers: WATCH_NEWSLETTER.headers.map(([k, v]) => [k, swap(v)]),
    body: swap(WATCH_NEWSLETTER.body),
  };
}
