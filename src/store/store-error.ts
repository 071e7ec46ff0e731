/**
 * E_STORE: the store file cannot be opened, migrated or written. The lead adds the code
 * to src/errors.ts and the README table; until then the cast keeps this compiling.
 */
import { SpamtraceError, type ErrorCode } from '../errors';

export const E_STORE: ErrorCode = 'E_STORE';

export function storeError(message: string): SpamtraceError {
  return new SpamtraceError(E_STORE, message);
}
