/**
 * authorized_submit_users: who may submit with sendmail(1). A list matched left to
 * right, first match wins, "!name" excludes (postconf(5)); the default is
 * "static:anyone", an empty list denies everyone. Blocking a user puts "!user" in front
 * of whatever the admin has, so the admin's own entries stay as they are.
 */
import { splitList } from './main-cf';

export const SUBMIT_USERS = 'authorized_submit_users';

export interface ListChange {
  value: string;
  changed: boolean;
  /** why nothing changed, when nothing did */
  reason?: string;
}

export function blockSubmitUser(current: string, user: string): ListChange {
  const elements = splitList(current).map((e) => e.text);
  if (elements.length === 0) return { value: current, changed: false, reason: 'the list is empty: nobody may submit already' };
  const first = elements.findIndex((e) => e === `!${user}` || e === user);
  if (first !== -1 && elements[first] === `!${user}`) {
    return { value: current, changed: false, reason: `"!${user}" is already in the list` };
  }
  return { value: [`!${user}`, current.trim()].join(', '), changed: true };
}

/** Takes out the "!user" an earlier block put in, and nothing else. */
export function unblockSubmitUser(current: string, user: string): ListChange {
  return removeElement(current, `!${user}`);
}

/** The value without the first element equal to `element` (and its separator). */
export function removeElement(current: string, element: string, followedBy?: string): ListChange {
  const elements = splitList(current);
  const i = elements.findIndex((e, k) => e.text === element && (followedBy === undefined || elements[k + 1]?.text === followedBy));
  if (i === -1) return { value: current, changed: false, reason: `"${element}" is not in the list` };
  const last = followedBy === undefined ? i : i + 1;
  const start = elements[i]!.start;
  // the separator after the removed element goes too; at the end, the one before it
  const next = elements[last + 1];
  const prev = elements[i - 1];
  const value = next
    ? current.slice(0, start) + current.slice(next.start)
    : prev
      ? current.slice(0, prev.end) + current.slice(elements[last]!.end)
      : current.slice(0, start) + current.slice(elements[last]!.end);
  return { value: value.trim(), changed: true };
}
