/**
 * Lab scenarios as data. A scenario is a list of submissions; each submission sends `count`
 * messages one way (local `sendmail` as a system user, or SMTP to 127.0.0.1:25 with optional
 * XCLIENT and AUTH) or writes `count` web access-log lines (the evidence a tracer correlates).
 *
 * All string fields are templates (see template.ts): `{rand:8}@aol.com`, `{pick:a|b}`, `{n}`...
 *
 * Recipients: each message gets `rcptPerMessage` recipients (default: `to.length`), taken
 * round-robin from the `to` templates, continuing where the previous message stopped; so
 * `to: [aol, yahoo], rcptPerMessage: 1` alternates AOL and Yahoo messages.
 *
 * Built-in scenario names are stable: tests rely on them.
 */
import { LAB_DOMAINS, LAB_HOSTNAME, ROOT_ALIAS_TARGET, labUser, saslAccount } from './config';
import type { Template } from './template';
import { WEB_SPAM } from './web/web-scenario';
import { WEB_SMTP_SPAM } from './web/web-smtp-scenario';

export type { Template } from './template';

/** What a correct tracer must conclude about the messages of one submission. */
export interface ExpectedSource {
  /** how the tracer should see the origin */
  origin: 'local' | 'sasl' | 'smtp-unauthenticated';
  /** local: the submitting uid and user */
  uid?: number;
  user?: string;
  /** local via PHP: the script basename in X-PHP-Originating-Script */
  script?: string;
  /** sasl: the login */
  saslUsername?: string;
  /** SMTP: the (XCLIENT) client address and name */
  clientAddress?: string;
  clientName?: string;
  /** web: the client that made the script send (access log %a) and the URL path it requested */
  webClientAddress?: string;
  scriptUrl?: string;
  /** spam = must be reported as a source; legitimate = must NOT be accused */
  verdict: 'spam' | 'legitimate';
  /** delay reasons (substrings) the queue shows for these messages */
  reasons: string[];
  note: string;
}

interface MessageFields {
  /** envelope sender */
  from: Template;
  /** recipient templates, see file comment */
  to: Template[];
  rcptPerMessage?: number;
  /** header lines in order, [name, value] */
  headers: Array<[string, Template]>;
  body: Template;
  /** messages to send (runScenario's `count` option replaces it) */
  count: number;
  /** a short label for reports, e.g. "php-spam" */
  label?: string;
  expect?: ExpectedSource;
}

/** `runuser -u USER -- /usr/sbin/sendmail -i -f FROM -- RCPT...`, message on stdin. */
export interface SendmailSubmission extends MessageFields {
  via: 'sendmail';
  /** system user that runs sendmail (a lab user, or root) */
  user: string;
  /** extra sendmail options before `-f` (e.g. ['-FCronDaemon', '-oem']) */
  sendmailArgs?: string[];
}

/** SMTP to 127.0.0.1:25, optionally XCLIENT (foreign client as text) and AUTH. */
export interface SmtpSubmission extends MessageFields {
  via: 'smtp';
  /** SMTP AUTH; user and password are templates too (one expansion per connection) */
  auth?: { user: string; password: string; mechanism?: 'LOGIN' | 'PLAIN' };
  /** XCLIENT attributes, expanded once per connection */
  /** login: XCLIENT LOGIN= (the SASL login without a real AUTH: the bench instance has no sasldb) */
  xclient?: { addr: Template; name?: Template; helo?: Template; login?: Template };
  /** EHLO name when there is no XCLIENT helo (default: localhost) */
  helo?: Template;
  /** messages sent over one connection (default 1: a new connection, XCLIENT and login each time) */
  messagesPerConnection?: number;
  /** parallel connections (default 4) */
  parallel?: number;
}

/** Appends Apache combined-format lines to a web access log (writing a file sends nothing). */
export interface WeblogSubmission {
  via: 'weblog';
  /** absolute path of the log file (created if missing) */
  file: string;
  ip: Template;
  method: Template;
  path: Template;
  status: number;
  bytes?: number;
  referer?: Template;
  userAgent?: Template;
  /** lines written; the last one is stamped "now", earlier ones `intervalSeconds` apart */
  count: number;
  /** runScenario's `count` option replaces `count` (log lines that match the messages 1:1) */
  scaleWithCount?: boolean;
  intervalSeconds?: number;
  label?: string;
}

/**
 * Real HTTP requests to the lab's Apache (web/, 127.0.0.1:WEB_PORT): the Host header picks the
 * site, X-Forwarded-For the client Apache logs (mod_remoteip), so a PHP script really runs as
 * its site's user and its mail() really reaches Postfix. Needs the lab web server (`lab up`).
 */
export interface HttpSubmission {
  via: 'http';
  /** Host header: a lab site's domain (or www.<domain>) */
  host: Template;
  /** the client address Apache logs (sent as X-Forwarded-For) */
  ip: Template;
  method: 'GET' | 'POST' | 'HEAD';
  /** request path with optional query, e.g. /wp-login.php */
  path: Template;
  /** POST body fields (application/x-www-form-urlencoded), each a template expanded per request */
  form?: Array<[string, Template]>;
  /** header left out when undefined (Apache logs "-") */
  userAgent?: Template;
  referer?: Template;
  /** requests sent, one after the other */
  count: number;
  /** runScenario's `count` option replaces `count` */
  scaleWithCount?: boolean;
  /** pause between two requests (default 0) */
  intervalMs?: number;
  /** the status of a request that did its job (default 200); others count as failed */
  okStatus?: number;
  /**
   * recipients of the one mail each ok request queues (only for mail-sending scripts): then
   * `submitted` counts queued messages, like a sendmail submission's
   */
  recipientsPerRequest?: number;
  label?: string;
  expect?: ExpectedSource;
}

export type MessageSubmission = SendmailSubmission | SmtpSubmission;
export type Submission = MessageSubmission | WeblogSubmission | HttpSubmission;

export interface Scenario {
  name: string;
  /** one paragraph: what happens and what a correct tracer must conclude */
  description: string;
  submissions: Submission[];
}

// ---------------------------------------------------------------------------------------------
// building blocks

const web274 = labUser('web274');
const newsuser = labUser('newsuser');
const formuser = labUser('formuser');
const stolen = saslAccount('kontakt@kunde-beispiel.de');

const SPAM_SUBJECTS =
  '{pick:Your account has been suspended|Ihr Konto wurde eingeschraenkt|Payment received: invoice {digits:6}|Cheap meds online - 80% off|You have won an iPhone 15|Re: your order {digits:7}}';

const PHP_SPAM_BODY =
  'Dear customer,\n\nplease verify your account within 24 hours:\nhttp://{rand:8}.{pick:ru|info|top}/verify.php?id={alnum:12}\n\n.\n..this line starts with dots (dot-stuffing test)\n\nRegards\n';

/**
 * php-spam: a compromised PHP script of Confixx customer web274 (uid 4079) sends spam through
 * sendmail.
 *
 * Expected: ONE spam source, origin local, uid 4079 = web274 (Confixx, /var/www/web274),
 * script xmlrpclAag.php (X-PHP-Originating-Script: 4079:xmlrpclAag.php), `count` messages
 * (default 40), one recipient each, alternating aol.com / yahoo.com; every message deferred
 * with AOL `421 4.7.1 : (DYN:T1)` or Yahoo `421 4.7.0 [TSS04]`; envelope senders are random
 * local parts at web274-example.de, the From header is an unrelated phishing address. The
 * access log /var/www/web274/log/access_log shows 68.71.243.135 POSTing
 * /images/header/xmlrpclAag.php every 15 s with no referer and no user agent.
 */
export const PHP_SPAM: Scenario = {
  name: 'php-spam',
  description:
    'web274 (uid 4079, Confixx) sends spam via sendmail from the PHP script xmlrpclAag.php to aol.com and yahoo.com. ' +
    'Expected: one spam source, local uid 4079 / web274, script xmlrpclAag.php, all messages deferred (AOL DYN:T1, Yahoo TSS04); ' +
    'access log shows 68.71.243.135 POSTing /images/header/xmlrpclAag.php.',
  submissions: [
    {
      via: 'weblog',
      label: 'php-spam access log',
      file: web274.accessLog,
      ip: '68.71.243.135',
      method: 'POST',
      path: '/images/header/xmlrpclAag.php',
      status: 200,
      bytes: 372,
      count: 40,
      scaleWithCount: true,
      intervalSeconds: 15,
    },
    {
      via: 'weblog',
      label: 'normal visitors',
      file: web274.accessLog,
      ip: '{pick:84.150.12.7|91.64.201.33|217.229.18.94}',
      method: 'GET',
      path: '{pick:/|/index.php|/kontakt.html|/images/logo.png}',
      status: 200,
      bytes: 5120,
      referer: 'https://www.google.de/',
      userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
      count: 6,
      intervalSeconds: 97,
    },
    {
      via: 'sendmail',
      label: 'php-spam',
      user: web274.name,
      from: '{pick:info|kontakt|service|mail|office|news}{digits:4}@' + web274.domain,
      to: ['{rand:8}@aol.com', '{rand:9}@yahoo.com'],
      rcptPerMessage: 1,
      headers: [
        ['To', '{to}'],
        ['Subject', SPAM_SUBJECTS],
        ['X-PHP-Originating-Script', `${web274.uid}:xmlrpclAag.php`],
        ['From', '"{pick:PayPal Service|Amazon.de|Sparkasse Online}" <{pick:service|no-reply|security}@{pick:paypal|amazon|sparkasse}-{rand:5}.{pick:com|info|net}>'],
        ['MIME-Version', '1.0'],
        ['Content-Type', 'text/plain; charset=UTF-8'],
      ],
      body: PHP_SPAM_BODY,
      count: 40,
      expect: {
        origin: 'local',
        uid: web274.uid,
        user: web274.name,
        script: 'xmlrpclAag.php',
        verdict: 'spam',
        reasons: ['refused to talk to me: 421 4.7.1 : (DYN:T1)', 'refused to talk to me: 421 4.7.0 [TSS04]'],
        note: 'Confixx customer web274: compromised PHP script; envelope senders at its domain, From forged',
      },
    },
  ],
};

/**
 * stolen-login: the mailbox kontakt@kunde-beispiel.de (owned by Plesk user kundeuser) has a
 * stolen password; a bot logs in from 93.120.196.244 (93-120-196-244.dynamic.mts-nn.ru) with a
 * random HELO and sends to eight freemail recipients per message.
 *
 * Expected: ONE spam source, origin sasl, sasl_username kontakt@kunde-beispiel.de, client
 * 93.120.196.244, `count` messages (default 15) x 8 recipients (2 each at gmail.com, yahoo.com,
 * rediffmail.com, hotmail.com). Queue: gmail recipients deferred with the multi-line
 * `421-4.7.0 ... unusual rate of unsolicited mail`, yahoo TSS04, rediffmail with the catch-all
 * `450 4.2.0 ... Greylisted`; hotmail recipients are bounced (550 5.7.1 S3150) and leave the
 * queue (bounce notices go to the envelope sender at kunde-beispiel.de = accept persona).
 * Envelope senders are random local parts at kunde-beispiel.de (not the login).
 */
export const STOLEN_LOGIN: Scenario = {
  name: 'stolen-login',
  description:
    'SASL login kontakt@kunde-beispiel.de from 93.120.196.244 (XCLIENT) sends to 8 freemail recipients per message. ' +
    'Expected: one spam source, sasl_username kontakt@kunde-beispiel.de, client 93.120.196.244 / 93-120-196-244.dynamic.mts-nn.ru, ' +
    'deferred at gmail (421-4.7.0 unusual rate), yahoo (TSS04) and rediffmail (catch-all greylist), hotmail bounced (S3150).',
  submissions: [
    {
      via: 'smtp',
      label: 'stolen-login',
      auth: { user: stolen.login, password: stolen.password, mechanism: 'LOGIN' },
      xclient: { addr: '93.120.196.244', name: '93-120-196-244.dynamic.mts-nn.ru', helo: '{rand:10}' },
      messagesPerConnection: 1,
      parallel: 3,
      from: '{rand:7}@kunde-beispiel.de',
      to: ['{rand:7}@gmail.com', '{rand:8}@yahoo.com', '{rand:6}@rediffmail.com', '{rand:9}@hotmail.com'],
      rcptPerMessage: 8,
      headers: [
        ['Date', '{date}'],
        ['From', '"{pick:Anna|Olga|Svetlana}" <{from}>'],
        ['To', 'undisclosed-recipients:;'],
        ['Subject', '{pick:Hello dear|I want to meet you|Photos for you|Business proposal}'],
        ['Message-ID', '<{msgid}@kunde-beispiel.de>'],
        ['MIME-Version', '1.0'],
        ['Content-Type', 'text/plain; charset=us-ascii'],
      ],
      body: 'Hi,\nlook at my photos: http://{rand:6}.{pick:ru|cn|xyz}/{alnum:10}\n',
      count: 15,
      expect: {
        origin: 'sasl',
        saslUsername: stolen.login,
        clientAddress: '93.120.196.244',
        clientName: '93-120-196-244.dynamic.mts-nn.ru',
        verdict: 'spam',
        reasons: ['421-4.7.0', 'unusual rate of', '[TSS04]', 'Greylisted'],
        note: 'stolen mailbox password: change it; hotmail recipients bounced with S3150',
      },
    },
  ],
};

/**
 * open-relay: unauthenticated clients inside mynetworks (192.0.2.77, the documentation range
 * the lab adds to mynetworks) relay spam with random senders to many domains.
 *
 * Expected: ONE spam source, origin smtp-unauthenticated (no sasl_* attributes,
 * rewrite_context=remote), client_address 192.0.2.77, `count` messages (default 20), 3-4
 * recipients each across aol.com, yahoo.com, gmail.com, outlook.com and unknown domains
 * (catch-all greylist). No system user and no login to blame: the conclusion is "a host in
 * mynetworks relays" (fix mynetworks / the host), not a customer.
 */
export const OPEN_RELAY: Scenario = {
  name: 'open-relay',
  description:
    'Unauthenticated SMTP from 192.0.2.77 (inside mynetworks, via XCLIENT) relays spam with random senders to many domains. ' +
    'Expected: one spam source, origin smtp-unauthenticated, client 192.0.2.77, no sasl_username, no uid.',
  submissions: [
    {
      via: 'smtp',
      label: 'open-relay',
      xclient: { addr: '192.0.2.77', name: '[UNAVAILABLE]', helo: '{pick:ylmf-pc|User|{rand:8}.local}' },
      messagesPerConnection: 5,
      parallel: 2,
      from: '{rand:6}@{pick:mail.ru|yandex.ru|163.com|qq.com|{rand:7}.com}',
      to: [
        '{rand:7}@aol.com',
        '{rand:7}@{rand:6}.{pick:com|net|org|info}',
        '{rand:8}@yahoo.com',
        '{rand:5}@{pick:orange.fr|libero.it|mail.ru|wanadoo.fr}',
        '{rand:7}@gmail.com',
        '{rand:6}@outlook.com',
        '{rand:7}@{rand:5}.{pick:biz|us|eu}',
      ],
      rcptPerMessage: 3,
      headers: [
        ['Date', '{date}'],
        ['From', '{from}'],
        ['To', '{to}'],
        ['Subject', '{pick:Re: Invoice|Viagra 0.99|Replica watches|Loan approved}'],
        ['Message-ID', '<{msgid}@{pick:mail.ru|yandex.ru|163.com}>'],
      ],
      body: 'Best prices: http://{rand:7}.{pick:ru|cn}/\n',
      count: 20,
      expect: {
        origin: 'smtp-unauthenticated',
        clientAddress: '192.0.2.77',
        verdict: 'spam',
        reasons: ['(DYN:T1)', '[TSS04]', 'Greylisted'],
        note: 'open relay: a client inside mynetworks, no login, no local user',
      },
    },
  ],
};

/**
 * newsletter: Plesk user newsuser (uid 10002) sends its newsletter through sendmail:
 * constant sender newsletter@news-example.de, matching From, List-Unsubscribe and
 * Precedence: bulk, 6 messages x 50 recipients = 300 recipients.
 *
 * Expected: LEGITIMATE bulk mail, must not be accused: origin local uid 10002 / newsuser,
 * `count` messages (default 6). Recipients at gmx.de/web.de/accept.spamtrace.test are
 * delivered; gmail and aol recipients deferred (collateral of the server's bad reputation),
 * t-online.de greylisted, nouser.spamtrace.test bounced (User unknown).
 */
export const NEWSLETTER: Scenario = {
  name: 'newsletter',
  description:
    'Plesk user newsuser (uid 10002) sends a proper newsletter (List-Unsubscribe, Precedence: bulk, From = envelope sender), 6 x 50 recipients. ' +
    'Expected: legitimate, must not be reported as spam.',
  submissions: [
    {
      via: 'sendmail',
      label: 'newsletter',
      user: newsuser.name,
      from: `newsletter@${newsuser.domain}`,
      to: [
        'leser{r}@gmail.com',
        'leser{r}@gmx.de',
        'leser{r}@web.de',
        'leser{r}@t-online.de',
        'leser{r}@aol.com',
        `leser{r}@${LAB_DOMAINS.accept}`,
        'leser{r}@gmx.de',
        'leser{r}@web.de',
        `leser{r}@${LAB_DOMAINS.accept}`,
        `leser{r}@${LAB_DOMAINS.unknownUser}`,
      ],
      rcptPerMessage: 50,
      headers: [
        ['From', `"News Example" <newsletter@${newsuser.domain}>`],
        ['To', 'undisclosed-recipients:;'],
        ['Subject', 'Newsletter {n}/2024: Neues von news-example.de'],
        ['List-Unsubscribe', `<https://${newsuser.domain}/newsletter/unsubscribe?id={alnum:16}>, <mailto:unsubscribe@${newsuser.domain}>`],
        ['List-Unsubscribe-Post', 'List-Unsubscribe=One-Click'],
        ['Precedence', 'bulk'],
        ['X-PHP-Originating-Script', `${newsuser.uid}:newsletter-send.php`],
        ['MIME-Version', '1.0'],
        ['Content-Type', 'text/plain; charset=UTF-8'],
      ],
      body: 'Hallo,\n\nhier sind die Neuigkeiten des Monats.\n\nAbmelden: https://news-example.de/newsletter/unsubscribe\n',
      count: 6,
      expect: {
        origin: 'local',
        uid: newsuser.uid,
        user: newsuser.name,
        script: 'newsletter-send.php',
        verdict: 'legitimate',
        reasons: ['(DYN:T1)', 'unusual rate of', 'Greylisted'],
        note: 'bulk but legitimate: constant sender, matching From, List-Unsubscribe, Precedence: bulk',
      },
    },
  ],
};

/**
 * contact-form: Plesk user formuser (uid 10003) sends 5 contact-form mails to the site owner
 * at a greylisting domain.
 *
 * Expected: LEGITIMATE, must not be accused: origin local uid 10003 / formuser, script
 * contact.php, `count` messages (default 5), each to inhaber@greylist.spamtrace.test, deferred
 * `450 4.7.1 ... Greylisted, try again later`. The access log shows 5 ordinary visitors
 * POSTing /contact.php with referer and user agent.
 */
export const CONTACT_FORM: Scenario = {
  name: 'contact-form',
  description:
    'Plesk user formuser (uid 10003) sends 5 contact-form mails (contact.php) to the site owner at a greylisting domain. ' +
    'Expected: legitimate, must not be reported; deferred with 450 4.7.1 Greylisted.',
  submissions: [
    {
      via: 'weblog',
      label: 'contact form visitors',
      file: formuser.accessLog,
      ip: '{pick:84.150.33.12|2003:e5:1f0a:4d00::1|89.204.137.9|62.226.100.4|95.90.240.17}',
      method: 'POST',
      path: '/contact.php',
      status: 302,
      bytes: 0,
      referer: `https://www.${formuser.domain}/kontakt.html`,
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
      count: 5,
      scaleWithCount: true,
      intervalSeconds: 600,
    },
    {
      via: 'sendmail',
      label: 'contact-form',
      user: formuser.name,
      from: `www@${formuser.domain}`,
      to: [`inhaber@${LAB_DOMAINS.greylist}`],
      headers: [
        ['To', '{to}'],
        ['Subject', `Kontaktanfrage ueber ${formuser.domain}`],
        ['X-PHP-Originating-Script', `${formuser.uid}:contact.php`],
        ['From', `"Kontaktformular" <www@${formuser.domain}>`],
        ['Reply-To', '{pick:max.mustermann|erika.muster|k.schmidt}@{pick:gmx.de|web.de|t-online.de}'],
        ['MIME-Version', '1.0'],
        ['Content-Type', 'text/plain; charset=UTF-8'],
      ],
      body: 'Name: {pick:Max Mustermann|Erika Muster|Klaus Schmidt}\nNachricht: Bitte rufen Sie mich zurueck ({digits:4}).\n',
      count: 5,
      expect: {
        origin: 'local',
        uid: formuser.uid,
        user: formuser.name,
        script: 'contact.php',
        verdict: 'legitimate',
        reasons: ['Recipient address rejected: Greylisted, try again later'],
        note: 'a contact form writing to its owner; greylisted, not spam',
      },
    },
  ],
};

/**
 * cron: root's cron job mail (3 messages). root is aliased to admin@greylist.spamtrace.test,
 * so local(8) forwards each message as a NEW queue file that stays deferred (greylisted).
 *
 * Expected: LEGITIMATE system mail, must not be accused: origin local uid 0 (root), sender
 * root@lab.spamtrace.test, `count` messages (default 3), recipient admin@greylist.spamtrace.test
 * (original recipient root@lab.spamtrace.test), deferred `450 4.7.1 ... Greylisted`.
 */
export const CRON: Scenario = {
  name: 'cron',
  description:
    `root's cron mail (sendmail root), 3 messages; root is aliased to ${ROOT_ALIAS_TARGET} (greylisting) so they stay deferred. ` +
    'Expected: legitimate system mail (uid 0), must not be reported.',
  submissions: [
    {
      via: 'sendmail',
      label: 'cron',
      user: 'root',
      sendmailArgs: ['-FCronDaemon', '-oem'],
      from: 'root',
      to: ['root'],
      headers: [
        ['From', `root@${LAB_HOSTNAME} (Cron Daemon)`],
        ['To', 'root'],
        ['Subject', `Cron <root@${LAB_HOSTNAME}> /usr/local/bin/backup.sh`],
        ['MIME-Version', '1.0'],
        ['Content-Type', 'text/plain; charset=UTF-8'],
        ['X-Cron-Env', '<SHELL=/bin/sh>'],
        ['X-Cron-Env', '<HOME=/root>'],
        ['X-Cron-Env', '<PATH=/usr/bin:/bin>'],
        ['X-Cron-Env', '<LOGNAME=root>'],
      ],
      body: 'backup.sh: dumped 14 databases, 2.3 GB, run {n}\n',
      count: 3,
      expect: {
        origin: 'local',
        uid: 0,
        user: 'root',
        verdict: 'legitimate',
        reasons: ['Recipient address rejected: Greylisted, try again later'],
        note: 'cron output forwarded by the root alias',
      },
    },
  ],
};

/** mixed: php-spam + stolen-login + open-relay + newsletter + contact-form + cron. */
export const MIXED: Scenario = {
  name: 'mixed',
  description:
    'All of php-spam, stolen-login, open-relay, newsletter, contact-form and cron together. ' +
    'Expected: three spam sources (uid 4079 web274, SASL kontakt@kunde-beispiel.de, relay client 192.0.2.77) and ' +
    'three legitimate ones (newsuser, formuser, root) that must not be accused.',
  submissions: [PHP_SPAM, STOLEN_LOGIN, OPEN_RELAY, NEWSLETTER, CONTACT_FORM, CRON].flatMap((s) => s.submissions),
};

/**
 * Extra (not part of `mixed`): a script on the server talking SMTP to 127.0.0.1 without
 * login (PHPMailer with "localhost"), no XCLIENT. Expected: origin smtp-unauthenticated,
 * client 127.0.0.1, no uid in the queue file (the maillog/process table would be needed);
 * spam to aol/yahoo.
 */
export const LOCAL_SMTP_SCRIPT: Scenario = {
  name: 'local-smtp-script',
  description:
    'A script talks SMTP to 127.0.0.1 without login (no XCLIENT), spam to aol.com and yahoo.com. ' +
    'Expected: spam, origin smtp-unauthenticated, client 127.0.0.1, no uid and no login in the queue file.',
  submissions: [
    {
      via: 'smtp',
      label: 'local-smtp-script',
      helo: 'localhost',
      messagesPerConnection: 10,
      parallel: 1,
      from: 'shop{digits:3}@shop-example.de',
      to: ['{rand:8}@aol.com', '{rand:8}@yahoo.com'],
      rcptPerMessage: 1,
      headers: [
        ['Date', '{date}'],
        ['From', '"Shop" <{from}>'],
        ['To', '{to}'],
        ['Subject', SPAM_SUBJECTS],
        ['Message-ID', '<{msgid}@shop-example.de>'],
        ['X-Mailer', 'PHPMailer 5.2.9 (https://github.com/PHPMailer/PHPMailer/)'],
      ],
      body: 'Buy now: http://{rand:8}.ru/\n',
      count: 10,
      expect: {
        origin: 'smtp-unauthenticated',
        clientAddress: '127.0.0.1',
        verdict: 'spam',
        reasons: ['(DYN:T1)', '[TSS04]'],
        note: 'a local process speaking SMTP: the queue file has no uid; use maillog / process accounting',
      },
    },
  ],
};

/**
 * Extra (not part of `mixed`): password guessing against SMTP AUTH from 45.155.205.233; every
 * login fails, no message is queued. Expected: maillog shows `SASL LOGIN authentication
 * failed` warnings for unknown[45.155.205.233] (XCLIENT NAME [UNAVAILABLE]); the queue is unchanged.
 */
export const SASL_BRUTEFORCE: Scenario = {
  name: 'sasl-bruteforce',
  description:
    'Failed SMTP AUTH attempts for kontakt@kunde-beispiel.de from 45.155.205.233 (XCLIENT). ' +
    'Expected: maillog "SASL LOGIN authentication failed" warnings, nothing queued.',
  submissions: [
    {
      via: 'smtp',
      label: 'sasl-bruteforce',
      auth: { user: stolen.login, password: '{pick:123456|password|sommer|kontakt2014|qwertz}', mechanism: 'LOGIN' },
      xclient: { addr: '45.155.205.233', name: '[UNAVAILABLE]', helo: 'User' },
      parallel: 1,
      from: stolen.login,
      to: ['{rand:8}@gmail.com'],
      headers: [['Subject', 'test']],
      body: 'test\n',
      count: 5,
    },
  ],
};

export const SCENARIOS: Readonly<Record<string, Scenario>> = {
  'php-spam': PHP_SPAM,
  'stolen-login': STOLEN_LOGIN,
  'open-relay': OPEN_RELAY,
  newsletter: NEWSLETTER,
  'contact-form': CONTACT_FORM,
  cron: CRON,
  mixed: MIXED,
  'local-smtp-script': LOCAL_SMTP_SCRIPT,
  'sasl-bruteforce': SASL_BRUTEFORCE,
  // needs the lab web server (apache2 + php-fpm); see web/web-scenario.ts
  'web-spam': WEB_SPAM,
  // a mailer speaking SMTP to 127.0.0.1 (SMTP-to-localhost attribution); needs the web server
  'web-smtp-spam': WEB_SMTP_SPAM,
};

export function scenarioByName(name: string): Scenario {
  const s = SCENARIOS[name];
  if (!s) throw new Error(`lab: unknown scenario "${name}" (known: ${Object.keys(SCENARIOS).join(', ')})`);
  return s;
}
