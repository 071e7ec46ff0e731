/**
 * Where an access-map restriction goes (check_sasl_access for logins, check_client_access
 * for SMTP clients). It must come before any permit that would let the request through:
 * first in the list that holds the permit it guards against (permit_sasl_authenticated
 * for a login, permit_mynetworks for a client: a bot logged in from 127.0.0.1, or a host
 * inside mynetworks, is "in mynetworks"): smtpd_relay_restrictions when main.cf sets it
 * that way, else smtpd_recipient_restrictions.
 */
import { splitList } from './main-cf';
import { removeElement, type ListChange } from './submit-users';

export const RELAY_RESTRICTIONS = 'smtpd_relay_restrictions';
export const RECIPIENT_RESTRICTIONS = 'smtpd_recipient_restrictions';
export type RestrictionList = typeof RELAY_RESTRICTIONS | typeof RECIPIENT_RESTRICTIONS;
export type AccessRestriction = 'check_sasl_access' | 'check_client_access';

export interface RestrictionValues {
  /** the raw value from main.cf, or null when main.cf does not set it */
  relay: string | null;
  recipient: string | null;
}

/** True when `value` already has `RESTRICTION MAP` (MAP as type:name). */
export function hasAccessCheck(value: string, restriction: AccessRestriction, mapRef: string): boolean {
  const e = splitList(value).map((x) => x.text);
  return e.some((t, i) => t === restriction && e[i + 1] === mapRef);
}

/** Which list to change, or null when one of them already checks our map. */
export function chooseAccessList(v: RestrictionValues, restriction: AccessRestriction, mapRef: string, permit: string): RestrictionList | null {
  if ((v.relay && hasAccessCheck(v.relay, restriction, mapRef)) || (v.recipient && hasAccessCheck(v.recipient, restriction, mapRef))) return null;
  if (v.relay !== null && splitList(v.relay).some((e) => e.text === permit)) return RELAY_RESTRICTIONS;
  return RECIPIENT_RESTRICTIONS;
}

export function insertAccessCheck(current: string, restriction: AccessRestriction, mapRef: string): ListChange {
  if (hasAccessCheck(current, restriction, mapRef)) return { value: current, changed: false, reason: 'the check is already there' };
  const rest = current.trim();
  return { value: rest === '' ? `${restriction} ${mapRef}` : `${restriction} ${mapRef}, ${rest}`, changed: true };
}

export function removeAccessCheck(current: string, restriction: AccessRestriction, mapRef: string): ListChange {
  return removeElement(current, restriction, mapRef);
}

// check_sasl_access, as block-login has always used it
export const hasSaslAccessCheck = (value: string, mapRef: string): boolean => hasAccessCheck(value, 'check_sasl_access', mapRef);
export const chooseRestrictionList = (v: RestrictionValues, mapRef: string): RestrictionList | null =>
  chooseAccessList(v, 'check_sasl_access', mapRef, 'permit_sasl_authenticated');
export const insertSaslAccessCheck = (current: string, mapRef: string): ListChange => insertAccessCheck(current, 'check_sasl_access', mapRef);
export const removeSaslAccessCheck = (current: string, mapRef: string): ListChange => removeAccessCheck(current, 'check_sasl_access', mapRef);
