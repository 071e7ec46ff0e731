/**
 * The store's audit table as an engine audit sink, so actions taken from the command
 * line and from the UI land in one trail. The undo handle, the checks and the host go
 * into after_json: the table keeps who, what, target, before and after.
 */
import type { AuditRecord, AuditSink } from './audit';
import { recordAudit, type Store } from '../store';

export class StoreAuditSink implements AuditSink {
  constructor(private readonly store: Store) {}

  async record(e: AuditRecord): Promise<void> {
    recordAudit(this.store, {
      actor: e.who,
      action: e.action,
      target: e.target,
      before: e.before,
      after: { state: e.after, undoHandle: e.undoHandle, verified: e.verified, observations: e.observations, host: e.host, when: e.when },
    });
  }
}

/** Every record to every sink, in order. */
export class TeeAuditSink implements AuditSink {
  constructor(private readonly sinks: AuditSink[]) {}

  async record(e: AuditRecord): Promise<void> {
    for (const s of this.sinks) await s.record(e);
  }
}
