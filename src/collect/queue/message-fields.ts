/**
 * The few header facts the tracer needs, read from a message's headers. Which header
 * to believe matters more than how to parse it:
 *
 * - Only the topmost Received header is Postfix's own: pickup (local sendmail) or
 *   smtpd writes it above everything the sender supplied. A spammer can add any number
 *   of "Received: by x (Postfix, from userid 0)" lines further down; they are ignored.
 * - PHP's mail() writes X-PHP-Originating-Script before the script's own extra
 *   headers, so the first one is PHP's and later ones are the script's (forgeable).
 * - Everything else (Subject, From, Message-Id) is the sender's text: decoded, cleaned
 *   of control characters, and still untrusted.
 */
import type { PhpScript } from '../../domain/origin';
import type { HeaderField, QueuedMessage } from '../../domain/queue';
import type { SkipTally } from '../skip-tally';
import { decodeHeaderText, printable } from './rfc2047';

export interface FromAddress {
  /** display name, decoded ('' when there is none) */
  display: string;
  address: string;
}

export interface MessageFields {
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
  subject: string | null;
  from: FromAddress | null;
  /** from.address, for callers that only need the address */
  fromAddress: string | null;
  fromDomain: string | null;
  /** without the angle brackets */
  messageId: string | null;
  listUnsubscribe: boolean;
  /** lower-cased: bulk, list, junk ... */
  precedence: string | null;
  /** lower-cased: auto-generated, auto-replied ... */
  autoSubmitted: string | null;
}

const PICKUP_RECEIVED = /^\s*by\s+[^\s()]+\s+\(Postfix,\s+from\s+userid\s+(\d{1,10})\)/i;
const PHP_SCRIPT = /^\s*(?:(\d{1,10}):)?(.+?)\s*$/s;
const MAX_UID = 0xffffffff;
const MAX_SCRIPT = 500;
const MAX_ADDRESS = 512;

function first(headers: readonly HeaderField[], name: string): HeaderField | undefined {
  return headers.find((h) => h.name === name);
}

function uidOf(text: string | undefined): number | null {
  if (text === undefined) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) && n <= MAX_UID ? n : null;
}

export function pickupUidOf(headers: readonly HeaderField[]): number | null {
  const top = first(headers, 'received');
  const m = top ? PICKUP_RECEIVED.exec(top.value) : null;
  return m ? uidOf(m[1]) : null;
}

export function innerPickupUidOf(headers: readonly HeaderField[]): number | null {
  if (headers[0]?.name !== 'received' || !PICKUP_RECEIVED.test(headers[0].value)) return null;
  const next = headers[1];
  const m = next?.name === 'received' ? PICKUP_RECEIVED.exec(next.value) : null;
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
  if (headers[0]?.name !== 'received' || !LOCAL_FORWARD_RECEIVED.test(headers[0].value.trim())) return null;
  let i = 1;
  if (headers[i]?.name !== 'delivered-to') return null;
  while (headers[i]?.name === 'delivered-to') i += 1;
  const next = headers[i];
  if (next?.name !== 'received') return null;
  const m = PICKUP_RECEIVED.exec(next.value);
  return m ? uidOf(m[1]) : null;
}

export function phpScriptOf(headers: readonly HeaderField[]): PhpScript | null {
  const h = first(headers, 'x-php-originating-script');
  if (!h) return null;
  const m = PHP_SCRIPT.exec(printable(h.value));
  if (!m) return null;
  return { uid: uidOf(m[1]), script: m[2]!.slice(0, MAX_SCRIPT) };
}

/**
 * Splits an address header at its first top-level address: quotes and comments are
 * skipped over, so `"a <b>" <c@d>` gives display `a <b>` and address `c@d`.
 */
export function parseFromHeader(raw: string): FromAddress | null {
  const text = printable(raw);
  let display = '';
  let comment = '';
  let bare = '';
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '\\' && i + 1 < text.length) display += text[++i];
      else if (c === '"') quoted = false;
      else display += c;
      continue;
    }
    if (depth > 0) {
      if (c === '\\' && i + 1 < text.length) comment += text[++i];
      else if (c === '(') depth += 1;
      else if (c === ')') depth -= 1;
      else comment += c;
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === '(') depth = 1;
    else if (c === '<') {
      const close = text.indexOf('>', i + 1);
      const address = text.slice(i + 1, close === -1 ? undefined : close).trim();
      if (!address) return null;
      return { display: decodeHeaderText(display.trim()).text, address: address.slice(0, MAX_ADDRESS) };
    } else if (c === ',') break; // first address of a list
    else {
      display += c;
      bare += c;
    }
  }
  // No angle brackets: "addr@dom (Display)" or just "addr@dom".
  const address = bare.trim().split(/\s+/).find((t) => t.includes('@')) ?? bare.trim();
  if (!address || /\s/.test(address)) return null;
  return { display: decodeHeaderText(comment.trim()).text, address: address.slice(0, MAX_ADDRESS) };
}

export function domainOfAddress(address: string): string | null {
  const at = address.lastIndexOf('@');
  if (at === -1) return null;
  const d = address.slice(at + 1).trim().toLowerCase().replace(/\.$/, '');
  return d && !/[\s<>()[\],;:"\\]/.test(d) ? d : null;
}

function lowerValue(h: HeaderField | undefined): string | null {
  if (!h) return null;
  const v = printable(h.value).trim().toLowerCase();
  return v || null;
}

export function deriveMessageFields(message: QueuedMessage, skipped?: SkipTally): MessageFields {
  const headers = message.headers;
  if (skipped && headers.filter((h) => h.name === 'x-php-originating-script').length > 1) {
    skipped.add('X-PHP-Originating-Script header', 'more than one in a message: the first (PHP\'s own) kept');
  }
  const subjectHeader = first(headers, 'subject');
  const subject = subjectHeader ? decodeHeaderText(subjectHeader.value).text.trim() : null;
  const fromHeader = first(headers, 'from');
  const from = fromHeader ? parseFromHeader(fromHeader.value) : null;
  const mid = first(headers, 'message-id');
  const messageId = mid ? printable(mid.value).trim().replace(/^<(.*)>$/s, '$1').trim() || null : null;
  return {
    pickupUid: pickupUidOf(headers),
    innerPickupUid: innerPickupUidOf(headers),
    forwardedPickupUid: forwardedPickupUidOf(headers),
    phpScript: phpScriptOf(headers),
    subject,
    from,
    fromAddress: from ? from.address : null,
    fromDomain: from ? domainOfAddress(from.address) : null,
    messageId,
    listUnsubscribe: headers.some((h) => h.name === 'list-unsubscribe'),
    precedence: lowerValue(first(headers, 'precedence')),
    autoSubmitted: lowerValue(first(headers, 'auto-submitted')),
  };
}
