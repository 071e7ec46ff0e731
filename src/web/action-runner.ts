/**
 * The UI's view of containment: plan, apply, undo. `engineActionRunner` runs the real
 * engine from src/act (the same code as `spamtrace act`), with the acting user as the
 * engine's actor and every record written to the store's audit table (and to the
 * engine's JSONL audit file, so the command line's trail stays complete).
 */
import type { ActionPlan } from '../act/action';
import { JsonlAuditSink } from '../act/audit';
import { StoreAuditSink, TeeAuditSink } from '../act/store-audit';

export { StoreAuditSink };
import { createActEngine, type ActSettings } from '../act/registry';
import { DEFAULT_JOURNAL } from '../act/journal';
import type { Store } from '../store';
import { dirname, join } from 'node:path';

export interface ApplyResult {
  /** the journal id (the undo handle); null when nothing had to be done */
  id: string | null;
  plan: ActionPlan;
  verified: boolean | null;
  observations: string[];
}

export interface UndoResult {
  verified: boolean;
  observations: string[];
  warnings: string[];
}

export interface ActionRunner {
  /** the action names this server offers */
  available(): string[];
  plan(action: string, target: string): Promise<ActionPlan>;
  apply(action: string, target: string, actor: string): Promise<ApplyResult>;
  undo(handle: string, actor: string): Promise<UndoResult>;
}

export type EngineRunnerSettings = Omit<ActSettings, 'actor' | 'audit'>;

export function engineActionRunner(settings: EngineRunnerSettings, store: Store): ActionRunner {
  const journal = settings.journalPath ?? DEFAULT_JOURNAL;
  const audit = new TeeAuditSink([new StoreAuditSink(store), new JsonlAuditSink(join(dirname(journal), 'audit.jsonl'))]);
  const engine = (actor: string) => createActEngine({ ...settings, journalPath: journal, actor, audit });
  const names = engine('ui').actions().map((a) => a.name);
  return {
    available: () => [...names],
    plan: (action, target) => engine('ui').plan(action, target),
    async apply(action, target, actor) {
      const r = await engine(actor).apply(action, target);
      return { id: r.id, plan: r.plan, verified: r.verification?.ok ?? null, observations: r.verification?.observations ?? [] };
    },
    async undo(handle, actor) {
      const r = await engine(actor).undo(handle);
      return { verified: r.verification.ok, observations: r.verification.observations, warnings: r.warnings };
    },
  };
}
