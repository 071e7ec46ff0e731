/**
 * What one Postfix log line says, as a small event. Only the line shapes Postfix itself
 * writes are read; everything between the fixed words is attacker-controlled text
 * (addresses, SASL login names, remote servers' replies, message-ids), so each pattern is
 * anchored on both ends and the untrusted part is matched where the fixed text around it
 * leaves no doubt:
 *
 *   pickup   QID: uid=4079 from=<x@y>
 *   smtpd    QID: client=name[1.2.3.4], sasl_method=LOGIN, sasl_username=u@d
 *   cleanup  QID: message-id=<...>
 *   qmgr     QID: from=<x@y>, size=744, nrcpt=8 (queue active)
 *   qmgr     QID: from=<x@y>, status=expired, returned to sender
 *   qmgr     QID: from=<x@y>, status=force-expired, returned to sender   (postsuper -e, 3.5+)
 *   smtp...  QID: to=<a@b>, [orig_to=<r>, ]relay=h[ip]:25, [conn_use=N, ]delay=1.2, delays=a/b/c/d, [tls=F, ]dsn=4.7.1, status=deferred (reason)
 *   qmgr     QID: removed
 *   smtpd    QID: milter-reject: DATA|END-OF-MESSAGE from h[ip]: 5.7.1 text; from=<s> to=<r> proto=ESMTP helo=<h>
 *   smtpd    warning: unknown[1.2.3.4]: SASL LOGIN authentication failed: reason[, sasl_username=u]
 *
 * Sources: the delivery line is built field by field in src/global/log_adhoc.c (orig_to
 * only when it differs, conn_use only on a reused connection, `tls=` only when the TLS
 * feature status is logged: Postfix 3.11, RELEASE_NOTES-3.11 "TLS feature policy status
 * summary", formatted by pol_stats.c as `dane`, `!dane`, `may:none`, `dane/requiretls`);
 * the expiry line in src/qmgr/qmgr_active.c (`force-expired` since 3.5, RELEASE_NOTES-3.5
 * "forced expiration"); the milter actions in src/smtpd/smtpd.c and
 * src/cleanup/cleanup_milter.c (`milter-reject: <stage> from ...`, the stage being CONNECT,
 * HELO, MAIL, RCPT, DATA or END-OF-MESSAGE); the SASL failure in
 * src/smtpd/smtpd_sasl_glue.c (`failed: %s, sasl_username=%s`, where the reason may be
 * empty and a log shipper then trims the line to `failed:`).
 */
import { parseQueueId } from '../queue/queue-id';

export type PostfixEvent =
  | { kind: 'pickup'; queueId: string; uid: number; sender: string }
  | {
      kind: 'client';
      queueId: string;
      clientName: string;
      clientAddress: string;
      saslMethod: string | null;
      saslUsername: string | null;
      /** XFORWARD from a content filter: the queue ID the message had before the filter */
      origQueueId: string | null;
    }
  | { kind: 'message-id'; queueId: string; messageId: string }
  | { kind: 'queue-active'; queueId: string; sender: string; size: number; nrcpt: number }
  | {
      kind: 'delivery';
      queueId: string;
      recipient: string;
      relay: string | null;
      /** seconds from arrival to this line (delay=) */
      delay: number;
      dsn: string | null;
      status: string;
      reason: string | null;
    }
  | { kind: 'expired'; queueId: string; sender: string; reason: string }
  | { kind: 'removed'; queueId: string }
  /** cleanup or a milter threw the message away before it was queued for delivery */
  | { kind: 'rejected'; queueId: string; helo: string | null }
  /** any other line about a queue ID that names the client's HELO (hold:, warning: header ...) */
  | { kind: 'helo'; queueId: string; helo: string }
  | { kind: 'sasl-failure'; clientName: string; clientAddress: string; method: string; username: string | null }
  | { kind: 'noqueue' }
  /** a line that starts like a known shape but does not parse: counted, never guessed at */
  | { kind: 'unreadable'; reason: string }
  /** connect, disconnect, statistics, TLS, other warnings: nothing about a message */
  | { kind: 'other' };

const QUEUE_ID_PREFIX = /^([0-9A-Za-z]{6,30}): /;
const PICKUP = /^uid=(\d{1,10}) from=<(.*)>$/;
const CLIENT = /^client=([^[\s]*)\[([^\]]*)\](?::\d{1,5})?((?:, .*)?)$/;
const CLIENT_ATTR_KEYS = 'sasl_method|sasl_username|sasl_sender|orig_queue_id|orig_client';
const CLIENT_ATTR = new RegExp(`, (${CLIENT_ATTR_KEYS})=(.*?)(?=, (?:${CLIENT_ATTR_KEYS})=|$)`, 'g');
// the fixed tail is at the end of the line: a greedy address cannot be fooled by it
const QUEUE_ACTIVE = /^from=<(.*)>, size=(\d{1,15}), nrcpt=(\d{1,9}) \(queue active\)$/;
const EXPIRED = /^from=<(.*?)>, status=(?:force-)?expired, (.*)$/;
// the address is matched lazily up to the first place where the whole fixed sequence of
// relay/delay/dsn/status follows; the reason is everything inside the last parentheses
const DELIVERY =
  /^to=<(.*?)>, (?:orig_to=<.*?>, )?relay=(\S*?), (?:conn_use=\d+, )?delay=([\d.]+), (?:delays=[\d./]+, )?(?:tls=[^\s,]{1,200}, )?(?:dsn=(\d\.\d{1,3}\.\d{1,3}), )?status=([a-z-]+)(?: \((.*)\))?$/;
// the protocol name holds no '=': with \S+ a long run of `proto=proto=...` backtracks quadratically
const HELO = /proto=[^\s=]+ helo=<([^<>]*)>(?=:|$)/g;
// `failed: ` with an empty reason loses its trailing space to some log shippers: `failed:`
const SASL_FAILURE = /^warning: ([^[\s]*)\[([^\]]*)\](?::\d{1,5})?: SASL ([^\s:]{1,40}) authentication failed(?::(?: (.*))?)?$/;
const SASL_USERNAME = ', sasl_username=';
/** the message is not queued: smtpd or cleanup refused or discarded it, a milter included */
const REJECTED = /^(?:milter-)?(?:reject|discard): /;
const ONE_RECIPIENT = /^(?:milter-)?reject: RCPT /;

/** The event for the text after `program[pid]: ` of a Postfix line. */
export function parsePostfixText(text: string): PostfixEvent {
  const q = QUEUE_ID_PREFIX.exec(text);
  if (q) {
    const queueId = parseQueueId(q[1]!);
    if (queueId) return parseQueueLine(queueId, text.slice(q[0].length));
    if (q[1] === 'NOQUEUE') return { kind: 'noqueue' };
  }
  if (text.startsWith('NOQUEUE: ')) return { kind: 'noqueue' };
  if (text.startsWith('warning: ') && text.includes(' authentication failed')) {
    const s = SASL_FAILURE.exec(text);
    if (!s) return { kind: 'other' };
    const detail = s[4] ?? '';
    // the login name is the attacker's choice and comes last: take the first marker, so
    // whatever the name contains stays inside the name
    const at = detail.indexOf(SASL_USERNAME);
    const username = at === -1 ? null : detail.slice(at + SASL_USERNAME.length);
    // smtpd_sasl_glue.c writes "(unavailable)" when the SASL library named nobody
    const named = username && username !== '(unavailable)' ? username : null;
    return { kind: 'sasl-failure', clientName: s[1]!, clientAddress: s[2]!, method: s[3]!, username: named };
  }
  return { kind: 'other' };
}

function parseQueueLine(queueId: string, rest: string): PostfixEvent {
  if (rest === 'removed') return { kind: 'removed', queueId };
  if (rest.startsWith('to=')) {
    // Postfix always brackets the address (log_adhoc.c); without them the line was rewritten
    if (!rest.startsWith('to=<')) return { kind: 'unreadable', reason: 'a delivery line whose to= address is not in angle brackets' };
    const d = DELIVERY.exec(rest);
    if (!d) return { kind: 'unreadable', reason: 'a delivery line (to=<...>) without the relay/delay/status fields' };
    return {
      kind: 'delivery',
      queueId,
      recipient: d[1]!,
      relay: d[2] || null,
      delay: Number(d[3]),
      dsn: d[4] ?? null,
      status: d[5]!,
      reason: d[6] ?? null,
    };
  }
  if (rest.startsWith('from=<')) {
    const a = QUEUE_ACTIVE.exec(rest);
    if (a) return { kind: 'queue-active', queueId, sender: a[1]!, size: Number(a[2]), nrcpt: Number(a[3]) };
    const e = EXPIRED.exec(rest);
    if (e) return { kind: 'expired', queueId, sender: e[1]!, reason: e[2]! };
    return { kind: 'unreadable', reason: 'a qmgr from=<...> line without size/nrcpt or status' };
  }
  if (rest.startsWith('client=')) {
    const c = CLIENT.exec(rest);
    if (!c) return { kind: 'unreadable', reason: 'a client=name[address] line that does not parse' };
    const attrs = new Map<string, string>();
    for (const m of c[3]!.matchAll(CLIENT_ATTR)) if (!attrs.has(m[1]!)) attrs.set(m[1]!, m[2]!);
    const origQueueId = attrs.get('orig_queue_id');
    return {
      kind: 'client',
      queueId,
      clientName: c[1]!,
      clientAddress: c[2]!,
      saslMethod: attrs.get('sasl_method') || null,
      saslUsername: attrs.get('sasl_username') || null,
      origQueueId: (origQueueId && parseQueueId(origQueueId)) || null,
    };
  }
  if (rest.startsWith('uid=')) {
    const p = PICKUP.exec(rest);
    if (!p) return { kind: 'unreadable', reason: 'a pickup uid=N from=<...> line that does not parse' };
    return { kind: 'pickup', queueId, uid: Number(p[1]), sender: p[2]! };
  }
  if (rest.startsWith('message-id=')) {
    let id = rest.slice('message-id='.length);
    if (id.startsWith('<') && id.endsWith('>')) id = id.slice(1, -1);
    return { kind: 'message-id', queueId, messageId: id };
  }
  const helo = lastHelo(rest);
  if (REJECTED.test(rest)) {
    // "reject: RCPT from" (smtpd or a milter) refuses one recipient; the message may go on
    if (!ONE_RECIPIENT.test(rest)) return { kind: 'rejected', queueId, helo };
  }
  if (helo !== null) return { kind: 'helo', queueId, helo };
  return { kind: 'other' };
}

/**
 * Postfix ends these lines with `from=<s> to=<r> proto=ESMTP helo=<h>` and maybe `: text`;
 * a header or address before it may contain the same words, so the last match is Postfix's.
 */
function lastHelo(rest: string): string | null {
  if (!rest.includes(' helo=<')) return null;
  let helo: string | null = null;
  for (const m of rest.matchAll(HELO)) helo = m[1]!;
  return helo;
}
