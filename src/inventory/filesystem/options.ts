/**
 * Where the filesystem inventory looks. Defaults are the panels' own paths; every root is
 * configurable because hosters move them (Confixx installs with `/home/www/webN` exist).
 */
import { SpamtraceError } from '../../errors';

export interface FilesystemInventoryOptions {
  /** Plesk's virtual hosts root; default `/var/www/vhosts` */
  vhostsRoot?: string;
  /** folder holding Confixx's `webN` homes; default `/var/www` */
  confixxRoot?: string;
  /** a static mapping file (src/inventory/static/README.md); none by default */
  staticFile?: string;
  /** passwd file that resolves uids to names and homes; default `/etc/passwd` */
  passwdFile?: string;
  /** Plesk's mailbox tree (`<root>/<domain>/<box>/`); default `/var/qmail/mailnames` */
  mailnamesRoot?: string;
}

export interface ResolvedOptions {
  readonly vhostsRoot: string;
  readonly confixxRoot: string;
  readonly staticFile: string | null;
  readonly passwdFile: string;
  readonly mailnamesRoot: string;
}

export const DEFAULT_OPTIONS: ResolvedOptions = Object.freeze({
  vhostsRoot: '/var/www/vhosts',
  confixxRoot: '/var/www',
  staticFile: null,
  passwdFile: '/etc/passwd',
  mailnamesRoot: '/var/qmail/mailnames',
});

/** Validated once, then frozen: a relative root would silently depend on the cwd. */
export function resolveOptions(options: FilesystemInventoryOptions = {}): ResolvedOptions {
  const pick = (key: keyof FilesystemInventoryOptions, fallback: string): string => {
    const v = options[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'string' || !v.startsWith('/') || v.includes('\0')) {
      throw new SpamtraceError('E_USAGE', `inventory option ${key} must be an absolute path, got ${JSON.stringify(v)}`);
    }
    return v.length > 1 ? v.replace(/\/+$/, '') : v;
  };
  return Object.freeze({
    vhostsRoot: pick('vhostsRoot', DEFAULT_OPTIONS.vhostsRoot),
    confixxRoot: pick('confixxRoot', DEFAULT_OPTIONS.confixxRoot),
    staticFile: options.staticFile === undefined ? null : pick('staticFile', ''),
    passwdFile: pick('passwdFile', DEFAULT_OPTIONS.passwdFile),
    mailnamesRoot: pick('mailnamesRoot', DEFAULT_OPTIONS.mailnamesRoot),
  });
}
