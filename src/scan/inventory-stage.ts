/**
 * Which subscriptions does this server have? Chosen once per scan from the config's
 * `panel` (auto: Plesk when installed, then Confixx, then the filesystem layouts).
 * A failing panel falls back to the filesystem with a warning; a failing inventory is
 * a warning, not a failed scan: the queue evidence stands without it.
 *
 * The panel is looked for on the scanned host, through its Host: a remote Confixx box
 * scanned over SSH is judged by its own files, not by the machine spamtrace runs on.
 * (The Plesk API key and CA file are the scanner's configuration: those stay local.)
 * A split mail/web pair names the nodes to look on (Host.panelHosts): the panel's
 * database is then reached through the node it was found on.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Inventory, InventoryResult } from '../domain/subscription';
import type { Host } from '../host/host';
import { LocalHost } from '../host/local-host';
import type { Logger } from '../log';
import type { SpamtraceConfig } from '../config/config-types';
import { readSecretFile } from '../config/secret-file';
import { FilesystemInventory } from '../inventory/filesystem/discover';
import { resolveOptions } from '../inventory/filesystem/options';
import { PleskInventory } from '../inventory/plesk';
import { ConfixxInventory } from '../inventory/confixx';
import { isSpamtraceError } from '../errors';

export interface InventoryChoice {
  vhostsRoot: string | null;
  confixxRoot: string | null;
  staticMap: string | null;
}

const PLESK_HOME = '/usr/local/psa';

export async function loadInventory(
  host: Host,
  choice: InventoryChoice,
  logger: Logger,
  config: Readonly<SpamtraceConfig> | null = null,
  /** offline scans look at the layouts the admin named, never at this server's panel */
  panelAllowed = true,
): Promise<InventoryResult> {
  const layout = {
    vhostsRoot: choice.vhostsRoot ?? config?.roots.vhosts ?? undefined,
    confixxRoot: choice.confixxRoot ?? config?.roots.confixx ?? undefined,
    ...((choice.staticMap ?? config?.staticFile) ? { staticFile: (choice.staticMap ?? config?.staticFile)! } : {}),
  };
  const filesystem = new FilesystemInventory(host, layout);
  const warnings: string[] = [];
  const o = resolveOptions(layout);
  // the layouts' roots ride along with the panel's marks: one round trip for both over SSH
  const panel = panelAllowed ? await pickPanel(host, config, logger, filesystem, warnings, [o.vhostsRoot, o.mailnamesRoot, o.confixxRoot]) : null;
  try {
    const result = await (panel ?? filesystem).list();
    logger.info('inventory', { code: 'INVENTORY_DONE', source: result.source, subscriptions: result.subscriptions.length, warnings: result.warnings.length });
    return { ...result, warnings: [...warnings, ...result.warnings] };
  } catch (e) {
    // a static map the admin named must be right: that is their error to see
    if (choice.staticMap && isSpamtraceError(e)) throw e;
    if (panel) {
      logger.warn('panel inventory failed, using the filesystem layout', { code: 'INVENTORY_FALLBACK', panel: panel.name, error: (e as Error).message });
      warnings.push(`${panel.name} inventory failed (${(e as Error).message}): subscriptions read from the filesystem layout`);
      try {
        const result = await filesystem.list();
        return { ...result, warnings: [...warnings, ...result.warnings] };
      } catch (e2) {
        e = e2;
      }
    }
    logger.warn('inventory failed', { code: 'INVENTORY_FAILED', error: (e as Error).message });
    return { subscriptions: [], source: 'none', warnings: [...warnings, `no subscriptions could be listed: ${(e as Error).message}`] };
  }
}

/** Is `path` there on the scanned host? An unreadable answer counts as "no" (and is said). */
async function existsOn(host: Host, path: string, warnings: string[]): Promise<boolean> {
  try {
    return (await host.stat(path)) !== null;
  } catch (e) {
    warnings.push(`${path} on ${host.name} could not be checked (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    return false;
  }
}

async function pickPanel(
  host: Host,
  config: Readonly<SpamtraceConfig> | null,
  logger: Logger,
  filesystem: Inventory,
  warnings: string[],
  layoutRoots: readonly string[],
): Promise<Inventory | null> {
  const want = config?.panel ?? 'auto';
  if (want === 'filesystem' || want === 'static') return null;
  const confFile = config?.confixx.confFile ?? '/root/confixx/confixx_main.conf';
  // a split mail/web pair: the panel may be on either node, and is read through that one
  const candidates = host.panelHosts?.() ?? [host];
  const where = async (path: string): Promise<Host | null> => {
    for (const h of candidates) if (await existsOn(h, path, warnings)) return h;
    return null;
  };
  if (want === 'auto') {
    const marks = [PLESK_HOME, confFile];
    if (candidates.length === 1 && candidates[0] === host) await host.prefetch?.({ stat: [...marks, ...layoutRoots] });
    else await Promise.all([...candidates.map((h) => h.prefetch?.({ stat: marks })), host.prefetch?.({ stat: layoutRoots })]);
  }
  const pleskOn = want === 'plesk' ? candidates[0]! : want === 'auto' ? await where(PLESK_HOME) : null;
  if (pleskOn) {
    const api = config ? pleskApi(config, warnings) : undefined;
    return new PleskInventory({ host: pleskOn, ...(api ? { api } : {}), fallback: filesystem, logger, vhostsRoot: config?.roots.vhosts ?? '/var/www/vhosts' });
  }
  // named in the config: on the node that has its conf file (the first when none has: its error is the one to see)
  const confixxOn = want === 'confixx' ? (candidates.length > 1 ? await where(confFile) : null) ?? candidates[0]! : want === 'auto' ? await where(confFile) : null;
  if (confixxOn) {
    // a remote Confixx server's MySQL listens on its own socket: ask its mysql client
    return new ConfixxInventory({ host: confixxOn, confPath: confFile, homeBase: config?.roots.confixx ?? '/var/www', dbVia: confixxOn instanceof LocalHost ? 'direct' : 'host' });
  }
  return null;
}

/** The REST API when a key file is there; without one, Plesk's CLI (on the panel server) answers. */
function pleskApi(config: Readonly<SpamtraceConfig>, warnings: string[]): ConstructorParameters<typeof PleskInventory>[0]['api'] {
  if (!existsSync(config.plesk.apiKeyFile)) {
    warnings.push(`no Plesk API key at ${config.plesk.apiKeyFile}: using the local plesk CLI`);
    return undefined;
  }
  try {
    const apiKey = readSecretFile(config.plesk.apiKeyFile, 'the Plesk API key', [0]).toString('utf8').trim();
    const tls = config.plesk.tls.caFile
      ? { ca: readFileSync(config.plesk.tls.caFile, 'utf8') }
      : config.plesk.tls.fingerprint256
        ? { fingerprint256: config.plesk.tls.fingerprint256 }
        : undefined;
    return { baseUrl: config.plesk.url, apiKey, ...(tls ? { tls } : {}) };
  } catch (e) {
    warnings.push(`the Plesk API key could not be used (${(e as Error).message}): using the local plesk CLI`);
    return undefined;
  }
}
