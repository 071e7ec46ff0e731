/**
 * The sender's own header text, parsed: Subject, From, Message-Id and the bulk-mail flags.
 * Decoded, cleaned of control characters, and still untrusted. Which Received or
 * X-PHP-Originating-Script header to believe is the tracer's decision (trace/message-fields).
 */
import type { HeaderField } from '../../domain/queue';
import { decodeHeaderText, printable } from './rfc2047';

export interface FromAddress {
  /** display name, decoded ('' when there is none) */
  display: string;
  address: string;
}

/** What the sender wrote, parsed; none of it says who sent the message. */
export interface SenderFields {
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

const MAX_ADDRESS = 512;

/**
 * The headers senderFieldsOf reads (lower case). With a read selection (read-selection.ts)
 * only listed headers have values: firstHeader takes no other name.
 */
export const SENDER_HEADERS = ['subject', 'from', 'message-id', 'list-unsubscribe', 'precedence', 'auto-submitted'] as const;
/** every header whose value the tracer reads: these and trace/message-fields.ts' own */
export const TRACE_HEADERS = [...SENDER_HEADERS, 'received', 'delivered-to', 'x-php-originating-script'] as const;
export type TraceHeader = (typeof TRACE_HEADERS)[number];

/** The first header of that (lower-case) name, the one nearest the top. */
export function firstHeader(headers: readonly HeaderField[], name: TraceHeader): HeaderField | undefined {
  return headers.find((h) => h.name === name);
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

export function senderFieldsOf(headers: readonly HeaderField[]): SenderFields {
  const subjectHeader = firstHeader(headers, 'subject');
  const subject = subjectHeader ? decodeHeaderText(subjectHeader.value).text.trim() : null;
  const fromHeader = firstHeader(headers, 'from');
  const from = fromHeader ? parseFromHeader(fromHeader.value) : null;
  const mid = firstHeader(headers, 'message-id');
  const messageId = mid ? printable(mid.value).trim().replace(/^<(.*)>$/s, '$1').trim() || null : null;
  return {
    subject,
    from,
    fromAddress: from ? from.address : null,
    fromDomain: from ? domainOfAddress(from.address) : null,
    messageId,
    listUnsubscribe: headers.some((h) => h.name === ('list-unsubscribe' satisfies TraceHeader)),
    precedence: lowerValue(firstHeader(headers, 'precedence')),
    autoSubmitted: lowerValue(firstHeader(headers, 'auto-submitted')),
  };
}
