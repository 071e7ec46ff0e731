/**
 * The kernel's TCP socket table, /proc/net/tcp and /proc/net/tcp6 (proc(5)): one row per
 * socket with the local and remote address as hex, the state, and the uid that owns the
 * socket. The client end of a connection to 127.0.0.1:25 is a row whose local address is the
 * client's (client_address:client_port in Postfix's policy request) and whose remote address
 * is the server's: its uid is the process that spoke SMTP, without walking /proc/PID/fd.
 *
 * Addresses are written in the kernel's byte order as 32-bit words: on little-endian machines
 * 127.0.0.1 is 0100007F; an IPv6 address is four such words, ::1 being
 * 00000000000000000000000001000000. Ports are big-endian hex (0019 = 25).
 */
import { isIP } from 'node:net';
import { endianness } from 'node:os';

/** TCP_ESTABLISHED (include/net/tcp_states.h): the only state where the owner is the live process */
export const TCP_ESTABLISHED = 0x01;

export interface TcpRow {
  local: { address: string; port: number };
  remote: { address: string; port: number };
  state: number;
  uid: number;
}

const LITTLE = endianness() === 'LE';

/** One 8-hex-digit kernel word as its four bytes in memory order. */
function wordBytes(hex: string, little: boolean): number[] {
  const v = parseInt(hex, 16);
  const be = [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
  return little ? be.reverse() : be;
}

/** "0100007F:0019" -> 127.0.0.1, 25; 32 hex digits -> an IPv6 text (compressed). */
export function decodeAddress(text: string, little = LITTLE): { address: string; port: number } | null {
  const m = /^([0-9A-Fa-f]{8}|[0-9A-Fa-f]{32}):([0-9A-Fa-f]{4})$/.exec(text);
  if (!m) return null;
  const hex = m[1]!;
  const port = parseInt(m[2]!, 16);
  if (hex.length === 8) return { address: wordBytes(hex, little).join('.'), port };
  const bytes: number[] = [];
  for (let i = 0; i < 32; i += 8) bytes.push(...wordBytes(hex.slice(i, i + 8), little));
  return { address: ipv6Text(bytes), port };
}

function ipv6Text(bytes: number[]): string {
  // an IPv4-mapped address (an IPv6 socket talking to 127.0.0.1) reads as the IPv4 address
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return bytes.slice(12).join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  // the longest run of two or more zero groups becomes "::" (RFC 5952)
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best === -1) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** One row of the table, or null for the header and anything that does not parse. */
export function parseTcpRow(line: string, little = LITTLE): TcpRow | null {
  // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
  const f = line.trim().split(/\s+/);
  if (f.length < 10 || !/^\d+:$/.test(f[0]!)) return null;
  const local = decodeAddress(f[1]!, little);
  const remote = decodeAddress(f[2]!, little);
  if (!local || !remote || !/^[0-9A-Fa-f]{2}$/.test(f[3]!) || !/^\d{1,10}$/.test(f[7]!)) return null;
  return { local, remote, state: parseInt(f[3]!, 16), uid: Number(f[7]) };
}

/** An address as the table writes it (IPv4-mapped shown as IPv4, IPv6 compressed lower-case). */
export function normalAddress(ip: string): string | null {
  const v = ip.trim();
  if (isIP(v) === 4) return v;
  if (isIP(v) !== 6) return null;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(v);
  if (mapped) return mapped[1]!;
  // expand, then compress the same way the decoder does
  const [head, tail] = v.toLowerCase().split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return null;
  const bytes: number[] = [];
  for (const g of groups) {
    const n = parseInt(g, 16);
    bytes.push(n >> 8, n & 0xff);
  }
  return ipv6Text(bytes);
}

export interface Endpoint {
  address: string;
  port: number;
}

/**
 * The uid owning the established socket whose local end is `client` and remote end `server`,
 * from the table's text; null when no such row is there (the connection is gone).
 */
export function ownerIn(table: string, client: Endpoint, server: Endpoint, little = LITTLE): number | null {
  const ca = normalAddress(client.address);
  const sa = normalAddress(server.address);
  if (!ca || !sa) return null;
  for (const line of table.split('\n')) {
    const r = parseTcpRow(line, little);
    if (!r || r.state !== TCP_ESTABLISHED) continue;
    if (r.local.port === client.port && r.remote.port === server.port && r.local.address === ca && r.remote.address === sa) return r.uid;
  }
  return null;
}
