/**
 * Postfix's policy delegation protocol (SMTPD_POLICY_README, "Protocol description"): the
 * client sends `name=value` lines ending in an empty line; the server answers one
 * `action=...` line and an empty line, and the connection is reused for the next request.
 *
 * The attribute values are the SMTP client's words (HELO, sender, recipient), so the parser
 * is a small state machine with hard limits: a line longer than MAX_LINE is cut, attributes
 * past MAX_ATTRIBUTES are counted and dropped, only the names we use are kept, and a request
 * is never held in memory beyond those limits however long it goes on. A request that broke a
 * limit is still answered (DUNNO): the service never delays mail, not even for a hostile peer.
 */

/** the attributes we read; everything else is ignored, as the protocol asks */
const WANTED = new Set([
  'request',
  'protocol_state',
  'queue_id',
  'client_address',
  'client_port',
  'server_address',
  'server_port',
  'sender',
  'sasl_username',
  'instance',
]);

export const MAX_LINE = 2048;
export const MAX_ATTRIBUTES = 100;

export interface PolicyRequest {
  attrs: ReadonlyMap<string, string>;
  /** lines cut at MAX_LINE, attributes past MAX_ATTRIBUTES, lines without '=' */
  damaged: number;
}

/** The answer that never changes Postfix's decision. */
export const DUNNO_REPLY = 'action=DUNNO\n\n';

export class PolicyParser {
  private attrs = new Map<string, string>();
  private count = 0;
  private damaged = 0;
  /** the current line's bytes so far (capped) and whether it was cut */
  private line = '';
  private cut = false;

  /** Feeds bytes; returns every request completed by them. */
  feed(chunk: Buffer | string): PolicyRequest[] {
    const text = typeof chunk === 'string' ? chunk : chunk.toString('latin1');
    const out: PolicyRequest[] = [];
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      const piece = nl === -1 ? text.slice(start) : text.slice(start, nl);
      this.append(piece);
      if (nl === -1) break;
      const done = this.endLine();
      if (done) out.push(done);
      start = nl + 1;
    }
    return out;
  }

  private append(piece: string): void {
    if (this.cut) return;
    const room = MAX_LINE - this.line.length;
    if (piece.length > room) {
      this.line += piece.slice(0, room);
      this.cut = true;
    } else this.line += piece;
  }

  private endLine(): PolicyRequest | null {
    const line = this.line.endsWith('\r') ? this.line.slice(0, -1) : this.line;
    const cut = this.cut;
    this.line = '';
    this.cut = false;
    if (line === '' && !cut) {
      if (this.count === 0 && this.damaged === 0) return null; // stray empty line between requests
      const req: PolicyRequest = { attrs: this.attrs, damaged: this.damaged };
      this.attrs = new Map();
      this.count = 0;
      this.damaged = 0;
      return req;
    }
    this.count += 1;
    if (cut || this.count > MAX_ATTRIBUTES) {
      this.damaged += 1;
      return null;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) {
      this.damaged += 1;
      return null;
    }
    const name = line.slice(0, eq);
    // "the server may keep the first value or the last": the first, so a repeat cannot override
    if (WANTED.has(name) && !this.attrs.has(name)) this.attrs.set(name, line.slice(eq + 1));
    return null;
  }
}
