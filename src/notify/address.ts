/**
 * Email addresses from panels are untrusted and sometimes wrong ("kunde@", two addresses
 * in one field, a trailing newline that would add a header). A notice goes only to an
 * address that passes this deliberately plain check; anything else is refused, visibly.
 */

// local@domain: dot-atom local part, a domain of labels with a dot, or an IP literal.
const LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
const IP_LITERAL = /^\[(?:\d{1,3}(?:\.\d{1,3}){3}|IPv6:[0-9A-Fa-f:.]+)\]$/;

export function isValidAddress(text: string): boolean {
  if (text.length > 254) return false;
  const at = text.lastIndexOf('@');
  if (at < 1 || at > 64) return false;
  const local = text.slice(0, at);
  const domain = text.slice(at + 1);
  if (!LOCAL.test(local)) return false;
  if (IP_LITERAL.test(domain)) return true;
  const labels = domain.split('.');
  // Internationalised domains must come in their punycode (xn--) form.
  return labels.length >= 2 && labels.every((l) => LABEL.test(l)) && !/^\d+$/.test(labels[labels.length - 1]!);
}

/** "Name <a@b>" or "a@b" → its parts; null when the address part is not valid. */
export function parseMailbox(text: string): { name: string | null; address: string } | null {
  if (/[\r\n\0]/.test(text)) return null;
  const trimmed = text.trim();
  const angle = splitAngle(trimmed);
  const address = angle ? angle.address : trimmed;
  return isValidAddress(address) ? { name: angle ? angle.name : null, address } : null;
}

/**
 * `["]name["] <address>` without a regular expression: the one that did this
 * (`^\s*(?:"?([^"<>]*?)"?\s*)?<...>`) backtracked cubically on a long run of spaces.
 */
function splitAngle(trimmed: string): { name: string | null; address: string } | null {
  if (!trimmed.endsWith('>')) return null;
  const lt = trimmed.lastIndexOf('<');
  if (lt === -1) return null;
  const address = trimmed.slice(lt + 1, -1);
  if (address === '' || /[<>\s]/.test(address)) return null;
  let name = trimmed.slice(0, lt).trimEnd();
  if (name.startsWith('"')) name = name.slice(1);
  if (name.endsWith('"')) name = name.slice(0, -1);
  if (/["<>]/.test(name)) return null;
  return { name: name.trim() || null, address };
}

export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1);
}
