/**
 * Where the lab's real web server lives: the port, its own config and run files (under the
 * lab's state dir, never /etc/apache2 or /etc/php), and one site per lab user laid out as on
 * real servers. Tests, scenarios and the inventory take every web path from here.
 *
 *   Plesk   /var/www/vhosts/<domain>/httpdocs               docroot, owned by the subscription user
 *           /var/www/vhosts/system/<domain>/logs/access_log  Apache combined, client = %a
 *   Confixx /var/www/web274/html                            docroot, owned by web274
 *           /var/www/web274/log/access_log
 *
 * The sites use the homes, docroots and log dirs of LAB_USERS (config.ts), so a scan sees one
 * consistent server: the user that owns the docroot is the uid in the queue file.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { LAB_DOMAINS, LAB_USERS, STATE_DIR, type LabUser } from '../config';

/** Apache listens here only (loopback, a lab port). */
export const WEB_HOST = '127.0.0.1';
export const WEB_PORT = 30080;

/**
 * The proxy Apache trusts for X-Forwarded-For (mod_remoteip RemoteIPInternalProxy), as Plesk's
 * nginx in front: the lab's requests come from here and name a "foreign" client in the header.
 */
export const WEB_INTERNAL_PROXY = '127.0.0.1';

/** Apache's and php-fpm's own files: config, pid, error logs, FPM sockets. Removed by `down`. */
export const WEB_STATE_DIR = `${STATE_DIR}/web`;
export const APACHE_SERVER_ROOT = `${WEB_STATE_DIR}/apache2`;
export const APACHE_CONF = `${APACHE_SERVER_ROOT}/apache2.conf`;
export const APACHE_RUN_DIR = `${APACHE_SERVER_ROOT}/run`;
export const APACHE_PIDFILE = `${APACHE_RUN_DIR}/apache2.pid`;
export const APACHE_ERROR_LOG = `${APACHE_SERVER_ROOT}/error.log`;
/** The default vhost (unknown Host names): an empty docroot and its own access log. */
export const APACHE_DEFAULT_DOCROOT = `${APACHE_SERVER_ROOT}/default`;
export const APACHE_DEFAULT_ACCESS_LOG = `${APACHE_SERVER_ROOT}/default_access_log`;
export const FPM_DIR = `${WEB_STATE_DIR}/php-fpm`;
export const FPM_CONF = `${FPM_DIR}/php-fpm.conf`;
export const FPM_PIDFILE = `${FPM_DIR}/php-fpm.pid`;
export const FPM_ERROR_LOG = `${FPM_DIR}/php-fpm.log`;
export const FPM_SOCKET_DIR = `${FPM_DIR}/sock`;
/** Files and directories the web part created in docroots and log dirs (removed by `down`). */
export const WEB_CREATED_FILE = `${WEB_STATE_DIR}/created.json`;

export const APACHE_BIN = '/usr/sbin/apache2';
export const APACHE_MODULE_DIR = '/usr/lib/apache2/modules';
/** Apache workers run as this user (Debian's), FPM sockets are theirs. */
export const APACHE_RUN_USER = 'www-data';
export const APACHE_RUN_GROUP = 'www-data';

/** PHP mail() hands messages to the real Postfix sendmail. */
export const PHP_SENDMAIL_PATH = '/usr/sbin/sendmail -t -i';

export interface WebSite {
  /** the subscription's system user (the FPM pool runs as it) */
  user: string;
  uid: number;
  /** primary group name (the pool's group) */
  group: string;
  panel: LabUser['panel'];
  /** ServerName; `www.<domain>` is an alias */
  domain: string;
  home: string;
  docRoot: string;
  logDir: string;
  /** the access log Apache writes (combined format, %a client) */
  accessLog: string;
  errorLog: string;
  /** the FPM pool's name (Plesk names pools after the domain) and socket */
  pool: string;
  fpmSocket: string;
}

function site(u: LabUser): WebSite {
  return {
    user: u.name,
    uid: u.uid,
    group: u.group,
    panel: u.panel,
    domain: u.domain,
    home: u.home,
    docRoot: u.docRoot,
    logDir: u.logDir,
    accessLog: path.join(u.logDir, 'access_log'),
    errorLog: path.join(u.logDir, 'error_log'),
    pool: u.domain,
    fpmSocket: path.join(FPM_SOCKET_DIR, `${u.domain}.sock`),
  };
}

/** One site per lab user, in LAB_USERS order (web274 first: Apache's default vhost). */
export const WEB_SITES: readonly WebSite[] = LAB_USERS.map(site);

export function webSite(userOrDomain: string): WebSite {
  const s = WEB_SITES.find((x) => x.user === userOrDomain || x.domain === userOrDomain);
  if (!s) throw new Error(`lab web: no site for ${userOrDomain}`);
  return s;
}

/** Plesk and Confixx roots (the inventory's starting points). */
export const PLESK_VHOSTS_ROOT = '/var/www/vhosts';
export const PLESK_SYSTEM_ROOT = '/var/www/vhosts/system';
export const CONFIXX_WWW_ROOT = '/var/www';

/** The spam script a bot dropped into an images folder of web274's site (random name, as found in the wild). */
export const DROPPED_SCRIPT = {
  site: 'web274',
  urlPath: '/images/kqzvmx.php',
  basename: 'kqzvmx.php',
} as const;

/**
 * A mailer dropped into shopuser's (Plesk) uploads that speaks SMTP to 127.0.0.1:25 itself
 * (PHPMailer-style, fsockopen) instead of calling mail(): Postfix logs it as
 * `client=unknown[127.0.0.1]` with no uid, so only the access logs of all subscriptions can
 * tell whose site it runs in.
 */
export const SMTP_SCRIPT = {
  site: 'shopuser',
  urlPath: '/wp-content/uploads/cache/wsmtp.php',
  basename: 'wsmtp.php',
} as const;

/** The innocent contact form of the Plesk customer formuser and the owner it writes to. */
export const CONTACT_FORM_SCRIPT = {
  site: 'formuser',
  urlPath: '/kontakt.php',
  basename: 'kontakt.php',
  owner: `inhaber@${LAB_DOMAINS.greylist}`,
} as const;

/** WordPress login of web274's site: answers 200 to every failed login, sends nothing. */
export const WP_LOGIN = { site: 'web274', urlPath: '/wp-login.php' } as const;

export function droppedScriptFile(): string {
  return path.join(webSite(DROPPED_SCRIPT.site).docRoot, DROPPED_SCRIPT.urlPath);
}

export function contactFormFile(): string {
  return path.join(webSite(CONTACT_FORM_SCRIPT.site).docRoot, CONTACT_FORM_SCRIPT.urlPath);
}

export interface PhpFpm {
  /** e.g. 8.2, from /etc/php/<version>/fpm */
  version: string;
  /** /usr/sbin/php-fpm<version> */
  bin: string;
}

/** The installed PHP-FPM (Debian `php-fpm` -> `php<version>-fpm`); the newest if several. */
export async function findPhpFpm(): Promise<PhpFpm | undefined> {
  let versions: string[];
  try {
    versions = (await fs.readdir('/etc/php')).filter((v) => /^\d+\.\d+$/.test(v));
  } catch {
    return undefined;
  }
  versions.sort((a, b) => {
    const [am, an] = a.split('.').map(Number) as [number, number];
    const [bm, bn] = b.split('.').map(Number) as [number, number];
    return bm - am || bn - an;
  });
  for (const version of versions) {
    const bin = `/usr/sbin/php-fpm${version}`;
    try {
      await fs.access(bin);
      return { version, bin };
    } catch {
      // this version has no FPM (php-cli only)
    }
  }
  return undefined;
}
