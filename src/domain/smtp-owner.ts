/**
 * Who spoke SMTP to 127.0.0.1: the policy service (src/watch/policy/) asks the kernel's socket
 * table, while the connection is still open, which uid owns the client end, and writes one
 * record per message (its queue ID) to a bounded JSON-lines file. The scan, the watcher and the
 * act engine read it to count such a message under that uid instead of `client:127.0.0.1`.
 */

export const SMTP_OWNER_HOW = 'socket owner (policy service)';

/** One line of the record (smtp-owners.jsonl). */
export interface SmtpOwnerRecord {
  /** when the policy request arrived (ISO) */
  at: string;
  /** Postfix's queue ID; null when the request had none (a stage before the queue file) */
  queueId: string | null;
  clientAddress: string;
  clientPort: number;
  serverAddress: string;
  serverPort: number;
  /** the socket owner's uid; null when the lookup found no such connection (then `why`) */
  uid: number | null;
  why?: string;
  /** envelope sender and SASL login as Postfix passed them (capped, may be empty) */
  sender: string;
  saslUsername: string | null;
}

/** queue ID -> uid, as the record says; `arrival` guards against a reused short queue ID. */
export interface SocketOwners {
  ownerOf(queueId: string, arrival: Date | null): number | null;
  readonly size: number;
}

export const NO_SOCKET_OWNERS: SocketOwners = { ownerOf: () => null, size: 0 };
