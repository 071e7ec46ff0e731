/**
 * The domains this Postfix receives mail for, as Postfix itself decides it: the address
 * classes of ADDRESS_CLASS_README. `postconf -xh` expands `$myhostname` and the
 * compatibility defaults; each value is a list of domains, `/file` names and
 * `type:table` lookups (for virtual_mailbox_domains the default is the mailbox map, whose
 * keys are addresses). Tables Postfix can list (`postmap -s`) are listed; SQL or LDAP
 * tables cannot be, which is said in a warning: the panel inventory's domains still count.
 */
import type { Host } from '../../host/host';
import { PostconfValues } from '../postconf-values';

export const DOMAIN_PARAMETERS = ['mydestination', 'virtual_mailbox_domains', 'virtual_alias_domains', 'relay_domains'] as const;

/** table types postmap -s can list */
const LISTABLE = new Set(['hash', 'btree', 'lmdb', 'cdb', 'dbm', 'sdbm', 'texthash']);
const MAX_DOMAINS = 200_000;
const DOMAIN = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?)*$/;
const TABLE_NAME = /^\/[A-Za-z0-9._/-]{1,300}$/;

export interface PostfixDomains {
  domains: string[];
  warnings: string[];
}

/** Postfix lists are separated by commas and white space; `inline:{ a, b }` stays one item. */
export function splitPostfixList(value: string): string[] {
  const out: string[] = [];
  let cur = '';
  let depth = 0;
  for (const ch of value) {
    if (ch === '{') depth++;
    if (ch === '}') depth = Math.max(0, depth - 1);
    if (depth === 0 && (ch === ',' || /\s/.test(ch))) {
      if (cur) out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur) out.push(cur);
  return out;
}

/** A table key or list entry as a domain: `user@d` and `@d` give d; junk gives null. */
export function domainOfKey(key: string): string | null {
  const k = key.trim().toLowerCase().replace(/\.$/, '');
  const d = k.includes('@') ? k.slice(k.lastIndexOf('@') + 1) : k;
  return DOMAIN.test(d) ? d : null;
}

/** `postconf`: the scan's shared values (asked together with the other stages'), else asked here. */
export async function readPostfixDomains(host: Host, timeoutMs = 15_000, postconf = new PostconfValues(host, timeoutMs)): Promise<PostfixDomains> {
  const warnings: string[] = [];
  const r = await postconf.get(DOMAIN_PARAMETERS);
  if (typeof r === 'string') return { domains: [], warnings: ['postconf did not answer: hosted domains come from the panel inventory only'] };
  const domains = new Set<string>();
  const add = (key: string): void => {
    const d = domainOfKey(key);
    if (d && domains.size < MAX_DOMAINS) domains.add(d);
  };
  for (const item of r.values.flatMap(splitPostfixList)) {
    const colon = item.indexOf(':');
    if (item.startsWith('/')) {
      await readDomainFile(host, item, add, warnings);
    } else if (colon > 0) {
      await readTable(host, item.slice(0, colon), item.slice(colon + 1), add, warnings, timeoutMs);
    } else {
      add(item);
    }
  }
  return { domains: [...domains], warnings };
}

async function readDomainFile(host: Host, path: string, add: (k: string) => void, warnings: string[]): Promise<void> {
  if (!TABLE_NAME.test(path) || path.includes('..')) return;
  try {
    for await (const line of host.readLines(path, { maxLineBytes: 4096 })) {
      const text = line.text.replace(/#.*/, '');
      for (const item of splitPostfixList(text)) add(item);
    }
  } catch (e) {
    warnings.push(`hosted domains: ${path} could not be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

async function readTable(host: Host, type: string, name: string, add: (k: string) => void, warnings: string[], timeoutMs: number): Promise<void> {
  if (type === 'inline' || type === 'static') {
    const body = name.replace(/^\{|\}$/g, '');
    for (const item of splitPostfixList(body)) add(item.split('=')[0]!);
    return;
  }
  if (!LISTABLE.has(type) || !TABLE_NAME.test(name) || name.includes('..')) {
    warnings.push(`hosted domains: the ${type}: table cannot be listed; its domains count only when the panel inventory knows them`);
    return;
  }
  const r = await host.run('postmap', ['-s', `${type}:${name}`], { timeoutMs, maxOutputBytes: 32 * 1024 * 1024 });
  if (r.spawnError || r.code !== 0) {
    warnings.push(`hosted domains: postmap -s ${type}:${name} failed${r.stderr ? `: ${r.stderr.trim().slice(0, 200)}` : ''}`);
    return;
  }
  for (const line of r.stdout.split('\n')) {
    const key = line.split(/\s/, 1)[0];
    if (key) add(key);
  }
}
