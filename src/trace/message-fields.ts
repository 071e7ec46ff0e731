/**
 * Which header to believe: the few header facts the tracer pins a message on. Which
 * header to trust matters more than how to parse it:
 *
 * - Only the topmost Received header is Postfix's own: pickup (local sendmail) or
 *   smtpd writes it above everything the sender supplied. A spammer can add any number
 *   of "Received: by x (Postfix, from userid 0)" lines further down; they are ignored.
 * - PHP's mail() writes X-PHP-Originating-Script before the script's own extra
 *   headers, so the first one is PHP's and later ones are the script's (forgeable).
 * - Everything else (Subject, From, Message-Id) is the sender's text, parsed by the
 *   collector (collect/queue/message-fields): decoded, cleaned, and still untrusted.
 */
import type { PhpScript } from '../domain/origin';
import type { HeaderField, QueuedMessage } from '../domain/queue';
import type { SkipTally } from '../collect/skip-tally';
import { firstHeader, senderFieldsOf, type SenderFields, type TraceHeader } from '../collect/queue/message-fields';
import { printable } from '../collect/queue/rfc2047';

export interface MessageFields extends SenderFields {
  /** uid from pickup's topmost "Received: by HOST (Postfix, from userid N)" */
  pickupUid: number | null;
  /**
   * uid of a second pickup Received line directly below the topmost one: the original
   * submitter when the mail was requeued (`postsuper -r` goes through pickup again as
   * Postfix's mail_owner). Only believed when the topmost uid is that mail_owner.
   */
  innerPickupUid: number | null;
  /** uid of the original submission of a copy forwarded by an alias or .forward */
  forwardedPickupUid: number | null;
  phpScript: PhpScript | null;
}

/** by position, not only the first: both must be TRACE_HEADERS (their values are read) */
const RECEIVED: TraceHeader = 'received';
const DELIVERED_TO: TraceHeader = 'delivered-to';
const PICKUP_RECEIVED = /^\s*by\s+[^\s()]+\s+\(Postfix,\s+from\s+userid\s+(\d{1,10})\)/i;
const PHP_SCRIPT = /^\s*(?:(\d{1,10}):)?(.+?)\s*$/s;
const MAX_UID = 0xffffffff;
const MAX_SCRIPT = 500;

function uidOf(text: string | undefined): number | null {
  if (text === undefined) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) && n <= MAX_UID ? n : null;
}

export function pickupUidOf(headers: readonly HeaderField[]): number | null {
  const top = firstHeader(headers, 'received');
  const m = top ? PICKUP_RECEIVED.exec(top.value) : null;
  return m ? uidOf(m[1]) : null;
}

export function innerPickupUidOf(headers: readonly HeaderField[]): number | null {
  if (headers[0]?.name !== RECEIVED || !PICKUP_RECEIVED.test(headers[0].value)) return null;
  const next = headers[1];
  const m = next?.name === RECEIVED ? PICKUP_RECEIVED.exec(next.value) : null;
  return m ? uidOf(m[1]) : null;
}

/** Postfix's own Received line for a copy re-injected by local(8) (alias or .forward). */
const LOCAL_FORWARD_RECEIVED = /^by \S+ \(Postfix\)\s+id\s/i;

/**
 * A message forwarded by an alias or .forward is a new queue file: its topmost Received
 * is local(8)'s ("by HOST (Postfix) id ..."), then Delivered-To lines, then the original
 * message's headers, whose first Received is the original submission's. Only that exact
 * position is Postfix's own text; a "from userid" anywhere else could be the sender's.
 */
export function forwardedPickupUidOf(headers: readonly HeaderField[]): number | null {
  if (headers[0]?.name !== RECEIVED || !LOCAL_FORWARD_RECEIVED.test(headers[0].value.trim())) return null;
  let i = 1;
  if (headers[i]?.name !== DELIVERED_TO) return null;
  while (headers[i]?.name === DELIVERED_TO) i += 1;
  const next = headers[i];
  if (next?.name !== RECEIVED) return null;
  const m = PICKUP_RECEIVED.exec(next.value);
  return m ? uidOf(m[1]) : null;
}

export function phpScriptOf(headers: readonly HeaderField[]): PhpScript | null {
  const h = firstHeader(headers, 'x-php-originating-script');
  if (!h) return null;
  const m = PHP_SCRIPT.exec(printable(h.value));
  if (!m) return null;
  return { uid: uidOf(m[1]), script: m[2]!.slice(0, MAX_SCRIPT) };
}

export function deriveMessageFields(message: QueuedMessage, skipped?: SkipTally): MessageFields {
  const headers = message.headers;
  if (skipped && headers.filter((h) => h.name === 'x-php-originating-script').length > 1) {
    skipped.add('X-PHP-Originating-Script header', 'more than one in a message: the first (PHP\'s own) kept');
  }
  return {
    pickupUid: pickupUidOf(headers),
    innerPickupUid: innerPickupUidOf(headers),
    forwardedPickupUid: forwardedPickupUidOf(headers),
    phpScript: phpScriptOf(headers),
    ...senderFieldsOf(headers),
  };
}
