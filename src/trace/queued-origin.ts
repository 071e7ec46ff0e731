/**
 * A queued message's origin and the fields derived on the way, in one place for the scan
 * and for containment: both must pin a message on the same source.
 */
import type { Origin } from '../domain/origin';
import type { QueuedMessage } from '../domain/queue';
import { deriveMessageFields, type MessageFields } from './message-fields';
import { originOf } from './origin';

export function originOfQueued(m: QueuedMessage, mailOwnerUid: number | null): { origin: Origin; fields: MessageFields } {
  const f = deriveMessageFields(m);
  // requeued (postsuper -r): Postfix itself re-submitted it; the submitter is the line below
  const pickupUid = f.pickupUid !== null && f.pickupUid === mailOwnerUid && f.innerPickupUid !== null ? f.innerPickupUid : f.pickupUid;
  const origin = originOf({ attributes: m.attributes, pickupUid, forwardedPickupUid: f.forwardedPickupUid, phpScript: f.phpScript, sender: m.sender });
  return { origin, fields: f };
}
