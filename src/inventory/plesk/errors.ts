/**
 * The Plesk adapter's user-facing errors. Every one carries Plesk's own words (the REST
 * error body's `message`, or the CLI's stderr) so the admin sees what Plesk said, not
 * our paraphrase.
 */
import { SpamtraceError } from '../../errors';

export type PleskErrorCode = 'E_PLESK_API' | 'E_PLESK_CLI' | 'E_PLESK_CONFIG';

/** Why a REST call failed; the inventory decides from this whether to fall back. */
export type PleskFailure =
  | 'unreachable' // connection refused, DNS, TLS, timeout
  | 'auth' // 401/403: bad or revoked key
  | 'not-found' // 404: the object (or, on old Plesk, the endpoint) does not exist
  | 'server' // 5xx
  | 'rejected' // other 4xx
  | 'bad-response' // 2xx but not the documented shape
  | 'cli-exit'; // /cli/.../call or plesk bin exited non-zero

export class PleskError extends SpamtraceError {
  constructor(
    code: PleskErrorCode,
    readonly failure: PleskFailure,
    message: string,
    /** Plesk's own text (error body message, or stderr), one line, capped */
    readonly pleskText: string,
    readonly httpStatus?: number,
  ) {
    super(code, message, pleskText || undefined);
    this.name = 'PleskError';
  }
}

export function isPleskError(e: unknown): e is PleskError {
  return e instanceof PleskError;
}

/** Plesk's text is shown to the admin: one line, no control characters, bounded. */
export function oneLine(text: string, max = 500): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  return flat.length > max ? flat.slice(0, max) + '…' : flat;
}
