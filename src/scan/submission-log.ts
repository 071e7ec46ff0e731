/**
 * When did each local source submit, and which script did PHP name? Kept beside the
 * tracer (which only counts) because script correlation needs the times themselves.
 * Bounded per source: beyond the cap the earliest submissions are enough to correlate.
 */
import type { SaslLogin, Submission } from '../trace/correlate';
import type { TraceMessage } from '../trace/trace-message';
import { detach, detachAll } from '../trace/detach';

const MAX_PER_SOURCE = 100_000;

export class SubmissionLog {
  private readonly bySource = new Map<string, Submission[]>();
  private readonly logins = new Map<string, SaslLogin[]>();
  private readonly seen = new Set<string>();
  dropped = 0;

  record(sourceKey: string, m: TraceMessage): void {
    if (m.arrivalTime === null) return;
    // the queue and the mail log can both report one message; a reused queue ID with
    // another arrival time is another message
    const id = detach(`${m.queueId}@${m.arrivalTime.getTime()}`);
    if (this.seen.has(id)) return;
    this.seen.add(id);
    if (m.origin.kind === 'sasl') {
      // successful logins in time order tell "failed before the first success" apart
      let list = this.logins.get(sourceKey);
      if (!list) this.logins.set(sourceKey, (list = []));
      if (list.length < MAX_PER_SOURCE && m.origin.clientAddress) list.push({ time: m.arrivalTime, clientAddress: detach(m.origin.clientAddress) });
      return;
    }
    // a local process, or one speaking SMTP to loopback (no uid: its times find its site, loopback-stage.ts)
    if (m.origin.kind !== 'local' && !(m.origin.kind === 'smtp-client' && isLoopback(m.origin.clientAddress))) return;
    let list = this.bySource.get(sourceKey);
    if (!list) this.bySource.set(sourceKey, (list = []));
    if (list.length >= MAX_PER_SOURCE) {
      this.dropped++;
      return;
    }
    list.push({ time: m.arrivalTime, queueId: detach(m.queueId), phpScript: m.origin.kind === 'local' && m.origin.phpScript ? detachAll(m.origin.phpScript) : null });
  }

  of(sourceKey: string): Submission[] {
    return this.bySource.get(sourceKey) ?? [];
  }

  loginsOf(sourceKey: string): SaslLogin[] {
    return this.logins.get(sourceKey) ?? [];
  }
}

function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1';
}
