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
  /**
   * The SSH alias when `host` is reached over SSH: the journal records it (undo only
   * through the same alias), and the actions that need the machine itself (quarantine:
   * the owner's process, PHP-FPM's masters) are not offered.
   */
  remote?: string;
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
    // the policy service and quarantine work on the machine itself: not offered over SSH
    ...(s.remote === undefined
      ? [new PolicyHookAction({ postfix }), new QuarantineAction({ roots: s.roots, quarantineDir: s.quarantineDir ?? DEFAULT_QUARANTINE_DIR, ...(s.now ? { now: s.now } : {}) })]
      : []),
    ...(s.extraActions ?? []),
  ];
}

/** Why an action is missing over SSH, for the refusal. */
export const LOCAL_ONLY_ACTIONS: Readonly<Record<string, string>> = {
  'quarantine-script': 'quarantine-script works on the machine itself (the file owner\'s process, PHP-FPM\'s masters), not over SSH: run spamtrace there, or hold the source\'s mail and block its submission from here',
  'policy-hook': "the policy service is served by `spamtrace watch` on the mail server itself, which an agentless host does not run",
  'plesk-mail-limit': 'the Plesk actions are offered where spamtrace runs on the Plesk server, not over SSH',
  'plesk-suspend': 'the Plesk actions are offered where spamtrace runs on the Plesk server, not over SSH',
};

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
    ...(s.remote !== undefined ? { remote: s.remote, unavailable: LOCAL_ONLY_ACTIONS } : {}),
    ...(s.afterStep ? { afterStep: s.afterStep } : {}),
    ...(s.now ? { now: s.now } : {}),
  });
}
