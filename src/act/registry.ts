/**
 * Builds the action engine with every action, from plain settings: the CLI and the web
 * UI both call this, so a button and `spamtrace act` run the same code.
 */
import { dirname, join } from 'node:path';
import type { Host } from '../host/host';
import type { Action } from './action';
import type { AuditSink } from './audit';
import { JsonlAuditSink } from './audit';
import { ActionEngine, type EngineDeps } from './engine';
import { DEFAULT_JOURNAL, Journal } from './journal';
import { PostfixSystem } from './postfix-system';
import { queueActions } from './queue-actions';
import { DEFAULT_QUARANTINE_DIR, QuarantineAction } from './quarantine';
import { AccessBlockAction, DEFER_CLIENT, DEFER_LOGIN } from './access-block';
import { SubmitBlockAction } from './submit-block';
import { PolicyHookAction } from './policy-hook';

export interface ActSettings {
  host: Host;
  /** default /var/lib/spamtrace/actions/journal.jsonl; the lock and the JSONL audit file live beside it */
  journalPath?: string;
  /** default: audit.jsonl beside the journal */
  audit?: AuditSink;
  /** where scripts may be quarantined from */
  roots: readonly string[];
  quarantineDir?: string;
  actor: string;
  /** sendmail probe user who must still submit while a user is blocked (default nobody) */
  controlUser?: string;
  /** extra actions (panel adapters) */
  extraActions?: readonly Action[];
  /** tests: called after each journaled step (see EngineDeps) */
  afterStep?: EngineDeps['afterStep'];
  now?: () => Date;
}

export function buildActions(s: ActSettings): Action[] {
  const postfix = new PostfixSystem(s.host);
  return [
    ...queueActions({ host: s.host, postfix }),
    new SubmitBlockAction({ host: s.host, postfix, ...(s.controlUser ? { controlUser: s.controlUser } : {}) }),
    new AccessBlockAction({ postfix }),
    new AccessBlockAction({ postfix, spec: DEFER_LOGIN }),
    new AccessBlockAction({ postfix, spec: DEFER_CLIENT }),
    new PolicyHookAction({ postfix }),
    new QuarantineAction({ roots: s.roots, quarantineDir: s.quarantineDir ?? DEFAULT_QUARANTINE_DIR, ...(s.now ? { now: s.now } : {}) }),
    ...(s.extraActions ?? []),
  ];
}

export function createActEngine(s: ActSettings): ActionEngine {
  const journalPath = s.journalPath ?? DEFAULT_JOURNAL;
  const dir = dirname(journalPath);
  return new ActionEngine({
    actions: buildActions(s),
    journal: new Journal(journalPath),
    audit: s.audit ?? new JsonlAuditSink(join(dir, 'audit.jsonl')),
    lockPath: join(dir, 'lock'),
    actor: s.actor,
    host: s.host.name,
    ...(s.afterStep ? { afterStep: s.afterStep } : {}),
    ...(s.now ? { now: s.now } : {}),
  });
}
