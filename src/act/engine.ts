/**
 * The action engine: the one way every action runs, from the CLI or the UI's buttons.
 *
 * apply: lock -> plan -> journal "intent" (plan + state before, fsynced) -> apply ->
 * "applied" -> verify -> "verified" -> audit -> "recorded" -> unlock.
 * undo:  lock -> "undo-intent" -> undo from the plan -> "undone" -> verify -> audit ->
 * "undo-recorded" -> unlock.
 * A step that throws is journaled as failed and left for undo (which works from the
 * before-state); the engine never undoes on its own, the admin decides.
 */
import { randomBytes } from 'node:crypto';
import type { Action, ActionPlan, Json, PlanOptions, Verification } from './action';
import type { AuditSink } from './audit';
import { acquireHostLock } from './host-lock';
import { Journal, newActionId, type JournalEntry, type JournalPhase } from './journal';
import { refused, oneLine } from './act-errors';

export interface EngineDeps {
  actions: readonly Action[];
  journal: Journal;
  audit: AuditSink;
  lockPath: string;
  /** who asks: the admin's login, or "root" */
  actor: string;
  host: string;
  /**
   * The SSH alias when the host is reached over SSH. Written into each intent; undo takes
   * back only entries made the same way (through this alias, or locally when unset), so a
   * shared journal never undoes one host's action on another.
   */
  remote?: string;
  /** actions left out on this host, with why (asked for by name: refused with the reason) */
  unavailable?: Readonly<Record<string, string>>;
  now?: () => Date;
  /**
   * Called right after each journaled step. Production passes none; the crash tests pass
   * one that SIGKILLs the process at a step (the crash the journal is for).
   */
  afterStep?: (step: EngineStep) => void;
}

/** The points between journal writes where a process can die. */
export type EngineStep = 'apply' | 'applied' | 'verified' | 'undo';

export interface ApplyOutcome {
  id: string | null;
  plan: ActionPlan;
  verification: Verification | null;
  /** a stale lock taken over, or null */
  tookOverLock: string | null;
}

export interface UndoOutcome {
  id: string;
  entry: JournalEntry;
  verification: Verification;
  warnings: string[];
}

export class ActionEngine {
  private readonly byName: Map<string, Action>;
  private readonly now: () => Date;

  constructor(private readonly deps: EngineDeps) {
    this.byName = new Map(deps.actions.map((a) => [a.name, a]));
    this.now = deps.now ?? (() => new Date());
  }

  actions(): Action[] {
    return [...this.byName.values()];
  }

  action(name: string): Action {
    const a = this.byName.get(name);
    const why = this.deps.unavailable?.[name];
    if (!a && why) throw refused(`${name} is not available on ${this.deps.host}: ${why}`);
    if (!a) throw refused(`unknown action "${oneLine(name, 40)}"; actions: ${[...this.byName.keys()].join(', ')}`);
    return a;
  }

  /** What apply would do, without the lock and without changing anything. */
  plan(name: string, target: string, options: PlanOptions = {}): Promise<ActionPlan> {
    return this.action(name).plan(target, options);
  }

  async apply(name: string, target: string, options: PlanOptions = {}): Promise<ApplyOutcome> {
    const action = this.action(name);
    const lock = await acquireHostLock(this.deps.lockPath);
    try {
      // planned under the lock: the before-state cannot change under another action
      const plan = await action.plan(target, options);
      if (plan.refusal) throw refused(plan.refusal);
      if (plan.noop) return { id: null, plan, verification: null, tookOverLock: lock.tookOver };
      const id = newActionId(this.now(), () => randomBytes(4).toString('hex'));
      await this.write(id, 'intent', { actor: this.deps.actor, action: plan.action, target: plan.target, requested: target, plan, ...(this.deps.remote !== undefined ? { remote: this.deps.remote } : {}) });
      if (!plan.reversible) {
        // nothing brings it back: the request itself is audited before anything happens
        await this.deps.audit.record({
          who: this.deps.actor,
          when: this.now().toISOString(),
          host: this.deps.host,
          action: `${plan.action}:request`,
          target: plan.target,
          before: plan.before,
          after: null,
          undoHandle: id,
          verified: false,
          observations: [plan.summary],
        });
      }
      let after: Json;
      try {
        after = await action.apply(plan);
      } catch (e) {
        await this.write(id, 'failed', { error: messageOf(e) });
        throw withHint(e, `apply failed midway; "spamtrace act undo ${id}" takes back what was done`);
      }
      this.crashPoint('apply');
      await this.write(id, 'applied', { after });
      this.crashPoint('applied');
      const verification = await safeVerify(() => action.verify(plan));
      await this.write(id, 'verified', { verification });
      this.crashPoint('verified');
      await this.deps.audit.record({
        who: this.deps.actor,
        when: this.now().toISOString(),
        host: this.deps.host,
        action: plan.action,
        target: plan.target,
        before: plan.before,
        after,
        undoHandle: id,
        verified: verification.ok,
        observations: verification.observations,
      });
      await this.write(id, 'recorded', {});
      return { id, plan, verification, tookOverLock: lock.tookOver };
    } finally {
      await lock.release();
    }
  }

  /** Undo by journal id; works for half-done entries from the plan's before-state. */
  async undo(id: string): Promise<UndoOutcome> {
    const lock = await acquireHostLock(this.deps.lockPath);
    try {
      const entry = await this.deps.journal.find(id);
      if (!entry) throw refused(`no action ${oneLine(id, 40)} in the journal ${this.deps.journal.path}`);
      if (entry.state === 'undone') throw refused(`action ${id} (${entry.action} ${entry.target}) is already undone`);
      if (entry.remote !== this.deps.remote) {
        throw refused(
          `action ${id} (${entry.action} ${entry.target}) was taken ${entry.remote !== undefined ? `over SSH on ${entry.remote}: undo it with --host ${entry.remote}` : 'on the local machine: undo it without --host'}`,
        );
      }
      const action = this.action(entry.action);
      if (!entry.plan.reversible) throw refused(`${entry.action} cannot be undone: ${entry.plan.undoSteps.length ? 'see its plan' : 'nothing can bring it back'}`);
      await this.write(id, 'undo-intent', { actor: this.deps.actor });
      let result;
      try {
        result = await action.undo(entry.plan, entry.after);
      } catch (e) {
        await this.write(id, 'undo-failed', { error: messageOf(e) });
        throw e;
      }
      this.crashPoint('undo');
      await this.write(id, 'undone', { after: result.after, warnings: result.warnings });
      const verification = await safeVerify(() => action.verifyUndone(entry.plan));
      await this.write(id, 'undo-verified', { verification });
      await this.deps.audit.record({
        who: this.deps.actor,
        when: this.now().toISOString(),
        host: this.deps.host,
        action: `${entry.action}:undo`,
        target: entry.target,
        before: entry.after ?? null,
        after: result.after,
        undoHandle: id,
        verified: verification.ok,
        observations: verification.observations,
      });
      await this.write(id, 'undo-recorded', {});
      return { id, entry, verification, warnings: result.warnings };
    } finally {
      await lock.release();
    }
  }

  async list(): Promise<{ entries: JournalEntry[]; badLines: number }> {
    return this.deps.journal.entries();
  }

  /** Entries a crash or a failure left between intent and record (or mid-undo). */
  async halfDone(): Promise<JournalEntry[]> {
    return (await this.list()).entries.filter((e) => e.state === 'half-done' || e.state === 'undo-half-done');
  }

  private write(id: string, phase: JournalPhase, extra: Record<string, unknown>): Promise<void> {
    return this.deps.journal.append({ id, phase, at: this.now().toISOString(), ...extra });
  }

  private crashPoint(step: EngineStep): void {
    this.deps.afterStep?.(step);
  }
}

async function safeVerify(run: () => Promise<Verification>): Promise<Verification> {
  try {
    return await run();
  } catch (e) {
    return { ok: false, observations: [`the check itself failed: ${messageOf(e)}`] };
  }
}

function messageOf(e: unknown): string {
  return oneLine(e instanceof Error ? e.message : String(e), 500);
}

function withHint(e: unknown, hint: string): unknown {
  if (e instanceof Error) e.message = `${e.message}; ${hint}`;
  return e;
}
