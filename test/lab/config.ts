/**
 * Fixed facts of the Postfix lab: names, ids, paths, accounts. Everything the lab creates on
 * the machine is listed here so `down` can remove exactly that and the README can document it.
 */

/** Postfix `myhostname` of the lab (the `Received: by HOST` name). */
export const LAB_HOSTNAME = 'lab.spamtrace.test';

/** Where the lab keeps its state, backups, fake-MX pidfile and status. Created by `up`, removed by `down`. */
export const STATE_DIR = '/var/lib/spamtrace-lab';
export const BACKUP_DIR = `${STATE_DIR}/backup`;
export const BACKUP_MANIFEST = `${BACKUP_DIR}/manifest.json`;
export const STATE_FILE = `${STATE_DIR}/state.json`;
export const FAKE_MX_PIDFILE = `${STATE_DIR}/fake-mx.pid`;
export const FAKE_MX_STATUS = `${STATE_DIR}/fake-mx.json`;
export const FAKE_MX_LOG = `${STATE_DIR}/fake-mx.log`;

/** Lab-only Postfix tables (transport and aliases). */
export const LAB_CONF_DIR = '/etc/postfix/spamtrace-lab';
export const TRANSPORT_FILE = `${LAB_CONF_DIR}/transport`;
export const ALIASES_FILE = `${LAB_CONF_DIR}/aliases`;
/** local_header_rewrite_clients table: the loopback range only (see labPostconfSettings) */
export const LOCAL_CLIENTS_FILE = `${LAB_CONF_DIR}/local-clients.cidr`;

export const POSTFIX_DIR = '/etc/postfix';
export const MAIN_CF = `${POSTFIX_DIR}/main.cf`;
export const MASTER_CF = `${POSTFIX_DIR}/master.cf`;
export const SASL_SMTPD_CONF = `${POSTFIX_DIR}/sasl/smtpd.conf`;
export const SASLDB = '/etc/sasldb2';
export const SPOOL_DIR = '/var/spool/postfix';
export const CHROOT_SASLDB = `${SPOOL_DIR}/etc/sasldb2`;
export const MAIL_LOG = '/var/log/mail.log';

/** The SMTP listener the lab submits to (Debian's master.cf `smtp inet` service). */
export const SMTP_HOST = '127.0.0.1';
export const SMTP_PORT = 25;

/** The documentation range added to `mynetworks` for the open-relay case (RFC 5737). */
export const RELAY_NETWORK = '192.0.2.0/24';

/** Local part domain of the lab's own test domains (all `.test`, RFC 2606). */
export const LAB_DOMAINS = {
  greylist: 'greylist.spamtrace.test',
  accept: 'accept.spamtrace.test',
  unknownUser: 'nouser.spamtrace.test',
} as const;

/** Where root's mail goes: an external admin mailbox at a greylisting domain, so cron mail stays deferred. */
export const ROOT_ALIAS_TARGET = `admin@${LAB_DOMAINS.greylist}`;

export interface LabGroup {
  name: string;
  gid: number;
}

export interface LabUser {
  name: string;
  uid: number;
  /** primary group name (must be in LAB_GROUPS or exist) */
  group: string;
  home: string;
  shell: string;
  panel: 'confixx' | 'plesk';
  /** the domain the user's web space serves */
  domain: string;
  /** document root */
  docRoot: string;
  /** directory holding the web server's access logs for that domain */
  logDir: string;
  /** the access log file the lab writes scenario lines to */
  accessLog: string;
}

export const LAB_GROUPS: readonly LabGroup[] = [
  { name: 'web274', gid: 4079 },
  // Plesk puts every subscription's system user in the group psacln.
  { name: 'psacln', gid: 10000 },
];

export const LAB_USERS: readonly LabUser[] = [
  {
    name: 'web274',
    uid: 4079,
    group: 'web274',
    home: '/var/www/web274',
    shell: '/bin/false',
    panel: 'confixx',
    domain: 'web274-example.de',
    docRoot: '/var/www/web274/html',
    logDir: '/var/www/web274/log',
    accessLog: '/var/www/web274/log/access_log',
  },
  {
    name: 'shopuser',
    uid: 10001,
    group: 'psacln',
    home: '/var/www/vhosts/shop-example.de',
    shell: '/bin/false',
    panel: 'plesk',
    domain: 'shop-example.de',
    docRoot: '/var/www/vhosts/shop-example.de/httpdocs',
    logDir: '/var/www/vhosts/system/shop-example.de/logs',
    accessLog: '/var/www/vhosts/system/shop-example.de/logs/access_ssl_log',
  },
  {
    name: 'newsuser',
    uid: 10002,
    group: 'psacln',
    home: '/var/www/vhosts/news-example.de',
    shell: '/bin/false',
    panel: 'plesk',
    domain: 'news-example.de',
    docRoot: '/var/www/vhosts/news-example.de/httpdocs',
    logDir: '/var/www/vhosts/system/news-example.de/logs',
    accessLog: '/var/www/vhosts/system/news-example.de/logs/access_ssl_log',
  },
  {
    name: 'formuser',
    uid: 10003,
    group: 'psacln',
    home: '/var/www/vhosts/form-example.de',
    shell: '/bin/false',
    panel: 'plesk',
    domain: 'form-example.de',
    docRoot: '/var/www/vhosts/form-example.de/httpdocs',
    logDir: '/var/www/vhosts/system/form-example.de/logs',
    accessLog: '/var/www/vhosts/system/form-example.de/logs/access_ssl_log',
  },
  {
    name: 'kundeuser',
    uid: 10004,
    group: 'psacln',
    home: '/var/www/vhosts/kunde-beispiel.de',
    shell: '/bin/false',
    panel: 'plesk',
    domain: 'kunde-beispiel.de',
    docRoot: '/var/www/vhosts/kunde-beispiel.de/httpdocs',
    logDir: '/var/www/vhosts/system/kunde-beispiel.de/logs',
    accessLog: '/var/www/vhosts/system/kunde-beispiel.de/logs/access_ssl_log',
  },
];

export function labUser(name: string): LabUser {
  const u = LAB_USERS.find((x) => x.name === name);
  if (!u) throw new Error(`lab: unknown lab user ${name}`);
  return u;
}

export interface SaslAccount {
  /** full login, user@domain (Cyrus: user + realm) */
  login: string;
  password: string;
  /** which lab user (subscription) owns the mailbox's domain */
  owner: string;
  note: string;
}

/** Lab-only passwords; they exist only in the lab's sasldb while the lab is up. */
export const SASL_ACCOUNTS: readonly SaslAccount[] = [
  { login: 'kontakt@kunde-beispiel.de', password: 'Sommer2014', owner: 'kundeuser', note: 'the stolen mailbox (stolen-login scenario)' },
  { login: 'info@shop-example.de', password: 'Shop-Lab-2024', owner: 'shopuser', note: 'a legitimate shop mailbox' },
  { login: 'newsletter@news-example.de', password: 'News-Lab-2024', owner: 'newsuser', note: 'a legitimate newsletter mailbox' },
];

export function saslAccount(login: string): SaslAccount {
  const a = SASL_ACCOUNTS.find((x) => x.login === login);
  if (!a) throw new Error(`lab: unknown SASL account ${login}`);
  return a;
}

/** Customer (hosted) domains: mail to them (bounces!) goes to the `accept` persona. */
export const CUSTOMER_DOMAINS: readonly string[] = LAB_USERS.map((u) => u.domain);
