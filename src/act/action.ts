/**
 * What every containment action is: a plan that says exactly what will change (as data
 * and as text), apply, an independent check on the real system, and undo from the plan
 * alone. The plan carries the state before, so undo works from the journal even when
 * the process died between apply and its record.
 */

/** JSON-safe data: plans and states go to the journal and the audit trail as they are. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** One thing the action will do, shown to the admin before anything changes. */
export type PlanStep =
  | { kind: 'command'; program: string; args: string[]; /** what goes to stdin, summarised */ stdin?: string; why: string }
  | { kind: 'edit'; file: string; /** -/+ lines of the change */ diff: string[]; why: string }
  | { kind: 'move'; from: string; to: string; why: string }
  | { kind: 'panel'; call: string; why: string };

/**
 * `Data` is the action's own: what its plan method wrote is what its apply, verify and undo
 * read back (from the journal after a crash, too). The engine sees `ActionPlan` (data
 * unknown) and hands a plan only to the action whose name it carries.
 */
export interface ActionPlan<Data = unknown> {
  action: string;
  /** the target as validated and normalised ("uid:4079", "web274", "/var/www/x/a.php") */
  target: string;
  /** one line for the admin */
  summary: string;
  steps: PlanStep[];
  undoSteps: PlanStep[];
  /** the state before, enough to undo from the journal alone */
  before: Json;
  /** what apply needs beyond the steps (new file bytes, queue IDs, hashes); JSON-safe, it is journaled */
  data: Data;
  /** false for requeue and delete: undo cannot bring anything back */
  reversible: boolean;
  /** true when the system is already in the wanted state: nothing to apply */
  noop: boolean;
  /** why apply is refused as planned (a delete without the confirmation naming its count) */
  refusal?: string;
  warnings: string[];
}

/** What an independent look at the system showed. */
export interface Verification {
  ok: boolean;
  /** what was observed, in plain words ("postqueue -j: 40 of 40 messages on hold") */
  observations: string[];
}

export interface UndoResult {
  /** the state after undo, for the audit trail */
  after: Json;
  warnings: string[];
}

export interface PlanOptions {
  /** queue-delete: the number of held messages the admin confirms to delete */
  confirmDelete?: number;
}

/**
 * One containment action over plans of its own data. The engine and the registry hold
 * `Action` (= Action<unknown>): every Action<Data> is one, since a plan goes back only to
 * the action that made it (the engine looks the action up by plan.action).
 */
export interface Action<Data = unknown> {
  /** the name on the command line: "queue-hold", "block-submit", ... */
  readonly name: string;
  /** what it does, for --help and list */
  readonly description: string;
  /** what TARGET is, for --help */
  readonly targetHelp: string;
  plan(target: string, options: PlanOptions): Promise<ActionPlan<Data>>;
  /** does what the plan says; returns the state after */
  apply(plan: ActionPlan<Data>): Promise<Json>;
  verify(plan: ActionPlan<Data>): Promise<Verification>;
  /**
   * Takes the change back using the plan (and its before-state); `after` is what apply
   * returned, absent when the process died before it was journaled.
   */
  undo(plan: ActionPlan<Data>, after?: Json): Promise<UndoResult>;
  verifyUndone(plan: ActionPlan<Data>): Promise<Verification>;
}

/** The plan as the admin reads it before saying yes. */
export function renderPlan(plan: ActionPlan): string {
  const out: string[] = [`${plan.action} ${plan.target}: ${plan.summary}`];
  if (plan.noop) out.push('  nothing to do: already in that state');
  if (plan.refusal) out.push(`  will not apply: ${plan.refusal}`);
  const steps = (title: string, list: PlanStep[]): void => {
    if (list.length === 0) return;
    out.push(title);
    list.forEach((s, i) => out.push(...renderStep(i + 1, s)));
  };
  steps('  will do:', plan.steps);
  steps(plan.reversible ? '  undo will:' : '  cannot be undone:', plan.undoSteps);
  for (const w of plan.warnings) out.push(`  note: ${w}`);
  return out.join('\n') + '\n';
}

function renderStep(n: number, s: PlanStep): string[] {
  const head = `    ${n}. `;
  switch (s.kind) {
    case 'command':
      return [`${head}${[s.program, ...s.args].map(shellQuote).join(' ')}${s.stdin ? ` < ${s.stdin}` : ''}   # ${s.why}`];
    case 'edit':
      return [`${head}edit ${s.file}   # ${s.why}`, ...s.diff.map((l) => `         ${l}`)];
    case 'move':
      return [`${head}move ${s.from} -> ${s.to}   # ${s.why}`];
    case 'panel':
      return [`${head}${s.call}   # ${s.why}`];
  }
}

/** For display only (nothing is ever run through a shell): quote what a shell would split. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
