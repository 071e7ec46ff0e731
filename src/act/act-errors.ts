/** The errors the act/ layer raises, in one place. */
import { SpamtraceError } from '../errors';

/** The target or the request is not acceptable (bad name, outside the roots, no confirmation). */
export function refused(message: string): SpamtraceError {
  return new SpamtraceError('E_ACT_REFUSED', message);
}

/** Another action holds the per-host lock. */
export function locked(message: string): SpamtraceError {
  return new SpamtraceError('E_ACT_LOCKED', message);
}

/** A step on the system failed (a command's exit, a file operation). */
export function stepFailed(message: string): SpamtraceError {
  return new SpamtraceError('E_ACT_FAILED', message);
}

/** Text from a program or a file, made safe for one line of an error message. */
export function oneLine(text: string, max = 300): string {
  // eslint-disable-next-line no-control-regex
  const s = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max)}...` : s;
}
