/**
 * Hands one composed notice to the mail system and says what became of it, in the
 * outbox's words: sent, temporary failure (retry later), permanent failure (an admin must
 * look), or not sent because the lease was lost. `handOver()` is called right before the
 * message leaves this process: it records the hand-over in the store and returns false
 * when this sender no longer owns the notice (then nothing is sent).
 */
export interface Envelope {
  from: string;
  to: string;
}

export type SendOutcome =
  | { result: 'sent'; response: string }
  | { result: 'failed'; permanent: boolean; error: string; response: string | null }
  | { result: 'lease-lost' };

export interface NoticeTransport {
  /** "smtp 127.0.0.1:2525", "sendmail /usr/sbin/sendmail" */
  readonly description: string;
  send(envelope: Envelope, raw: Buffer, handOver: () => boolean): Promise<SendOutcome>;
}
