/** Before anything changes: root, GNU time, the Postfix and SASL tools, xargs, a built dist/. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { capture, isExecutable, XARGS } from './commands';
import { UsageError } from './errors';
import { GNU_TIME } from './measure';
import { CLI, FAKE_MX_JS } from './paths';

export interface Tools {
  postcat: string;
  postqueue: string;
  postfixVersion: string;
}

export async function checkPrerequisites(): Promise<Tools> {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    throw new UsageError('must run as root (uid 0): the benchmark reconfigures Postfix through the lab (test/lab/README.md) and reads the queue as root');
  }
  if (!(await isExecutable(GNU_TIME))) {
    throw new UsageError(`${GNU_TIME} (GNU time) not found: it measures the peak RSS of each command.\n  apt-get install time`);
  }
  const tv = await capture(GNU_TIME, ['--version']).catch(() => ({ code: 1, stdout: '', stderr: '' }));
  if (!/GNU/i.test(tv.stdout + tv.stderr)) {
    throw new UsageError(`${GNU_TIME} is not GNU time (no -f/%M support?).\n  apt-get install time`);
  }
  const missing: string[] = [];
  for (const [bin, pkg] of [
    ['/usr/sbin/postfix', 'postfix'],
    ['/usr/sbin/postconf', 'postfix'],
    ['/usr/sbin/postqueue', 'postfix'],
    ['/usr/sbin/postcat', 'postfix'],
    ['/usr/sbin/postsuper', 'postfix'],
    ['/usr/sbin/sendmail', 'postfix'],
    ['/usr/sbin/saslpasswd2', 'sasl2-bin'],
  ] as const) {
    if (!(await isExecutable(bin))) missing.push(`${bin} (package ${pkg})`);
  }
  // PLAIN/LOGIN for the lab's SMTP AUTH bots
  const dq = await capture('dpkg-query', ['-W', '-f', '${Status}', 'libsasl2-modules']).catch(() => undefined);
  if (dq && !/install ok installed/.test(dq.stdout)) missing.push('libsasl2-modules (package libsasl2-modules)');
  const xa = await capture(XARGS, ['--version']).catch(() => undefined);
  if (!xa || xa.code !== 0) missing.push('xargs (package findutils)');
  if (missing.length) {
    throw new UsageError(
      `missing: ${missing.join(', ')}.\n  apt-get install postfix sasl2-bin libsasl2-modules  (preseed postfix "Local only"; see .ci/run)`,
    );
  }
  for (const f of [CLI, FAKE_MX_JS]) {
    if (!(await fs.stat(f).catch(() => undefined))) {
      throw new UsageError(`${f} missing: build first (npx tsc -p . or npm run bench)`);
    }
  }
  const pc = await capture('/usr/sbin/postconf', ['-h', 'command_directory', 'mail_version']);
  const [dir, version] = pc.stdout.split('\n').map((s) => s.trim());
  const cmdDir = dir && dir.startsWith('/') ? dir : '/usr/sbin';
  return { postcat: path.join(cmdDir, 'postcat'), postqueue: path.join(cmdDir, 'postqueue'), postfixVersion: version || 'unknown' };
}
