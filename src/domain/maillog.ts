/**
 * What the mail log says about messages Postfix handled, including those that already
 * left the queue. Built per queue ID from pickup, smtpd, cleanup, qmgr, smtp/local and
 * removal lines.
 */

export interface MailLogDelivery {
  time: Date;
  /**
   * the Postfix program that logged it: smtp (out to another server), local, virtual,
   * lmtp or pipe (delivered on this server: the recipient is hosted here), error,
   * discard; null when not known
   */
  agent?: string | null;
  recipient: string;
  /** "sent", "deferred", "bounced", "expired", ... as Postfix wrote it */
  status: string;
  dsn: string | null;
  relay: string | null;
  /** the text in parentheses after status=..., untrusted */
  reason: string | null;
}

export interface MailLogMessage {
  queueId: string;
  /** first line seen for this queue ID */
  firstSeen: Date;
  lastSeen: Date;
  /** from pickup: uid=N from=<...> */
  pickupUid: number | null;
  /** from smtpd: client=name[addr] */
  clientName: string | null;
  clientAddress: string | null;
  saslMethod: string | null;
  saslUsername: string | null;
  /** from smtpd's NOQUEUE/connect context when logged (helo=<...>) */
  helo: string | null;
  /** from qmgr */
  sender: string | null;
  size: number | null;
  nrcpt: number | null;
  messageId: string | null;
  deliveries: MailLogDelivery[];
  removed: boolean;
  /** file and line of the first line seen, for evidence */
  file: string;
  line: number;
  /**
   * This message is a copy Postfix made of another one: local(8) re-sent it for an alias
   * or .forward ("forwarded as ID"), or a content filter re-injected it ("queued as ID").
   * The origin fields above (pickupUid, client*, sasl*) are then the original's.
   */
  resentFrom?: { queueId: string; via: 'forward' | 'content-filter' };
  /** the uid owning the client socket of a loopback SMTP submission (the policy service's record) */
  socketUid?: number | null;
}

/** A failed SMTP AUTH attempt: the brute force before a takeover. */
export interface SaslFailure {
  time: Date;
  clientAddress: string;
  clientName: string | null;
  method: string | null;
  /** the username when Postfix logged it (sasl_username=... in newer versions), else null */
  username: string | null;
  file: string;
  line: number;
}

/** A message seen for the first time: only its ID and where and when its first line was. */
export function newMailLogMessage(queueId: string, time: Date, file: string, line: number): MailLogMessage {
  return {
    queueId,
    firstSeen: time,
    lastSeen: time,
    pickupUid: null,
    clientName: null,
    clientAddress: null,
    saslMethod: null,
    saslUsername: null,
    helo: null,
    sender: null,
    size: null,
    nrcpt: null,
    messageId: null,
    deliveries: [],
    removed: false,
    file,
    line,
  };
}
