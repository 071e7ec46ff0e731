/**
 * Where did a message enter Postfix? Envelope attributes are written by Postfix itself
 * (smtpd, pickup) and cannot be forged by the sender; of the headers only the topmost
 * Received line (pickup's "from userid N") is Postfix's own.
 */
import type { Origin, PhpScript } from '../domain/origin';

/**
 * Every named_attribute originOf reads. The scan's collector decodes no other attribute
 * (queued-origin.ts: ORIGIN_READS), so a name read here must be listed here: the type of
 * OriginEvidence.attributes lets no other name through.
 */
export const EVIDENCE_ATTRIBUTES = [
  'client_address', 'log_client_address', 'client_name', 'log_client_name', 'helo_name', 'log_helo_name',
  'sasl_username', 'sasl_method', 'rewrite_context',
] as const;
export type EvidenceAttribute = (typeof EVIDENCE_ATTRIBUTES)[number];

export interface OriginEvidence {
  attributes: Readonly<Partial<Record<EvidenceAttribute, string>>>;
  /** uid from the topmost Received header, when pickup wrote it */
  pickupUid: number | null;
  /** uid of the original pickup Received below local(8)'s forward header, if any */
  forwardedPickupUid?: number | null;
  phpScript: PhpScript | null;
  sender: string;
}

export function originOf(e: OriginEvidence): Origin {
  const a = e.attributes;
  const clientAddress = a['client_address'] ?? a['log_client_address'];
  const clientName = a['client_name'] ?? a['log_client_name'];
  const helo = a['helo_name'] ?? a['log_helo_name'];
  if (a['sasl_username']) {
    return {
      kind: 'sasl',
      username: a['sasl_username'],
      ...(a['sasl_method'] ? { method: a['sasl_method'] } : {}),
      ...(clientAddress ? { clientAddress } : {}),
      ...(clientName ? { clientName } : {}),
      ...(helo ? { helo } : {}),
    };
  }
  // A pickup message has no client attributes; a forged "from userid" header further
  // down an SMTP message never reaches here because only the topmost one is read.
  if (e.pickupUid !== null && !clientAddress) {
    return { kind: 'local', uid: e.pickupUid, ...(e.phpScript ? { phpScript: e.phpScript } : {}) };
  }
  if (e.forwardedPickupUid != null && !clientAddress) {
    return { kind: 'local', uid: e.forwardedPickupUid, forwarded: true, ...(e.phpScript ? { phpScript: e.phpScript } : {}) };
  }
  if (clientAddress) {
    return { kind: 'smtp-client', clientAddress, ...(clientName ? { clientName } : {}), ...(helo ? { helo } : {}) };
  }
  if (e.sender === '') return { kind: 'unknown', why: 'a bounce or notice this server generated itself (null sender)' };
  if (a['rewrite_context'] === 'local') {
    return { kind: 'unknown', why: 'local submission without the pickup Received header' };
  }
  return { kind: 'unknown', why: 'no client attributes and no pickup Received header' };
}

export function isLoopbackAddress(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1' || ip.toLowerCase().startsWith('::ffff:127.');
}

/**
 * A message a local process sent by speaking SMTP to loopback itself: with the socket owner's
 * uid from the policy service's record it is that uid's (`uid:N`, via smtp-loopback), as if it
 * had used sendmail. Only an unauthenticated loopback client is taken over: a SASL login stays
 * the login's, and any other client stays itself.
 */
export function withSocketOwner(o: Origin, uid: number | null): Origin {
  if (uid === null || o.kind !== 'smtp-client' || !isLoopbackAddress(o.clientAddress)) return o;
  return { kind: 'local', uid, via: 'smtp-loopback' };
}

/** The source a message is counted under. Stable: used in reports, URLs and the store. */
export function sourceKeyOf(o: Origin): string {
  switch (o.kind) {
    case 'local':
      return `uid:${o.uid}`;
    case 'sasl':
      return `sasl:${o.username.toLowerCase()}`;
    case 'smtp-client':
      return `client:${o.clientAddress}`;
    case 'unknown':
      return o.why.startsWith('a bounce') ? 'unknown:bounces' : 'unknown:no-origin';
  }
}
