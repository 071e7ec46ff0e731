/**
 * What the names a client gives away say about it: its HELO greeting and its reverse
 * DNS name. Read by the source facts (which names count), the verdict rules and the
 * SASL login assessment.
 */

/** A HELO that is neither a dotted hostname nor an address literal: typical of bots. */
export function isBogusHelo(helo: string): boolean {
  if (/^\[.*\]$/.test(helo)) return false;
  return !/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(helo);
}

/**
 * A mail program behind a login greets with the PC's name ("DESKTOP-4F7QK2L",
 * "anna-laptop", "[192.168.1.5]"); a spam bot with a stolen password with random
 * lower-case letters ("cisqyltfbn"). Only the latter counts against a login.
 */
export function isRandomHelo(helo: string): boolean {
  return /^[a-z]{6,20}$/.test(helo) && !/^(localhost|mailserver|webmail|outlook|thunderbird)$/.test(helo);
}

/** Reverse names ISPs give dial-up and dynamic addresses. */
export function looksDynamic(name: string): boolean {
  return /\b(dynamic|dyn|dsl|adsl|dhcp|pool|ppp|cable|dial|client|broadband)\b/i.test(name.replace(/[-_.]/g, ' ')) ||
    /\d{1,3}[-.]\d{1,3}[-.]\d{1,3}[-.]\d{1,3}/.test(name);
}
