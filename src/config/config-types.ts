/**
 * spamtrace's configuration: one JSON file, documented in src/config/README.md.
 * Secrets are not in it: only the paths of the files that hold them (secret-file.ts).
 */

export type PanelChoice = 'auto' | 'plesk' | 'confixx' | 'filesystem' | 'static';

export interface SpamtraceConfig {
  /** which inventory answers "who owns what"; auto: Plesk if installed, then Confixx, then the filesystem */
  panel: PanelChoice;
  plesk: {
    /** REST API base as PleskApiOptions.baseUrl takes it, e.g. https://127.0.0.1:8443/api/v2 */
    url: string;
    /** file holding the API key (`plesk bin secret_key --create`), mode 0600, owner root */
    apiKeyFile: string;
    tls: {
      /** PEM file of the CA (or the self-signed panel certificate) to trust; null: system store */
      caFile: string | null;
      /** SHA-256 fingerprint of the panel certificate, pinned instead of a CA; null: not pinned */
      fingerprint256: string | null;
    };
  };
  confixx: {
    /** Confixx's main config with $dbServer, $dbUser, $dbPw, $dbDB */
    confFile: string;
    /** file with a database password overriding $dbPw; null: use $dbPw */
    dbPasswordFile: string | null;
  };
  roots: {
    /** Plesk's virtual hosts */
    vhosts: string;
    /** folder of Confixx's webN homes (/home/www on some installs) */
    confixx: string;
  };
  /** static owner mapping file (panel "static"); null: none */
  staticFile: string | null;
  /** mail logs read for history; the first that exist are used */
  mailLogs: string[];
  service: {
    listen: { host: string; port: number };
    /** HMAC key shared with the panel's PHP; mode 0600, owner root or service.panelUser */
    panelSecretFile: string;
    /** the system user the panel's PHP runs as (Plesk: psaadm), allowed to own panelSecretFile */
    panelUser: string;
  };
  store: {
    /** SQLite database of scans, findings, actions and notices */
    path: string;
  };
  /** blocklist state of the outbound addresses in the scan report */
  dnsbl: {
    /** DNSBL zones a scan asks when the watcher's cached answers are stale; []: a scan asks nobody */
    zones: string[];
    /** the resolver to ask ("127.0.0.1" or "127.0.0.1:5353"); null: the system's */
    server: string | null;
    /** public addresses to check besides the discovered ones (the NAT address) */
    addresses: string[];
    /** the watcher's answers, reused while their TTL lasts (read only by a scan) */
    cacheFile: string;
  };
}

export const DEFAULT_CONFIG_PATH = '/etc/spamtrace/spamtrace.json';

export const DEFAULT_CONFIG: SpamtraceConfig = {
  panel: 'auto',
  plesk: {
    url: 'https://127.0.0.1:8443/api/v2',
    apiKeyFile: '/etc/spamtrace/plesk-api-key',
    tls: { caFile: null, fingerprint256: null },
  },
  confixx: { confFile: '/root/confixx/confixx_main.conf', dbPasswordFile: null },
  roots: { vhosts: '/var/www/vhosts', confixx: '/var/www' },
  staticFile: null,
  mailLogs: ['/var/log/mail.log', '/var/log/maillog', '/usr/local/psa/var/log/maillog'],
  service: {
    listen: { host: '127.0.0.1', port: 8765 },
    panelSecretFile: '/etc/spamtrace/panel-secret',
    panelUser: 'psaadm',
  },
  store: { path: '/var/lib/spamtrace/spamtrace.db' },
  dnsbl: { zones: [], server: null, addresses: [], cacheFile: '/var/lib/spamtrace/watch/dnsbl.json' },
};

/** Keys whose values name a secret file: `config print` shows their state, never their content. */
export const SECRET_FILE_KEYS = ['plesk.apiKeyFile', 'confixx.dbPasswordFile', 'service.panelSecretFile'] as const;
