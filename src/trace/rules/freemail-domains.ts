/**
 * Mailbox providers whose addresses spammers harvest and target. A recipient list that
 * is mostly these, from one web user, is a spam signal; a newsletter to its German
 * subscribers may be mostly these too, which is why this is one signal among many.
 */
export const FREEMAIL_DOMAINS: ReadonlySet<string> = new Set([
  'aol.com', 'aim.com', 'aol.de', 'aol.co.uk',
  'yahoo.com', 'yahoo.de', 'yahoo.co.uk', 'yahoo.fr', 'yahoo.co.in', 'ymail.com', 'rocketmail.com',
  'gmail.com', 'googlemail.com',
  'hotmail.com', 'hotmail.de', 'hotmail.co.uk', 'hotmail.fr', 'outlook.com', 'outlook.de', 'live.com', 'live.de', 'msn.com',
  'icloud.com', 'me.com', 'mac.com',
  'gmx.de', 'gmx.net', 'gmx.at', 'gmx.ch', 'gmx.com', 'web.de', 't-online.de', 'freenet.de', 'arcor.de',
  'mail.ru', 'yandex.ru', 'yandex.com', 'rambler.ru', 'bk.ru', 'list.ru', 'inbox.ru',
  'rediffmail.com', 'qq.com', '163.com', '126.com', 'sina.com',
  'protonmail.com', 'proton.me', 'zoho.com', 'mail.com', 'gmx.us', 'comcast.net', 'verizon.net', 'att.net', 'sbcglobal.net',
]);

export function isFreemail(domain: string): boolean {
  return FREEMAIL_DOMAINS.has(domain.toLowerCase());
}
