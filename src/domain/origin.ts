/**
 * Where a message entered Postfix. Derived from envelope attributes and the pickup
 * Received header; see DESIGN.md "Origin of a message".
 */

export interface PhpScript {
  /** uid of the entry script's owner, as PHP wrote it */
  uid: number | null;
  /** script name as PHP wrote it, e.g. "contact.php" or "x.php(2) : eval()'d code" */
  script: string;
}

export type Origin =
  | {
      kind: 'local';
      /** the submitting process's uid (Received: ... (Postfix, from userid N)) */
      uid: number;
      phpScript?: PhpScript;
      /** a copy an alias or .forward re-sent; the uid is the original submitter's */
      forwarded?: boolean;
      /**
       * 'smtp-loopback': the process spoke SMTP to 127.0.0.1/::1 itself (no pickup); the uid is
       * the owner of the connection's client socket, recorded live by the policy service
       * (src/watch/policy/, domain/smtp-owner.ts)
       */
      via?: 'smtp-loopback';
    }
  | {
      kind: 'sasl';
      username: string;
      method?: string;
      clientAddress?: string;
      clientName?: string;
      helo?: string;
    }
  | {
      kind: 'smtp-client';
      clientAddress: string;
      clientName?: string;
      helo?: string;
    }
  | {
      kind: 'unknown';
      /** why no origin could be read, in plain words */
      why: string;
    };

export type OriginKind = Origin['kind'];
