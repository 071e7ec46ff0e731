/**
 * The Confixx inventory: confixx_main.conf -> MySQL -> Subscriptions, and the panel's own
 * lock for a customer. A connection is opened per call and closed after it: inventories
 * are taken now and then, and a held connection would go stale between scans.
 */
import type { Host } from '../../host/host';
import type { Inventory, InventoryResult } from '../../domain/subscription';
import { posix } from 'node:path';
import { isSpamtraceError, SpamtraceError } from '../../errors';
import { DEFAULT_CONFIXX_CONF, readConfixxConf, type ConfixxDbSettings } from './confixx-conf';
import { connectConfixx, describeDbError, resolveTarget, type ConnectOptions } from './confixx-db';
import { Mysql2Session, type SqlSession } from './sql-session';
import { RemoteMysqlSession } from './remote-mysql';
import { readConfixxTables } from './confixx-tables';
import { mapConfixx } from './confixx-mapping';
import { lookupAccounts } from './system-accounts';
import { setLockFlag, checkCustomerLogin, type LockChange } from './confixx-lock';

export const DEFAULT_CONFIXX_HOME_BASE = '/var/www';

export interface ConfixxInventoryOptions extends ConnectOptions {
  host: Host;
  /** default /root/confixx/confixx_main.conf */
  confPath?: string;
  /** parent of the webN homes; default /var/www */
  homeBase?: string;
  /** take uids from this passwd file instead of `getent passwd` (offline analysis) */
  passwdFile?: string;
  /**
   * `direct`: connect from here (mysql2; spamtrace runs on the Confixx server). `host`: run
   * the Confixx server's own `mysql` client through the Host (over SSH: old distributions
   * where spamtrace cannot run, MySQL on a local socket only). Default direct.
   */
  dbVia?: 'direct' | 'host';
}

export class ConfixxInventory implements Inventory {
  readonly name = 'confixx';
  private readonly confPath: string;
  private readonly homeBase: string;

  constructor(private readonly options: ConfixxInventoryOptions) {
    this.confPath = options.confPath ?? DEFAULT_CONFIXX_CONF;
    this.homeBase = (options.homeBase ?? DEFAULT_CONFIXX_HOME_BASE).replace(/\/+$/, '') || '/';
    if (!posix.isAbsolute(this.homeBase) || this.homeBase.split('/').includes('..')) {
      throw new SpamtraceError('E_CONFIG', `the Confixx home base must be an absolute path: ${JSON.stringify(this.homeBase.slice(0, 80))}`);
    }
  }

  async list(): Promise<InventoryResult> {
    const tables = await this.withConnection('reading the customers', (conn) => readConfixxTables(conn));
    const logins = tables.kunden.map((r) => String(r['kunde'] ?? '').trim()).filter((k) => /^web\d+$/.test(k));
    const lookup = await lookupAccounts(this.options.host, logins, this.options.passwdFile ? { passwdFile: this.options.passwdFile } : {});
    const mapped = mapConfixx(tables, lookup.accounts, { homeBase: this.homeBase });
    return { subscriptions: mapped.subscriptions, source: 'confixx-mysql', warnings: [...lookup.warnings, ...mapped.warnings] };
  }

  /** Sets kunden.gesperrt = 1. Already locked: nothing written, changed = false. */
  async lockCustomer(login: string): Promise<LockChange> {
    checkCustomerLogin(login);
    return this.withConnection(`locking ${login}`, (conn) => setLockFlag(conn, login, 1));
  }

  /**
   * Sets kunden.gesperrt back to `restoreTo`: pass the `before` of the lock to undo it
   * exactly (a customer the reseller had locked already stays locked). Default 0.
   */
  async unlockCustomer(login: string, restoreTo = 0): Promise<LockChange> {
    checkCustomerLogin(login);
    return this.withConnection(`unlocking ${login}`, (conn) => setLockFlag(conn, login, restoreTo));
  }

  /** The settings in use, password left out: for `config print` and diagnostics. */
  async describe(): Promise<Omit<ConfixxDbSettings, 'password'>> {
    const { password: _password, ...rest } = await this.settings();
    return rest;
  }

  private async settings(): Promise<ConfixxDbSettings> {
    const s = await readConfixxConf(this.options.host, this.confPath);
    return resolveTarget(this.options.host, s, this.options);
  }

  private async withConnection<T>(doing: string, work: (conn: SqlSession) => Promise<T>): Promise<T> {
    const s = await this.settings();
    const conn: SqlSession = this.options.dbVia === 'host' ? new RemoteMysqlSession(this.options.host, s) : new Mysql2Session(await connectConfixx(s, this.options));
    try {
      return await work(conn);
    } catch (e) {
      if (isSpamtraceError(e)) throw e;
      throw describeDbError(e, s, doing);
    } finally {
      await conn.end();
    }
  }
}
