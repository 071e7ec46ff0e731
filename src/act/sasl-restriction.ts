/**
 * Where the check_sasl_access restriction goes. It only matches clients that logged in,
 * so it is harmless anywhere; it must come before any permit that would let the login
 * through, and permit_mynetworks comes first in most lists (a bot logged in from
 * 127.0.0.1 is "in mynetworks"). So it goes first in the list that holds
 * permit_sasl_authenticated: smtpd_relay_restrictions when main.cf sets it that way,
 * else smtpd_recipient_restrictions.
 */
import { splitList } from './main-cf';
import { removeElement, type ListChange } from './submit-users';

export const RELAY_RESTRICTIONS = 'smtpd_relay_restrictions';
export const RECIPIENT_RESTRICTIONS = 'smtpd_recipient_restrictions';
export type RestrictionList = typeof RELAY_RESTRICTIONS | typeof RECIPIENT_RESTRICTIONS;

export interface RestrictionValues {
  /** the raw value from main.cf, or null when main.cf does not set it */
  relay: string | null;
  recipient: string | null;
}

/** True when `value` already has `check_sasl_access MAP` (MAP as type:name). */
export function hasSaslAccessCheck(value: string, mapRef: string): boolean {
  const e = splitList(value).map((x) => x.text);
  return e.some((t, i) => t === 'check_sasl_access' && e[i + 1] === mapRef);
}

/** Which list to change, or null when one of them already checks our map. */
export function chooseRestrictionList(v: RestrictionValues, mapRef: string): RestrictionList | null {
  if ((v.relay && hasSaslAccessCheck(v.relay, mapRef)) || (v.recipient && hasSaslAccessCheck(v.recipient, mapRef))) return null;
  if (v.relay !== null && splitList(v.relay).some((e) => e.text === 'permit_sasl_authenticated')) return RELAY_RESTRICTIONS;
  return RECIPIENT_RESTRICTIONS;
}

export function insertSaslAccessCheck(current: string, mapRef: string): ListChange {
  if (hasSaslAccessCheck(current, mapRef)) return { value: current, changed: false, reason: 'the check is already there' };
  const rest = current.trim();
  return { value: rest === '' ? `check_sasl_access ${mapRef}` : `check_sasl_access ${mapRef}, ${rest}`, changed: true };
}

export function removeSaslAccessCheck(current: string, mapRef: string): ListChange {
  return removeElement(current, 'check_sasl_access', mapRef);
}
