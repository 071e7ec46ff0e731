/**
 * Reads the inventory through the REST API: `GET /clients`, `GET /domains`, then per
 * subscription `GET /domains/{id}/client` and `POST /cli/domain/call ["--info", NAME]`
 * with at most `concurrency` subscriptions in flight.
 *
 * Failure rules (the inventory falls back on a throw):
 * - `/clients` or `/domains` fails → throw (nothing to map).
 * - a per-subscription call fails with 401/403 or the API becomes unreachable → throw:
 *   the key was revoked or the panel went away, the rest would fail the same way.
 * - a per-subscription call fails otherwise (500, 404, a CLI exit code) → one retry for
 *   5xx, then that subscription alone is reported unmapped.
 */
import type { Logger } from '../../log';
import { listOf, toClient, toDomain, type PleskClient, type PleskDomain } from './api-shapes';
import { parseDomainInfo } from './cli-output';
import { mapBounded } from '../../bounded-map';
import { PleskError, isPleskError, oneLine } from './errors';
import type { SubscriptionDetails } from './map-subscriptions';
import type { PleskRestClient } from './rest-client';

export interface ApiRead {
  domains: PleskDomain[];
  clients: PleskClient[];
  details: Map<number, SubscriptionDetails>;
  warnings: string[];
}

/** Aborts the whole API read: the next source takes over. */
function isFatal(e: unknown): boolean {
  return isPleskError(e) && (e.failure === 'auth' || e.failure === 'unreachable');
}

async function withRetry<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isPleskError(e) && e.failure === 'server') return fn();
    throw e;
  }
}

function reason(e: unknown): string {
  return isPleskError(e) ? e.message : oneLine(String((e as Error)?.message ?? e));
}

export async function readFromApi(api: PleskRestClient, concurrency: number, logger: Logger): Promise<ApiRead> {
  const warnings: string[] = [];
  const clientsRaw = listOf(await api.request('GET', 'clients'), toClient);
  if (!clientsRaw) throw new PleskError('E_PLESK_API', 'bad-response', 'Plesk API GET /clients did not answer a list', '');
  const domainsRaw = listOf(await api.request('GET', 'domains'), toDomain);
  if (!domainsRaw) throw new PleskError('E_PLESK_API', 'bad-response', 'Plesk API GET /domains did not answer a list', '');
  if (clientsRaw.dropped) warnings.push(`Plesk API: ${clientsRaw.dropped} client entries without id/login/type were ignored`);
  if (domainsRaw.dropped) warnings.push(`Plesk API: ${domainsRaw.dropped} domain entries without id/name were ignored`);

  const mains = domainsRaw.items.filter((d) => d.base_domain_id === 0);
  logger.info('plesk api: listing subscriptions', { code: 'PLESK_API_LISTING', subscriptions: mains.length, domains: domainsRaw.items.length, concurrency });
  const details = new Map<number, SubscriptionDetails>();
  let fatal: unknown = null;

  await mapBounded(mains, concurrency, async (main) => {
    if (fatal) return;
    const detail: SubscriptionDetails = { info: null, owner: null };
    try {
      const r = await withRetry(() => api.cli('domain', ['--info', main.name]));
      if (r.code === 0) detail.info = parseDomainInfo(r.stdout);
      else detail.infoError = `exit ${r.code}: ${oneLine(r.stderr || r.stdout, 300)}`;
    } catch (e) {
      if (isFatal(e)) fatal ??= e;
      detail.infoError = reason(e);
    }
    if (fatal) return;
    try {
      detail.owner = toClient(await withRetry(() => api.request('GET', `domains/${main.id}/client`)));
      if (!detail.owner) detail.ownerError = 'GET /domains/{id}/client did not answer a client';
    } catch (e) {
      if (isFatal(e)) fatal ??= e;
      detail.ownerError = reason(e);
    }
    details.set(main.id, detail);
  });
  if (fatal) throw fatal;
  return { domains: domainsRaw.items, clients: clientsRaw.items, details, warnings };
}
