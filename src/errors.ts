/**
 * Every error a user can see, with a stable code. The README's "Errors" table lists
 * the same codes; test/unit/errors.test.ts fails when the two differ.
 */

export const ERRORS = {
  E_USAGE: 'the command line is not right',
  E_NOT_ROOT: 'reading the Postfix queue needs root',
  E_POSTFIX_MISSING: 'Postfix programs (postqueue, postcat) were not found',
  E_POSTFIX_DOWN: 'the Postfix mail system is not running',
  E_QUEUE_UNREADABLE: 'postqueue failed',
  E_QUEUE_FILE: 'the saved queue listing could not be read',
  E_QUEUE_FORMAT: 'the saved queue listing is neither postqueue -j nor postqueue -p output',
  E_POSTCAT_FAILED: 'postcat failed for a reason other than a vanished message',
  E_POSTCAT_FILE: 'the saved postcat output could not be read',
  E_PASSWD_FILE: 'the passwd file could not be read',
  E_MAILLOG: 'no mail log could be read',
  E_INVENTORY_FILE: 'the static inventory file could not be read or is not valid',
  E_CONFIG: 'the configuration file is not valid',
  E_SECRET_FILE: 'a secrets file is missing, unreadable, or readable by others than root',
  E_PLESK_API: 'the Plesk REST API refused or failed a call',
  E_PLESK_CLI: 'a Plesk command-line call failed',
  E_PLESK_CONFIG: 'the Plesk connection settings are not usable',
  E_CONFIXX_CONF: 'the Confixx configuration file could not be read',
  E_CONFIXX_DB: 'the Confixx database could not be reached or queried',
  E_ACT_REFUSED: 'the action was refused: a bad target, a path outside the roots, or a missing confirmation',
  E_ACT_LOCKED: 'another action is running on this host',
  E_ACT_FAILED: 'a step of the action failed on the system',
  E_ACT_SSH: 'the host of act --host could not be reached or was lost over SSH',
  E_STORE: 'the store (SQLite database) could not be opened, migrated or written',
  E_REPORT_FILE: 'the saved scan report could not be read or is not a spamtrace report',
  E_NATIVE_MODULE: 'a native module (better-sqlite3) does not load in this Node',
  E_HEAP_LIMIT: 'the scan ran out of memory under its heap limit',
  E_INTERNAL: 'an unexpected internal error',
} as const;

export type ErrorCode = keyof typeof ERRORS;

/** An error meant for the user: one line, a stable code, no stack trace. */
export class SpamtraceError extends Error {
  readonly code: ErrorCode;
  readonly detail: string | undefined;

  constructor(code: ErrorCode, message?: string, detail?: string) {
    super(message ?? ERRORS[code]);
    this.name = 'SpamtraceError';
    this.code = code;
    this.detail = detail;
  }
}

export function isSpamtraceError(e: unknown): e is SpamtraceError {
  return e instanceof SpamtraceError;
}
