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

/** The newest `limit` rows, newest first. */
export function recentAudit(store: Store, limit: number): AuditRow[] {
  return store.db.prepare('SELECT * FROM audit ORDER BY id DESC LIMIT ?').all(limit) as AuditRow[];
}

export function auditById(store: Store, id: number): AuditRow | undefined {
  return store.db.prepare('SELECT * FROM audit WHERE id = ?').get(id) as AuditRow | undefined;
}

/** Whether a row of `action` (an ":undo" action) carries this undo handle. */
export function hasAuditWithHandle(store: Store): (action: string, undoHandle: string) => boolean {
  const q = store.db.prepare("SELECT 1 FROM audit WHERE action = ? AND json_extract(after_json, '$.undoHandle') = ? LIMIT 1");
  return (action, undoHandle) => q.get(action, undoHandle) !== undefined;
}
