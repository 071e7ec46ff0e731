/**
 * Who owns what on a hosting server: the inventory's answer, whichever panel (or none)
 * it came from. One subscription is one system user; its domains share that user.
 */

export type PanelKind = 'plesk' | 'confixx' | 'filesystem' | 'static';

export interface Customer {
  /** panel login (Plesk client login, Confixx `webN`) */
  login: string;
  name?: string;
  email?: string;
  /** e.g. "de", "en", "de-DE"; notices pick their language from it */
  locale?: string;
}

export interface Reseller {
  login: string;
  name?: string;
  email?: string;
}

export interface Mailbox {
  /** full address, lower-cased */
  address: string;
  /** panel id of the mailbox, when the panel has one (Confixx `web9p3`) */
  panelId?: string;
}

export interface Subscription {
  /** stable id within its panel: Plesk domain id or name, Confixx `webN`, static key */
  id: string;
  panel: PanelKind;
  /** main domain first, then additional domains and subdomains on the same system user */
  domains: string[];
  /** system user that runs the subscription's PHP and owns its files */
  sysUser: string | null;
  uid: number | null;
  homeDir: string | null;
  /** document roots, absolute; a script's URL path is resolved against these */
  docRoots: string[];
  /** directories holding this subscription's access logs, absolute */
  logDirs: string[];
  mailboxes: Mailbox[];
  customer: Customer | null;
  reseller: Reseller | null;
  /** suspended/locked in the panel, when known */
  suspended?: boolean;
}

/** Where an inventory came from and what it could not map: shown to the admin. */
export interface InventoryResult {
  subscriptions: Subscription[];
  /** which source answered: "plesk-api", "plesk-cli", "filesystem", ... */
  source: string;
  /** fallbacks taken and entries that could not be mapped, in plain words */
  warnings: string[];
}

/** A panel or layout that can list the server's subscriptions. */
export interface Inventory {
  readonly name: string;
  list(): Promise<InventoryResult>;
}
