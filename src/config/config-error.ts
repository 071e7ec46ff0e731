/** The errors this folder raises (codes listed in src/errors.ts and the README). */
import { SpamtraceError } from '../errors';

/** The config file is missing (when named), unreadable, not JSON, or a key is wrong. */
export function configError(message: string): SpamtraceError {
  return new SpamtraceError('E_CONFIG', message);
}

/** E_CONFIG with every problem of one file at its JSON path, for `spamtrace config check` to list. */
export class ConfigProblemsError extends SpamtraceError {
  constructor(
    readonly file: string,
    readonly problems: readonly { path: string; message: string }[],
    message: string,
  ) {
    super('E_CONFIG', message);
  }
}

/** A secret file is missing, unreadable, or others could read or replace it. */
export function secretFileError(message: string): SpamtraceError {
  return new SpamtraceError('E_SECRET_FILE', message);
}
