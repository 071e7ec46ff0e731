/** The containment layer's public API (CLI, web UI): see README.md in this folder. */
export type { Action, ActionPlan, PlanStep, PlanOptions, Verification, UndoResult, Json } from './action';
export { renderPlan } from './action';
export type { AuditSink, AuditRecord } from './audit';
export { JsonlAuditSink } from './audit';
export { ActionEngine, type EngineDeps, type ApplyOutcome, type UndoOutcome } from './engine';
export { Journal, DEFAULT_JOURNAL, DEFAULT_ACTIONS_DIR, ACTION_ID, type JournalEntry, type EntryState } from './journal';
export { acquireHostLock, type HeldLock } from './host-lock';
export { createActEngine, buildActions, type ActSettings } from './registry';
export { panelActions } from './panel-wiring';
export { PleskMailLimitAction, PleskSuspendAction, ConfixxLockAction } from './panel-actions';
export { DEFAULT_QUARANTINE_DIR } from './quarantine';
