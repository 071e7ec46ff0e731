/**
 * A queued message's origin and the fields derived on the way, in one place for the scan
 * and for containment: both must pin a message on the same source.
 */
import type { Origin } from '../domain/origin';
import type { QueuedMessage } from '../domain/queue';
import { deriveMessageFields, type MessageFields } from './message-fields';
import { EVIDENCE_ATTRIBUTES, originOf } from './origin';
import { TRACE_HEADERS } from '../collect/queue/message-fields';
import type { ReadSelection } from '../collect/queue/read-selection';

/**
 * All originOfQueued reads of a message: the attributes originOf weighs and the headers
 * the fields are derived from. A collector given this decodes nothing else (issue 16:
 * most of a queue file's records are never needed).
 */
export const ORIGIN_READS: ReadSelection = Object.freeze({
  attributes: new Set<string>(EVIDENCE_ATTRIBUTES),
  headerValues: new Set<string>(TRACE_HEADERS),
});

export function originOfQueued(m: QueuedMessage, mailOwnerUid: number | null): { origin: Origin; fields: MessageFields } {
  const f = deriveMessageFields(m);
  // requeued (postsuper -r): Postfix itself re-submitted it; the submitter is the line below
  const pickupUid = f.pickupUid !== null && f.pickupUid === mailOwnerUid && f.innerPickupUid !== null ? f.innerPickupUid : f.pickupUid;
  const origin = originOf({ attributes: m.attributes, pickupUid, forwardedPickupUid: f.forwardedPickupUid, phpScript: f.phpScript, sender: m.sender });
  return { origin, fields: f };
}
