/**
 * Plesk's subscriptions, customers and resellers, from the best source that answers:
 *
 *   1. the REST API v2 (when an API URL and key are configured),
 *   2. the local `plesk bin` utilities (when /usr/sbin/plesk exists: we run on the panel),
 *   3. the filesystem layout (an injected Inventory, e.g. src/inventory/filesystem).
 *
 * Each step down is logged and said in `warnings`. What a source cannot tell is left
 * unknown (sysUser/uid null, reported), never filled in from a neighbour. Results are
 * cached for `cacheTtlMs` on an injectable clock.
 */
import type { Host } from '../../host/host';
import type { Inventory, InventoryResult } from '../../domain/subscription';
import { silentLogger, type Logger } from '../../log';
import { readFromApi } from './api-source';
import { TtlCache, type Clock } from './cache';
import { readFromCli } from './cli-source';
import { DEFAULT_PLESK_PATH, PleskCliRunner } from './cli-runner';
import { PleskError, isPleskError, oneLine } from './errors';
import { mapSubscriptions } from './map-subscriptions';
import { PleskRestClient, type PleskApiOptions } from './rest-client';
import { getentUidLookup, type UidLookup } from './uid-lookup';

export interface PleskInventoryOptions {
  host: Host;
  /** REST API settings; absent = do not try the API */
  api?: PleskApiOptions;
  /** path of the plesk program for the CLI fallback; false = never use the CLI */
  pleskCli?: string | false;
  /** last resort, e.g. the filesystem-layout inventory */
  fallback?: Inventory;
  /** name → uid; default `getent passwd` on the host */
  uidLookup?: UidLookup;
  /** Plesk's HTTPD_VHOSTS_D; default /var/www/vhosts */
  vhostsRoot?: string;
  /** subscriptions read at once (domain --info calls in flight); default 8 */
  concurrency?: number;
  /** how long a listing is reused; default 300,000 ms; 0 = always ask */
  cacheTtlMs?: number;
  clock?: Clock;
  logger?: Logger;
}

export class PleskInventory implements Inventory {
  readonly name = 'plesk';
  private readonly api: PleskRestClient | null;
  private readonly cli: PleskCliRunner | null;
  private readonly cache: TtlCache<InventoryResult>;
  private readonly logger: Logger;
  private readonly uidLookup: UidLookup;
  private readonly concurrency: number;
  private readonly vhostsRoot: string;

  constructor(private readonly options: PleskInventoryOptions) {
    this.api = options.api ? new PleskRestClient(options.api) : null;
    this.cli = options.pleskCli === false ? null : new PleskCliRunner(options.host, options.pleskCli ?? DEFAULT_PLESK_PATH);
    this.cache = new TtlCache(options.cacheTtlMs ?? 300_000, options.clock ?? Date.now);
    this.logger = options.logger ?? silentLogger();
    this.uidLookup = options.uidLookup ?? getentUidLookup(options.host);
    const c = options.concurrency ?? 8;
    this.concurrency = Number.isInteger(c) && c >= 1 && c <= 64 ? c : 8;
    this.vhostsRoot = options.vhostsRoot ?? '/var/www/vhosts';
  }

  /** A fresh copy each time, so a caller editing its result cannot change the cache. */
  async list(): Promise<InventoryResult> {
    return structuredClone(await this.cache.get(() => this.load()));
  }

  /** Forget the cached listing (after a panel change we made ourselves). */
  invalidate(): void {
    this.cache.clear();
  }

  close(): void {
    this.api?.close();
  }

  private async uids(logins: readonly string[]): Promise<ReadonlyMap<string, number>> {
    try {
      return await this.uidLookup(logins);
    } catch (e) {
      this.logger.warn('plesk inventory: uid lookup failed', { code: 'PLESK_UID_LOOKUP_FAILED', error: oneLine(String((e as Error).message ?? e)) });
      return new Map();
    }
  }

  private async load(): Promise<InventoryResult> {
    const warnings: string[] = [];
    const reasons: string[] = [];
    const fellBack = (from: string, to: string, e: unknown): void => {
      const why = isPleskError(e) ? e.message : oneLine(String((e as Error)?.message ?? e));
      reasons.push(`${from}: ${why}`);
      warnings.push(`${from} unusable (${why}); falling back to ${to}`);
      this.logger.warn('plesk inventory: falling back', { code: 'PLESK_FALLING_BACK', from, to, reason: why });
    };
    let cliReady: boolean | null = null;
    const cliAvailable = async (): Promise<boolean> => (cliReady ??= this.cli ? await this.cli.available() : false);
    const fsName = this.options.fallback ? 'the filesystem layout' : 'nothing (no fallback configured)';

    if (this.api) {
      try {
        const read = await readFromApi(this.api, this.concurrency, this.logger);
        const sysUsers = [...read.details.values()].flatMap((d) => (d.info?.ftpLogin ? [d.info.ftpLogin] : []));
        const mapped = mapSubscriptions({ ...read, uids: await this.uids(sysUsers), vhostsRoot: this.vhostsRoot });
        const all = [...read.warnings, ...mapped.warnings];
        this.logger.info('plesk inventory: read through the REST API', { code: 'PLESK_API_READ', subscriptions: mapped.subscriptions.length, warnings: all.length });
        return { subscriptions: mapped.subscriptions, source: 'plesk-api', warnings: all };
      } catch (e) {
        fellBack(`Plesk API ${this.api.url}`, (await cliAvailable()) ? `the plesk CLI (${this.cli!.path})` : fsName, e);
      }
    }

    if (this.cli) {
      if (await cliAvailable()) {
        try {
          const read = await readFromCli(this.cli, this.concurrency, (l) => this.uids(l), this.vhostsRoot, this.logger);
          return { subscriptions: read.subscriptions, source: 'plesk-cli', warnings: [...warnings, ...read.warnings] };
        } catch (e) {
          fellBack(`plesk CLI ${this.cli.path}`, fsName, e);
        }
      } else {
        reasons.push(`plesk CLI: ${this.cli.path} not found`);
        this.logger.info('plesk inventory: no local plesk program', { code: 'PLESK_NO_CLI', path: this.cli.path });
      }
    }

    if (this.options.fallback) {
      if (warnings.length === 0) {
        warnings.push(`Plesk not usable (${reasons.join('; ') || 'no API configured, CLI disabled'}); using the filesystem layout`);
      }
      const r = await this.options.fallback.list();
      this.logger.warn('plesk inventory: using the fallback inventory', { code: 'PLESK_FALLBACK_INVENTORY', fallback: this.options.fallback.name });
      return { subscriptions: r.subscriptions, source: r.source, warnings: [...warnings, ...r.warnings] };
    }
    const all = reasons.join('; ') || 'no Plesk API configured and no plesk program found';
    throw new PleskError('E_PLESK_API', 'unreachable', `no Plesk inventory source answered: ${all}`, all);
  }
}
