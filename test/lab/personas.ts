/**
 * The fake MX personas: one 127.0.0.1 port each, described as data. `transport_maps` routes
 * each provider's domains to its persona's port (`smtp:[127.0.0.1]:PORT`, brackets = no MX
 * lookup), so Postfix logs and queues the same delay reasons it would get from the real
 * provider, with `127.0.0.1` where the provider would name the sending IP.
 *
 * Reply text placeholders: {peer} = connecting client's IP, {rcpt} = the RCPT TO address,
 * {domain} = the recipient's domain.
 */
import { CUSTOMER_DOMAINS, LAB_DOMAINS } from './config';

export interface PersonaReply {
  code: number;
  /** one entry per reply line, without the code; several entries make a multi-line reply */
  lines: string[];
  /** close the connection after sending this reply (what real servers do after 421) */
  close?: boolean;
}

export type PersonaName = 'aol' | 'yahoo' | 'gmail' | 'microsoft' | 'greylist' | 'unknown-user' | 'accept' | 'catchall';

export interface Persona {
  name: PersonaName;
  port: number;
  description: string;
  /** recipient domains routed to this persona (transport_maps); catchall is default_transport */
  domains: readonly string[];
  /** greeting; a non-220 code refuses the connection ("refused to talk to me") */
  banner?: PersonaReply;
  /** reply to every RCPT TO; default 250 2.1.5 Ok */
  rcpt?: PersonaReply;
  /** reply to DATA; default 354 */
  data?: PersonaReply;
  /** reply after the final dot; default 250 2.0.0 Ok: queued as ... (and the message is discarded) */
  endOfData?: PersonaReply;
}

export const FAKE_MX_HOST = '127.0.0.1';

export const PERSONAS: readonly Persona[] = [
  {
    name: 'aol',
    port: 30025,
    description: 'AOL refuses the connection: 421 DYN:T1 greeting (IP reputation)',
    domains: ['aol.com', 'aol.de', 'aim.com', 'aol.co.uk'],
    banner: { code: 421, lines: ['4.7.1 : (DYN:T1) http://postmaster.info.aol.com/errors/421dynt1.html'], close: true },
  },
  {
    name: 'yahoo',
    port: 30026,
    description: 'Yahoo refuses the connection: 421 TSS04 greeting (volume/complaints)',
    domains: ['yahoo.com', 'yahoo.de', 'yahoo.co.uk', 'yahoo.fr', 'ymail.com', 'rocketmail.com'],
    banner: {
      code: 421,
      lines: [
        '4.7.0 [TSS04] Messages from {peer} temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes',
      ],
      close: true,
    },
  },
  {
    name: 'gmail',
    port: 30027,
    description: 'Gmail rate-limits at RCPT with a multi-line 421-4.7.0 "unusual rate of unsolicited mail"',
    domains: ['gmail.com', 'googlemail.com'],
    rcpt: {
      code: 421,
      lines: [
        '4.7.0 [{peer}      15] Our system has detected an unusual rate of',
        '4.7.0 unsolicited mail originating from your IP address. To protect our',
        '4.7.0 users from spam, mail sent from your IP address has been temporarily',
        '4.7.0 rate limited. For more information, go to',
        '4.7.0  https://support.google.com/mail/?p=UnsolicitedRateLimitError to',
        '4.7.0 review our Bulk Email Senders Guidelines. a640c23a62f3a-lab.12 - gsmtp',
      ],
    },
  },
  {
    name: 'microsoft',
    port: 30028,
    description: 'Outlook/Hotmail rejects at RCPT: 550 5.7.1 S3150 (IP on block list) -> bounce',
    domains: ['hotmail.com', 'hotmail.de', 'outlook.com', 'outlook.de', 'live.com', 'live.de', 'msn.com'],
    rcpt: {
      code: 550,
      lines: [
        "5.7.1 Unfortunately, messages from [{peer}] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors. [AM4PEPF00027A5F.eurprd04.prod.outlook.com 2024-02-05T09:02:09.123Z 08DC25A36C6F1A8B]",
      ],
    },
  },
  {
    name: 'greylist',
    port: 30029,
    description: 'Greylisting at RCPT: 450 4.7.1 Greylisted (soft, per recipient)',
    domains: [LAB_DOMAINS.greylist, 't-online.de'],
    rcpt: { code: 450, lines: ['4.7.1 <{rcpt}>: Recipient address rejected: Greylisted, try again later'] },
  },
  {
    name: 'unknown-user',
    port: 30030,
    description: 'Unknown recipient at RCPT: 550 5.1.1 User unknown -> bounce',
    domains: [LAB_DOMAINS.unknownUser],
    rcpt: { code: 550, lines: ['5.1.1 <{rcpt}>: Recipient address rejected: User unknown in virtual mailbox table'] },
  },
  {
    name: 'accept',
    port: 30031,
    description: 'Accepts and discards everything (freemail that still takes our mail, and the hosted customer domains)',
    domains: [LAB_DOMAINS.accept, 'gmx.de', 'gmx.net', 'web.de', ...CUSTOMER_DOMAINS],
  },
  {
    name: 'catchall',
    port: 30032,
    description: 'default_transport/relay_transport: every other domain; postgrey-style 450 4.2.0 greylisting',
    domains: [],
    rcpt: {
      code: 450,
      lines: ['4.2.0 <{rcpt}>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/{domain}.html'],
    },
  },
];

export function persona(name: PersonaName): Persona {
  const p = PERSONAS.find((x) => x.name === name);
  if (!p) throw new Error(`fake-mx: unknown persona ${name}`);
  return p;
}

export const CATCHALL: Persona = persona('catchall');

/** `smtp:[127.0.0.1]:PORT`: brackets suppress MX lookups; the port selects the persona. */
export function transportFor(p: Persona): string {
  return `smtp:[${FAKE_MX_HOST}]:${p.port}`;
}

export function formatReply(reply: PersonaReply, vars: Record<string, string>): string {
  const fill = (s: string) => s.replace(/\{(peer|rcpt|domain)\}/g, (_w, k: string) => vars[k] ?? '');
  const lines = reply.lines.length > 0 ? reply.lines : [''];
  return lines
    .map((line, i) => `${reply.code}${i === lines.length - 1 ? ' ' : '-'}${fill(line)}`.trimEnd())
    .join('\r\n') + '\r\n';
}
