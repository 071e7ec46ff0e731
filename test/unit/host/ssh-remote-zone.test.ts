/**
 * A server in another time zone, over real SSH (root only: a private sshd whose sessions
 * run with TZ=<+10>-10): its year-less syslog times are read in its zone, not in the
 * zone of the machine running spamtrace.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NO_POSTFIX_LOG_SETTINGS } from '../../../src/collect/maillog';
import { SkipTally } from '../../../src/collect/skip-tally';
import { SshHost } from '../../../src/host/ssh-host';
import { LocalHost } from '../../../src/host/local-host';
import type { Host } from '../../../src/host/host';
import { readMailLogInto } from '../../../src/scan/maillog-stage';
import { SubmissionLog } from '../../../src/scan/submission-log';
import { SourceTracer } from '../../../src/trace/source-tracer';
import { canRunSshd, startPrivateSshd, type PrivateSshd } from '../../../bench/fleet/private-sshd';

const skip = canRunSshd() ? false : 'needs root and openssh-server';
const quiet = { update: () => undefined, end: () => undefined };

describe('a remote host in UTC+10', { skip }, () => {
  let sshd: PrivateSshd;
  let ssh: SshHost;
  let dir: string;
  let log: string;

  before(async () => {
    sshd = await startPrivateSshd({ goodAliases: 1, timeZone: '<+10>-10' });
    ssh = new SshHost({ alias: sshd.good[0]!, configPath: sshd.configPath });
    await ssh.connect();
    dir = mkdtempSync(join(tmpdir(), 'spamtrace-zone-'));
    log = join(dir, 'mail.log');
    writeFileSync(
      log,
      [
        'Mar  3 09:00:00 web1 postfix/pickup[100]: 4B5C6D7E8F9: uid=4079 from=<info@example.de>',
        'Mar  3 09:00:00 web1 postfix/qmgr[102]: 4B5C6D7E8F9: from=<info@example.de>, size=900, nrcpt=1 (queue active)',
        'Mar  3 09:00:01 web1 postfix/qmgr[102]: 4B5C6D7E8F9: removed',
        '',
      ].join('\n'),
    );
    utimesSync(log, new Date('2026-03-04T00:00:00Z'), new Date('2026-03-04T00:00:00Z'));
  });

  after(async () => {
    await ssh?.close();
    await sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function submissions(host: Host, utcOffsetMinutes: number | null): Promise<string[]> {
    const s = new SubmissionLog();
    await readMailLogInto(
      host,
      { paths: [log], defaultPaths: null, since: new Date('2026-01-01T00:00:00Z'), until: null, now: new Date('2026-12-01T00:00:00Z'), postfix: NO_POSTFIX_LOG_SETTINGS, utcOffsetMinutes },
      { tracer: new SourceTracer(), submissions: s, queued: new Map() },
      new SkipTally(),
      quiet,
    );
    return s.of('uid:4079').map((x) => x.time.toISOString());
  }

  test('the host says its zone, and its log times are read in it', async () => {
    assert.equal(await ssh.utcOffsetMinutes(), 600);
    assert.deepEqual(await submissions(ssh, await ssh.utcOffsetMinutes()), ['2026-03-02T23:00:00.000Z']);
    // the same file read as this machine's own log: this machine's zone
    const here = await submissions(new LocalHost('local'), null);
    assert.deepEqual(here, [new Date(2026, 2, 3, 9, 0, 0).toISOString()]);
  });
});
