/**
 * The write-ahead journal of actions: one JSON object per line, appended and fsynced
 * before the step it announces. "intent" (with the full plan and the state before) is
 * on disk before anything changes; then "applied", "verified", "recorded". A crash
 * leaves an entry with an intent and no record: the next start reports it, and undo
 * still works from the plan in the intent.
 */
import { closeSync, fsyncSync, openSync, writeSync, promises as fs, createReadStream } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import type { ActionPlan, Json, Verification } from './action';

export const DEFAULT_ACTIONS_DIR = '/var/lib/spamtrace/actions';
export const DEFAULT_JOURNAL = `${DEFAULT_ACTIONS_DIR}/journal.jsonl`;

export type JournalPhase =
  | 'intent'
  | 'applied'
  | 'verified'
  | 'recorded'
  | 'failed'
  | 'undo-intent'
  | 'undone'
  | 'undo-verified'
  | 'undo-recorded'
  | 'undo-failed';

export interface JournalRecord {
  id: string;
  phase: JournalPhase;
  at: string;
  actor?: string;
  action?: string;
  target?: string;
  /** intent only: the target as the admin gave it */
  requested?: string;
  /** intent only */
  plan?: ActionPlan;
  /** intent only: the SSH alias the action was taken through (absent: the local machine) */
  remote?: string;
  /** applied / undone: the state after */
  after?: Json;
  /** verified / undo-verified */
  verification?: Verification;
  /** failed / undo-failed */
  error?: string;
  warnings?: string[];
}

export type EntryState =
  /** intent written, no record: the process died or apply failed midway */
  | 'half-done'
  /** applied and recorded: in effect */
  | 'active'
  /** undo started and not finished */
  | 'undo-half-done'
  | 'undone';

export interface JournalEntry {
  id: string;
  action: string;
  target: string;
  /** the target as given (user:web274 for uid:4079) */
  requested: string;
  /** the SSH alias it was taken through; undefined: the local machine */
  remote: string | undefined;
  actor: string;
  startedAt: string;
  plan: ActionPlan;
  phases: JournalPhase[];
  after: Json | undefined;
  verification: Verification | undefined;
  undoVerification: Verification | undefined;
  error: string | undefined;
  state: EntryState;
}

export class Journal {
  constructor(readonly path: string) {}

  /** Appends one record and fsyncs it (and, the first time, the directory entry). */
  async append(record: JournalRecord): Promise<void> {
    await fs.mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const fresh = !(await fs.stat(this.path).catch(() => null));
    const fd = openSync(this.path, 'a', 0o600);
    try {
      writeSync(fd, JSON.stringify(record) + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (fresh) syncDir(dirname(this.path));
  }

  /** All entries, oldest first. Lines that do not parse are counted, not fatal. */
  async entries(): Promise<{ entries: JournalEntry[]; badLines: number }> {
    const byId = new Map<string, JournalEntry>();
    let badLines = 0;
    const exists = await fs.stat(this.path).catch(() => null);
    if (!exists) return { entries: [], badLines };
    const lines = createInterface({ input: createReadStream(this.path, { encoding: 'utf8' }), crlfDelay: Infinity });
    for await (const line of lines) {
      if (line.trim() === '') continue;
      let r: JournalRecord;
      try {
        r = JSON.parse(line) as JournalRecord;
      } catch {
        badLines++; // a torn last line after a crash mid-write
        continue;
      }
      if (typeof r.id !== 'string' || typeof r.phase !== 'string') {
        badLines++;
        continue;
      }
      if (r.phase === 'intent') {
        if (!r.plan) {
          badLines++;
          continue;
        }
        byId.set(r.id, {
          id: r.id,
          action: r.plan.action,
          target: r.plan.target,
          requested: typeof r.requested === 'string' ? r.requested : r.plan.target,
          remote: typeof r.remote === 'string' ? r.remote : undefined,
          actor: r.actor ?? 'unknown',
          startedAt: r.at,
          plan: r.plan,
          phases: ['intent'],
          after: undefined,
          verification: undefined,
          undoVerification: undefined,
          error: undefined,
          state: 'half-done',
        });
        continue;
      }
      const e = byId.get(r.id);
      if (!e) {
        badLines++;
        continue;
      }
      e.phases.push(r.phase);
      if (r.after !== undefined) e.after = r.after;
      if (r.phase === 'verified') e.verification = r.verification;
      if (r.phase === 'undo-verified') e.undoVerification = r.verification;
      if (r.error) e.error = r.error;
      e.state = stateOf(e.phases);
    }
    return { entries: [...byId.values()], badLines };
  }

  async find(id: string): Promise<JournalEntry | undefined> {
    return (await this.entries()).entries.find((e) => e.id === id);
  }
}

export function stateOf(phases: readonly JournalPhase[]): EntryState {
  if (phases.includes('undone')) return 'undone';
  if (phases.includes('undo-intent')) return 'undo-half-done';
  if (phases.includes('recorded')) return 'active';
  return 'half-done';
}

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // some filesystems refuse fsync on a directory; the file itself is synced
  }
}

/** A sortable, unique action id: 20261128T230102Z-1a2b3c4d. */
export function newActionId(now: Date, random: () => string): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${random()}`;
}

export const ACTION_ID = /^\d{8}T\d{6}Z-[0-9a-f]{8}$/;
