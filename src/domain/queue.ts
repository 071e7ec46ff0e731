/**
 * What Postfix's queue tells us, as plain data. Everything here that came from a
 * message (addresses, headers, attribute values) is attacker-controlled text: keep it
 * as data, escape it where it is shown, never pass it to a shell.
 */

/** A validated Postfix queue ID (short hex or long form). Only `parseQueueId` makes one. */
export type QueueId = string & { readonly __brand: 'QueueId' };

export type QueueName = 'maildrop' | 'incoming' | 'active' | 'deferred' | 'hold' | 'corrupt' | 'unknown';

export interface ListedRecipient {
  address: string;
  /** Postfix's delay reason as shown by postqueue (deferred mail only). */
  delayReason?: string;
}

/** One message as `postqueue -j` or `postqueue -p` lists it. */
export interface QueueListingEntry {
  queueId: QueueId;
  queueName: QueueName;
  /** Null when the text listing's year-less date could not be placed. */
  arrivalTime: Date | null;
  messageSize: number;
  /** Envelope sender; '' for the null sender (postqueue prints MAILER-DAEMON). */
  sender: string;
  recipients: ListedRecipient[];
  forcedExpire?: boolean;
  /**
   * uid that dropped a maildrop file showq could not read: Postfix < 3.1 lists it as
   * "(maildrop queue, sender UID N)" instead of a sender (text listing only)
   */
  submitterUid?: number;
}

export interface EnvelopeRecipient {
  address: string;
  /** original_recipient, when it differs */
  original?: string;
  /** done_recipient: already delivered (or bounced) */
  done: boolean;
}

export interface HeaderField {
  /** lower-cased header name */
  name: string;
  /** raw (undecoded, unfolded) value, possibly truncated */
  value: string;
}

/** One message as `postcat -e -h` shows it: envelope records plus the primary headers. */
export interface QueuedMessage {
  queueId: QueueId;
  queueName: QueueName;
  arrivalTime: Date | null;
  messageSize: number | null;
  sender: string;
  recipients: EnvelopeRecipient[];
  /** named_attribute records, name -> value (last one wins) */
  attributes: Record<string, string>;
  /** headers in order, bounded in count and length */
  headers: HeaderField[];
  /** lines of this message that were cut or could not be read */
  damaged: number;
}
