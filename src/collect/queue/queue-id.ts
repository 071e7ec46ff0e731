/**
 * Postfix queue IDs. Every ID we pass to postcat/postsuper goes through here first:
 * an ID comes from postqueue output or a saved file, and a saved file is just text an
 * attacker may have shaped (`-h`, `../x`, `A B`). Only the two forms Postfix itself
 * creates are accepted (global/mail_queue.h, MQID_*):
 *
 * - short (default): the time in microseconds as exactly five upper-case hex digits
 *   ("%05X"), then the inode number in upper-case hex ("%lX", no padding, 1..16
 *   digits). So 6..21 characters of [0-9A-F].
 * - long (enable_long_queue_ids = yes): the time in seconds (base 52, six or more
 *   characters) and microseconds (base 52, exactly four), the separator 'z', then the
 *   inode number in base 51 (the same alphabet without 'z'). The alphabet is digits
 *   plus consonants, so no vowels. The time part may itself contain 'z': Postfix finds
 *   the separator with strrchr() and requires at least ten characters before it.
 */
import type { QueueId } from '../../domain/queue';

/** [0-9] plus the consonants of both cases: Postfix's "safe" alphabet, base 52. */
const LONG_TIME_CHAR = '[0-9B-DF-HJ-NP-TV-Zb-df-hj-np-tv-z]';
/** Base 51: the same alphabet without 'z', so 'z' can separate time and inode. */
const LONG_INUM_CHAR = '[0-9B-DF-HJ-NP-TV-Zb-df-hj-np-tv-y]';

const SHORT_ID = /^[0-9A-F]{6,21}$/;
/**
 * Time: >= 10 chars (6 seconds + 4 microseconds). A 64-bit time_t needs at most 12
 * base-52 seconds digits and a 64-bit inode at most 12 base-51 digits; the caps keep a
 * hostile 10 kB "ID" from ever reaching a regex backtrack or a command line.
 */
const LONG_ID = new RegExp(`^${LONG_TIME_CHAR}{10,16}z${LONG_INUM_CHAR}{1,13}$`);

/** Longest ID either form can produce (16 + 1 + 13). */
export const MAX_QUEUE_ID_LENGTH = 30;

/** A validated queue ID, or null for anything Postfix would not have created. */
export function parseQueueId(text: string): QueueId | null {
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_QUEUE_ID_LENGTH) return null;
  if (SHORT_ID.test(text) || LONG_ID.test(text)) return text as QueueId;
  return null;
}

/** True for enable_long_queue_ids IDs (they never collide with the hex form: no 'z' there). */
export function isLongQueueId(id: QueueId): boolean {
  return id.includes('z');
}
