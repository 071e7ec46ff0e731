/** The audit trail: who did what to which target, with the state before and after. */
import type { Store } from './open-store';

export interface AuditEntry {
  actor: string;
  action: string;
  target: string;
  before?: unknown;
  after?: unknown;
}

export interface AuditRow {
  id: number;
  at: number;
  actor: string;
  action: string;
  target: string;
  before_json: string | null;
  after_json: string | null;
}

export function recordAudit(store: Store, entry: AuditEntry): void {
  store.db
    .prepare('INSERT INTO audit (at, actor, action, target, before_json, after_json) VALUES (?, ?, ?, ?, ?, ?)')
    .run(
      store.now(),
      entry.actor,
      entry.action,
      entry.target,
      entry.before === undefined ? null : JSON.stringify(entry.before),
      entry.after === undefined ? null : JSON.stringify(entry.after),
    );
}

export function auditFor(store: Store, target: string): AuditRow[] {
  return store.db.prepare('SELECT * FROM audit WHERE target = ? ORDER BY id').all(target) as AuditRow[];
}
