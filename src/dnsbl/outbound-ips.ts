/**
 * Which addresses does mail leave this server from? Asked from Postfix, not assumed:
 *
 * - `smtp_bind_address` / `smtp_bind_address6` in main.cf: the SMTP client binds there;
 * - the same set per service in master.cf (`-o smtp_bind_address=...`, read with
 *   `postconf -P`), as sender-dependent transports (`sender_dependent_default_transport_maps`)
 *   use to send some customers' mail from another address;
 * - without a bind address the kernel picks the source by route: every non-loopback,
 *   non-link-local interface address is a candidate (inet_protocols decides the families).
 *
 * `smtp_bind_address_enforce = no` (the default) lets the client fall back to the kernel's
 * choice when the bind fails, so the interfaces are candidates then too. A private address
 * (RFC 1918, CGNAT, ULA) is marked: mail leaves through NAT and the public address must be
 * configured (`dnsbl.addresses` in the watch policy) to be checked.
 */
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { Host } from '../host/host';
import { PostconfValues } from '../collect/postconf-values';

export interface OutboundAddress {
  address: string;
  /** where it was found: "smtp_bind_address", "master.cf relay-b/unix", "interface eth0" */
  via: string[];
  private: boolean;
}

export interface InterfaceAddress {
  name: string;
  address: string;
  family: 'IPv4' | 'IPv6';
  internal: boolean;
}

/** This machine's interface addresses (for a scan or watch of this machine). */
export function localInterfaces(): InterfaceAddress[] {
  const out: InterfaceAddress[] = [];
  for (const [name, list] of Object.entries(networkInterfaces())) {
    for (const i of list ?? []) out.push({ name, address: i.address, family: i.family === 'IPv6' ? 'IPv6' : 'IPv4', internal: i.internal });
  }
  return out;
}

export interface OutboundDiscovery {
  addresses: OutboundAddress[];
  notes: string[];
}

/** The main.cf parameters read here (a scan announces them to its shared PostconfValues). */
export const OUTBOUND_PARAMETERS = ['smtp_bind_address', 'smtp_bind_address6', 'smtp_bind_address_enforce', 'inet_protocols', 'sender_dependent_default_transport_maps'] as const;

/** `postconf`: the scan's shared values (asked together with the other stages'); default: asked here. */
export async function discoverOutbound(host: Host, interfaces: readonly InterfaceAddress[], configured: readonly string[] = [], postconf = new PostconfValues(host)): Promise<OutboundDiscovery> {
  const notes: string[] = [];
  const found = new Map<string, OutboundAddress>();
  const add = (address: string, via: string): void => {
    const a = address.trim().replace(/^\[|\]$/g, '');
    if (isIP(a) === 0) return;
    const e = found.get(a) ?? { address: a, via: [], private: isPrivate(a) };
    if (!e.via.includes(via)) e.via.push(via);
    found.set(a, e);
  };
  for (const a of configured) add(a, 'configured');
  const asked = await postconf.get(OUTBOUND_PARAMETERS);
  const main = typeof asked === 'string' ? null : asked.values;
  const [bind4 = '', bind6 = '', enforce = 'no', protocols = 'all', sdtm = ''] = main ?? [];
  if (main === null) notes.push('postconf did not answer: bind addresses unknown, interfaces used');
  if (bind4) add(bind4, 'smtp_bind_address');
  if (bind6) add(bind6, 'smtp_bind_address6');
  const master = await masterSettings(host);
  for (const line of master ?? []) {
    const m = /^([^/\s]+)\/([a-z]+)\/(smtp_bind_address6?|lmtp_bind_address6?) = (\S+)$/.exec(line);
    if (m && m[3]!.startsWith('smtp')) add(m[4]!, `master.cf ${m[1]}/${m[2]}`);
  }
  if (sdtm) notes.push(`sender_dependent_default_transport_maps = ${sdtm}: those transports' bind addresses (master.cf) are included`);
  const bound = found.size > configured.length;
  if (!bound || enforce !== 'yes') {
    const families = protocols.includes('all') ? ['IPv4', 'IPv6'] : [...(protocols.includes('ipv4') ? ['IPv4'] : []), ...(protocols.includes('ipv6') ? ['IPv6'] : [])];
    for (const i of interfaces) {
      if (i.internal || !families.includes(i.family) || i.address.toLowerCase().startsWith('fe80:')) continue;
      add(i.address, `interface ${i.name}`);
    }
    if (bound) notes.push('smtp_bind_address_enforce = no: a failed bind falls back to the kernel\'s choice, so the interfaces count too');
  }
  const addresses = [...found.values()].sort((a, b) => Number(a.private) - Number(b.private) || (a.address < b.address ? -1 : 1));
  const priv = addresses.filter((a) => a.private && !a.via.includes('configured'));
  if (priv.length) notes.push(`${priv.map((a) => a.address).join(', ')}: private, mail leaves through NAT; name the public address in the watch policy's dnsbl.addresses`);
  return { addresses, notes };
}

/** `postconf -Px`: master.cf's per-service settings, expanded (a question of its own to Postfix). */
async function masterSettings(host: Host): Promise<string[] | null> {
  const args = ['-Px'];
  let r = await host.run('postconf', args, { timeoutMs: 15_000 });
  if (r.spawnError?.code === 'ENOENT') r = await host.run('/usr/sbin/postconf', args, { timeoutMs: 15_000 });
  if (r.spawnError || r.code !== 0) return null;
  return r.stdout.split('\n').map((l) => l.trim());
}

/** RFC 1918, CGNAT 100.64/10, loopback, ULA fc00::/7, link-local: not what the world sees. */
export function isPrivate(a: string): boolean {
  if (isIP(a) === 4) {
    const [x, y] = a.split('.').map(Number) as [number, number];
    return x === 10 || x === 127 || (x === 172 && y >= 16 && y <= 31) || (x === 192 && y === 168) || (x === 100 && y >= 64 && y <= 127) || (x === 169 && y === 254);
  }
  const l = a.toLowerCase();
  return l === '::1' || l.startsWith('fc') || l.startsWith('fd') || l.startsWith('fe80:');
}
