/** The lab's refusals, said before anything is changed: not root, or Postfix / the fake MX not running. */
import { fakeMxPid } from './fake-mx-process';
import { postfixPid } from './postfix-process';

export function requireRoot(what: string): void {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    throw new Error(`spamtrace lab ${what}: must run as root (uid 0); the lab reconfigures Postfix and creates system users`);
  }
}

/** Submitting while Postfix is down would strand mail in maildrop; say so at once. */
export async function requireRunning(): Promise<void> {
  if ((await postfixPid()) === undefined || (await fakeMxPid()) === undefined) {
    throw new Error('lab: Postfix or the fake MX is not running; run "npm run lab -- up" first');
  }
}
