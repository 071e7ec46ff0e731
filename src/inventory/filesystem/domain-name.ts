/**
 * Domain names as the inventory stores them: lower-case ASCII (IDNs in punycode, as Plesk
 * names its directories), no trailing dot. Directory names and mapping files are
 * untrusted: anything that is not a plausible host name is refused, not "cleaned".
 */
import { domainToASCII } from 'node:url';

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** The canonical form of a domain, or null when the text is not a domain name. */
export function normalizeDomain(text: string): string | null {
  if (typeof text !== 'string' || text.length === 0 || text.length > 253 + 1) return null;
  // only printable, non-space characters reach the IDN conversion
  if (/[\s\u0000-\u001f\u007f-\u009f/\\]/.test(text)) return null;
  const ascii = domainToASCII(text.endsWith('.') ? text.slice(0, -1) : text);
  if (!ascii || ascii.length > 253) return null;
  const labels = ascii.split('.');
  if (labels.length < 2) return null;
  return labels.every((l) => LABEL.test(l)) ? ascii : null;
}

/** `shop.example.de` -> `example.de` -> null: the parents that are still domain names. */
export function parentDomain(domain: string): string | null {
  const dot = domain.indexOf('.');
  const rest = dot < 0 ? '' : domain.slice(dot + 1);
  return rest.includes('.') ? rest : null;
}
