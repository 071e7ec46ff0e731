/**
 * The network an address belongs to, as a provider hands them out: a /24 for IPv4,
 * a /48 for IPv6 (one customer site). Used to tell "one office" from "the whole world".
 * Addresses come from logs: anything that does not parse gives null, never a throw.
 */

function ipv4Octets(s: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  const octets = m.slice(1).map(Number);
  return octets.every((o) => o <= 255) ? octets : null;
}

/** Eight 16-bit groups, or null. Accepts "::" and a dotted IPv4 tail. */
function ipv6Groups(s: string): number[] | null {
  let text = s;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.')) {
    const v4 = ipv4Octets(text.slice(lastColon + 1));
    if (!v4) return null;
    tail.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    text = text.slice(0, lastColon);
    // "::1.2.3.4" leaves ":", "::ffff:1.2.3.4" leaves "::ffff": keep the "::" whole.
    if (text.endsWith(':')) text += ':';
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string): number[] | null => {
    if (part === '') return [];
    const groups = part.split(':');
    if (!groups.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return null;
    return groups.map((g) => parseInt(g, 16));
  };
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  if (!head || !rest) return null;
  const have = head.length + rest.length + tail.length;
  if (halves.length === 1 ? have !== 8 : have > 7) return null;
  const zeros = new Array<number>(8 - have).fill(0);
  return [...head, ...zeros, ...rest, ...tail];
}

/** "45.155.205.17" -> "45.155.205.0/24"; "2001:db8:1:2::5" -> "2001:db8:1::/48"; junk -> null. */
export function networkOf(address: string): string | null {
  const s = address.trim().replace(/^\[|\]$/g, '').replace(/^ipv6:/i, '').replace(/%.*$/, '');
  const v4 = ipv4Octets(s);
  if (v4) return `${v4[0]}.${v4[1]}.${v4[2]}.0/24`;
  if (!s.includes(':')) return null;
  const g = ipv6Groups(s);
  if (!g) return null;
  // IPv4-mapped (::ffff:a.b.c.d): the client really came over IPv4.
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    return `${g[6]! >> 8}.${g[6]! & 0xff}.${g[7]! >> 8}.0/24`;
  }
  return `${g.slice(0, 3).map((x) => x.toString(16)).join(':')}::/48`;
}
