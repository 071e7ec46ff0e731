/**
 * Counts the watch tests take from the mail log Postfix wrote, to check the watcher's story
 * against Postfix's own:
 * - what really left the lab for one local user: the messages `pickup` took from that uid,
 *   and of those the ones delivered (`status=sent`, the fake MX's `accept` persona said 250).
 *   "Already out" is this count: mail delivered before the breaker held the rest cannot be
 *   called back;
 * - the client addresses a SASL login was used from.
 */
import { open } from 'node:fs/promises';

export interface UidDeliveries {
  /** messages pickup logged for the uid */
  messages: number;
  /** of those, messages with at least one recipient delivered */
  messagesOut: number;
  /** recipients delivered */
  recipientsOut: number;
}

/** Reads `path` from byte `offset` (the log's size when the test began) to its end. */
export async function readLogFrom(path: string, offset: number): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    if (size <= offset) return '';
    const buf = Buffer.alloc(size - offset);
    await fh.read(buf, 0, buf.length, offset);
    return buf.toString('utf8');
  } finally {
    await fh.close();
  }
}

const PICKUP = /postfix\/pickup\[\d+\]: ([0-9A-Za-z]{6,20}): uid=(\d+) /;
const SENT = /postfix\/smtp\[\d+\]: ([0-9A-Za-z]{6,20}): to=<[^>]*>, .*status=sent /;

export function deliveriesOfUid(logText: string, uid: number): UidDeliveries {
  const ids = new Set<string>();
  const out = new Map<string, number>();
  for (const line of logText.split('\n')) {
    const p = PICKUP.exec(line);
    if (p) {
      if (Number(p[2]) === uid) ids.add(p[1]!);
      continue;
    }
    const s = SENT.exec(line);
    if (s && ids.has(s[1]!)) out.set(s[1]!, (out.get(s[1]!) ?? 0) + 1);
  }
  return { messages: ids.size, messagesOut: out.size, recipientsOut: [...out.values()].reduce((a, b) => a + b, 0) };
}

const SASL = /postfix\/smtpd\[\d+\]: [0-9A-Za-z]{6,20}: client=[^\[\s]*\[([^\]]+)\](?::\d+)?, sasl_method=\w+, sasl_username=(\S+)/;

/** The client addresses `login` authenticated from and had a message accepted, in order of first use. */
export function loginClients(logText: string, login: string): string[] {
  const out = new Set<string>();
  for (const line of logText.split('\n')) {
    const m = SASL.exec(line);
    if (m && m[2] === login) out.add(m[1]!);
  }
  return [...out];
}
