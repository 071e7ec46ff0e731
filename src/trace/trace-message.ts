import type { Origin } from '../domain/origin';
import type { QueueName } from '../domain/queue';

/**
 * One message as the tracer needs it: plain data, already joined from the queue
 * listing (delay reasons) and postcat (origin, headers). Text fields are untrusted.
 */
export interface TraceMessage {
  queueId: string;
  queueName: QueueName;
  arrivalTime: Date | null;
  sender: string;
  /** recipients still to be delivered plus those already done */
  recipients: string[];
  /** delay reasons the queue listing showed for this message's recipients, one per recipient */
  delayReasons: string[];
  origin: Origin;
  fromAddress: string | null;
  subject: string | null;
  listUnsubscribe: boolean;
  /** false when only the queue listing was seen (no postcat output for it) */
  examined: boolean;
  /**
   * false when the message's headers were never read (the mail log has none): header
   * rules (List-Unsubscribe, From) then neither count for nor against it. Default: examined.
   */
  headersRead?: boolean;
  /** recipients the mail log shows delivered on this server (local, virtual, lmtp, pipe): hosted here */
  localRecipients?: string[];
}

export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at === -1 ? '' : address.slice(at + 1).toLowerCase().replace(/\.$/, '');
}
