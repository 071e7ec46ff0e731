/**
 * The audit log as the page shows it: every row of the store's audit table (actions from
 * the UI, notices, anything else that records there), newest first, with the undo handle
 * an action left and whether it was undone since.
 */
import { auditById, hasAuditWithHandle, recentAudit, type AuditRow, type Store } from '../store';

export interface AuditView {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  verified: boolean | null;
  observations: string[];
  undoHandle: string | null;
  undone: boolean;
  /** an action that can be taken back from here */
  undoable: boolean;
}

export function auditRows(store: Store, limit = 500): AuditView[] {
  const rows = recentAudit(store, limit);
  return withUndoState(store, rows.map(toView));
}

export function auditRowById(store: Store, id: number): AuditView | undefined {
  const row = auditById(store, id);
  return row ? withUndoState(store, [toView(row)])[0] : undefined;
}

function toView(r: AuditRow): AuditView {
  const after = parse(r.after_json);
  const handle = typeof after?.['undoHandle'] === 'string' ? (after['undoHandle'] as string) : null;
  const obs = Array.isArray(after?.['observations']) ? (after!['observations'] as unknown[]).filter((o): o is string => typeof o === 'string') : [];
  return {
    id: r.id,
    at: new Date(r.at).toISOString(),
    actor: r.actor,
    action: r.action,
    target: r.target,
    verified: typeof after?.['verified'] === 'boolean' ? (after['verified'] as boolean) : null,
    observations: obs.slice(0, 10),
    undoHandle: handle,
    undone: false,
    undoable: false,
  };
}

/** An action (a name without ":") is undone when an ":undo" row carries its handle. */
function withUndoState(store: Store, views: AuditView[]): AuditView[] {
  const undone = hasAuditWithHandle(store);
  for (const v of views) {
    if (v.undoHandle === null || v.action.includes(':')) continue;
    v.undone = undone(`${v.action}:undo`, v.undoHandle);
    v.undoable = !v.undone;
  }
  return views;
}

function parse(json: string | null): Record<string, unknown> | null {
  if (!json) return null;
  try {
    const v = JSON.parse(json) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
