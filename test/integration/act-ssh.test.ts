/**
 * `spamtrace act --host ALIAS` on the real Postfix lab through a real sshd on 127.0.0.1
 * (the one fleet-ssh and confixx-ssh use, its login shell slow on purpose and counting
 * its sessions): plan, apply, the effect checked on the system itself (held mail in the
 * hold queue, a blocked user's sendmail refused, a blocked login's SMTP AUTH submission
 * refused), undo, main.cf and the maps byte for byte as before. A main.cf changed on the
 * host while the action writes it is refused and kept as the admin left it. Each command
 * costs a few remote sessions, however many messages it touches.
 * Root only; takes the lab lock; brings the lab down afterwards.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flushQueue, labDown, labUp, runScenario, sha256File, waitForQueueSettled } from '../lab/lab';
import { acquireLabLock, releaseLabLock } from '../lab/lab-lock';
import { canRunSshd, startPrivateSshd, type PrivateSshd } from '../../bench/fleet/private-sshd';
import { runCli, type CliResult } from '../helpers/run-cli';
import { STOLEN, actionIdOf, countInQueue, sendmailAs, submitWithLogin } from '../lab/act-probes';
import { SshHost } from '../../src/host/ssh-host';
import type { Host } from '../../src/host/host';
import { createActEngine } from '../../src/act/registry';
import { JsonlAuditSink } from '../../src/act/audit';

const canRun = canRunSshd() && existsSync('/usr/sbin/postfix') && existsSync('/usr/sbin/saslpasswd2') && existsSync('/usr/bin/swaks');
const skip = process.env['SPAMTRACE_SKIP_LAB'] ? 'SPAMTRACE_SKIP_LAB is set' : canRun ? false : 'needs root, openssh-server, Postfix, sasl2-bin and swaks';

const MAIN_CF = '/etc/postfix/main.cf';
const SASL_MAP = '/etc/postfix/spamtrace_sasl_access';

/** `spamtrace act ... --host ALIAS` in a child process, as src/cli.ts runs it. */
const act = (args: string[], env: Record<string, string>): Promise<CliResult> => runCli(['act', ...args], env);

describe('spamtrace act --host over SSH on the real lab', { skip, concurrency: false }, () => {
  let sshd: PrivateSshd;
  let env: Record<string, string>;
  let journalDir: string;
  let mainCfBefore: Buffer;
  let over: string[];

  /** act over SSH; also how many remote sessions the command opened */
  const remote = async (args: string[]): Promise<CliResult & { sessions: number }> => {
    const n = await sshd.sessions();
    const r = await act([...args, ...over], env);
    return { ...r, sessions: (await sshd.sessions()) - n };
  };

  before(async () => {
    await acquireLabLock();
    await labUp();
    await flushQueue();
    await runScenario('php-spam', { wait: true });
    await runScenario('stolen-login', { wait: true });
    sshd = await startPrivateSshd({ goodAliases: 1, slowLoginSeconds: 1 });
    over = ['--host', sshd.good[0]!, '--ssh-config', sshd.configPath];
    journalDir = mkdtempSync(join(tmpdir(), 'act-ssh-'));
    env = { SPAMTRACE_ACT_JOURNAL: join(journalDir, 'journal.jsonl'), SPAMTRACE_CONFIG: '', SPAMTRACE_FLEET: '' };
    mainCfBefore = readFileSync(MAIN_CF);
  });

  after(async () => {
    try {
      await sshd?.stop();
      if (journalDir) rmSync(journalDir, { recursive: true, force: true });
      await labDown();
    } finally {
      await releaseLabLock();
    }
  });

  test('queue-hold over SSH puts the 40 messages of uid 4079 on hold in one session, and undo releases them', async (t) => {
    assert.equal(await countInQueue('deferred', /@web274-example\.de$/), 40);
    const plan = await remote(['plan', 'queue-hold', 'user:web274']);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, /40 of 40 queued messages of uid:4079/);
    assert.equal(await countInQueue('hold', /@web274-example\.de$/), 0, 'plan changes nothing');

    const r = await remote(['apply', 'queue-hold', 'uid:4079']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /check: OK/);
    assert.equal(await countInQueue('hold', /@web274-example\.de$/), 40);
    assert.equal(await countInQueue('hold', /@kunde-beispiel\.de$/), 0, 'other sources untouched');
    assert.ok(r.sessions >= 1 && r.sessions <= 4, `${r.sessions} remote sessions for plan, apply and check of 40 messages`);
    t.diagnostic(`queue-hold apply over SSH: ${r.sessions} remote session(s)`);

    const u = await remote(['undo', actionIdOf(r)]);
    assert.equal(u.code, 0, u.stdout + u.stderr);
    assert.equal(await countInQueue('hold', /@web274-example\.de$/), 0);
    assert.equal(await countInQueue('deferred', /@web274-example\.de$/), 40);

    // journal and audit are here, on the scanner, and name the host
    const list = await act(['list', ...over], env);
    assert.match(list.stdout, new RegExp(`${actionIdOf(r)}\\s+undone\\s+queue-hold\\s+uid:4079 on ${sshd.good[0]}`));
    const audit = await new JsonlAuditSink(join(journalDir, 'audit.jsonl')).read();
    assert.ok(audit.some((a) => a.action === 'queue-hold' && a.host === sshd.good[0] && a.verified), JSON.stringify(audit.map((a) => [a.action, a.host])));
  });

  test('block-submit over SSH refuses sendmail for web274 while newsuser still submits; undo restores main.cf byte for byte', async (t) => {
    const plan = await remote(['plan', 'block-submit', 'web274']);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, /\+ authorized_submit_users = !web274, static:anyone/);
    assert.deepEqual(readFileSync(MAIN_CF), mainCfBefore, 'plan changes nothing');
    const r = await remote(['apply', 'block-submit', 'web274']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /sendmail as web274: refused/);
    assert.ok(r.sessions <= 4, `${r.sessions} sessions`);
    t.diagnostic(`block-submit apply over SSH: ${r.sessions} remote session(s)`);
    const refused = sendmailAs('web274', 'act-ssh');
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /User web274\(4079\) is not allowed to submit mail/);
    assert.equal(sendmailAs('newsuser', 'act-ssh').code, 0);

    const u = await remote(['undo', 'block-submit', 'web274']);
    assert.equal(u.code, 0, u.stdout + u.stderr);
    assert.deepEqual(readFileSync(MAIN_CF), mainCfBefore);
    assert.equal(sendmailAs('web274', 'act-ssh').code, 0);
    await waitForQueueSettled();
  });

  test('block-login over SSH makes a real SMTP AUTH submission fail; undo removes the map and restores main.cf', async () => {
    assert.equal(submitWithLogin('act-ssh').code, 0);
    const r = await remote(['apply', 'block-login', STOLEN.login]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const blocked = submitWithLogin('act-ssh');
    assert.notEqual(blocked.code, 0);
    assert.match(blocked.out, /554 5\.7\.1 <kontakt@kunde-beispiel\.de>: SASL login name rejected/);

    const u = await remote(['undo', actionIdOf(r)]);
    assert.equal(u.code, 0, u.stdout + u.stderr);
    assert.deepEqual(readFileSync(MAIN_CF), mainCfBefore);
    assert.equal(existsSync(SASL_MAP), false);
    assert.equal(existsSync(`${SASL_MAP}.db`), false);
    assert.equal(submitWithLogin('act-ssh').code, 0);
    await waitForQueueSettled();
  });

  test('an action taken over SSH is undone only through that alias; quarantine-script is refused over SSH with the reason', async () => {
    const r = await remote(['apply', 'defer-client', '192.0.2.77']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const id = actionIdOf(r);
    const local = await act(['undo', id], env);
    assert.equal(local.code, 2);
    assert.match(local.stderr, new RegExp(`taken over SSH on ${sshd.good[0]}: undo it with --host ${sshd.good[0]}`));
    assert.equal((await remote(['undo', id])).code, 0);
    assert.deepEqual(readFileSync(MAIN_CF), mainCfBefore);

    const q = await remote(['plan', 'quarantine-script', '/var/www/x.php']);
    assert.equal(q.code, 2);
    assert.match(q.stderr, /E_ACT_REFUSED: quarantine-script is not available on .*not over SSH/);
  });

  test('main.cf changed on the host while the action writes it: refused, the admin\'s change kept, nothing of ours in it', async () => {
    const ssh = new SshHost({ alias: sshd.good[0]!, configPath: sshd.configPath });
    await ssh.connect();
    const adminLine = '# edited by the admin while spamtrace worked\n';
    try {
      // the admin's editor saves main.cf right before our write reaches the host
      const racing: Host = Object.create(ssh) as Host;
      racing.run = async (program, args, options) => {
        if (program === 'sh' && args[2] === 'spamtrace-replace' && args[3] === MAIN_CF) appendFileSync(MAIN_CF, adminLine);
        return ssh.run(program, args, options);
      };
      const engine = createActEngine({ host: racing, journalPath: join(journalDir, 'race', 'journal.jsonl'), roots: [], actor: 'test', remote: sshd.good[0]! });
      await assert.rejects(engine.apply('block-submit', 'web274'), /changed since it was read: not overwritten/);
      const now = readFileSync(MAIN_CF);
      assert.deepEqual(now, Buffer.concat([mainCfBefore, Buffer.from(adminLine)]), 'the admin\'s version, untouched by us');
      assert.equal(sendmailAs('web274', 'act-ssh').code, 0, 'no block in effect');
      const [entry] = (await engine.list()).entries;
      assert.equal(entry?.state, 'half-done');
      const u = await engine.undo(entry!.id);
      assert.ok(u.verification.ok, JSON.stringify(u.verification));
      assert.deepEqual(readFileSync(MAIN_CF), now, 'undo of the refused write leaves the admin\'s file alone');
      assert.ok(ssh.sessionsOpened <= 4, `${ssh.sessionsOpened} sessions`);
    } finally {
      await ssh.close();
      writeFileSync(MAIN_CF, mainCfBefore);
      spawnSync('/usr/sbin/postfix', ['reload']);
    }
    assert.equal(await sha256File(MAIN_CF), (await import('node:crypto')).createHash('sha256').update(mainCfBefore).digest('hex'));
  });

  test('a host with an old distribution\'s tools (Postfix 2.10: no postqueue -j, no check_sasl_access; no runuser): hold and block-submit work and are checked, block-login is refused with the reason', async () => {
    const bin = mkdtempSync(join(journalDir, 'old-bin-'));
    const wrapper = (name: string, body: string): void => writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    wrapper('postqueue', `for a; do case $a in -j) echo "postqueue: invalid option -- 'j'" >&2; echo "postqueue: fatal: usage: postqueue -f | postqueue -i queueid | postqueue -p | postqueue -s site" >&2; exit 64;; esac; done\nexec /usr/sbin/postqueue "$@"`);
    // command_directory points at these wrappers; mail_version says 2.10
    wrapper('postconf', `/usr/sbin/postconf "$@" | sed -e 's|^/usr/sbin$|${bin}|' -e 's|^3\\.[0-9][0-9.]*$|2.10.1|'`);
    for (const p of ['postcat', 'postsuper', 'postmap', 'postfix', 'postkick']) wrapper(p, `exec /usr/sbin/${p} "$@"`);
    // util-linux before 2.23: no runuser (the agent's exec would say this)
    wrapper('runuser', 'echo "sh: 1: exec: runuser: not found" >&2; exit 127');
    const old = await startPrivateSshd({ goodAliases: 1, slowLoginSeconds: 1, pathPrefix: bin });
    const there = ['--host', old.good[0]!, '--ssh-config', old.configPath];
    const oldEnv = { ...env, SPAMTRACE_ACT_JOURNAL: join(journalDir, 'old', 'journal.jsonl') };
    try {
      const hold = await act(['apply', 'queue-hold', 'uid:4079', ...there], oldEnv);
      assert.equal(hold.code, 0, hold.stdout + hold.stderr);
      assert.match(hold.stdout, /40 of 40 queued messages of uid:4079 put on hold/);
      assert.match(hold.stdout, /check: OK/);
      assert.equal(await countInQueue('hold', /@web274-example\.de$/), 40);
      assert.equal((await act(['undo', actionIdOf(hold), ...there], oldEnv)).code, 0);
      assert.equal(await countInQueue('deferred', /@web274-example\.de$/), 40);

      const block = await act(['apply', 'block-submit', 'web274', ...there], oldEnv);
      assert.equal(block.code, 0, block.stdout + block.stderr);
      assert.match(block.stdout, /sendmail as web274: refused/, 'checked through su');
      assert.match(sendmailAs('web274', 'act-ssh').stderr, /is not allowed to submit mail/);
      assert.equal((await act(['undo', actionIdOf(block), ...there], oldEnv)).code, 0);
      assert.deepEqual(readFileSync(MAIN_CF), mainCfBefore);

      const login = await act(['plan', 'block-login', STOLEN.login, ...there], oldEnv);
      assert.equal(login.code, 2);
      assert.match(login.stderr, /E_ACT_REFUSED: block-login needs check_sasl_access, which Postfix 2\.10 on .* does not have \(2\.11 or later\)/);
      assert.ok((await old.sessions()) <= 6 * 4, `${await old.sessions()} sessions for 6 commands`);
    } finally {
      await old.stop();
    }
    await waitForQueueSettled();
  });
});
