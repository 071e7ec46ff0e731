/**
 * Containment actions on the real Postfix lab, through the CLI as an admin runs them.
 * For every action: apply, check by an independent observation (postqueue -j, a refused
 * sendmail, a rejected SMTP AUTH submission, the script's URL over HTTP), undo, check
 * back; main.cf byte for byte as before. And the crash the journal is for: the process
 * killed between apply and its record, then the next start reports it and undo works.
 * Needs root, Postfix and sasl2-bin; takes the lab lock.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flushQueue, labDown, labUp, postqueueJson, runScenario, sha256File, waitForQueueSettled } from '../lab/lab';
import { acquireLabLock, releaseLabLock } from '../lab/lab-lock';
import { STOLEN, actionIdOf, countInQueue, sendmailAs, submitWithLogin } from '../lab/act-probes';
import { labHttpRequest } from '../lab/web/http-submitter';
import { DROPPED_SCRIPT, droppedScriptFile, webSite } from '../lab/web/web-layout';
import { packageRoot, runCli } from '../helpers/run-cli';
import type { Report } from '../../src/domain/report';
import type { EngineStep } from '../../src/act/engine';
import { JsonlAuditSink } from '../../src/act/audit';

const canRun = process.getuid?.() === 0 && existsSync('/usr/sbin/postfix') && existsSync('/usr/sbin/saslpasswd2');
const skip = process.env['SPAMTRACE_SKIP_LAB'] ? 'SPAMTRACE_SKIP_LAB is set' : canRun ? false : 'needs root, Postfix and sasl2-bin';

const MAIN_CF = '/etc/postfix/main.cf';
const SASL_MAP = '/etc/postfix/spamtrace_sasl_access';

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** `spamtrace act ...` in a child process, exactly as src/cli.ts runs it. */
/** spamtrace act in a child process; `crashAfter`: SIGKILLed right after that engine step. */
function act(args: string[], env: Record<string, string>, crashAfter?: EngineStep): Promise<Run> {
  const entry = join(packageRoot(), 'dist', 'src', 'cli', 'act-command.js');
  const hooks = `{ afterStep: (s) => { if (s === ${JSON.stringify(crashAfter ?? null)}) process.kill(process.pid, 'SIGKILL'); } }`;
  const script = `require(${JSON.stringify(entry)}).actCommand(process.argv.slice(1), undefined, ${hooks}).then((c) => { process.exitCode = c; }, (e) => { process.stderr.write('spamtrace: ' + (e.code || 'E_INTERNAL') + ': ' + e.message + '\\n'); process.exitCode = 2; });`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** POST without a valid recipient: the dropped script answers 400 "ERR rcpt" and sends nothing. */
async function scriptAnswer(): Promise<{ status: number; body: string }> {
  const site = webSite(DROPPED_SCRIPT.site);
  const r = await labHttpRequest({ host: site.domain, ip: '185.220.101.47', method: 'POST', path: DROPPED_SCRIPT.urlPath, body: 'a=nobody&b=x&d=x' });
  return { status: r.status, body: r.body };
}

describe('spamtrace act on the real lab', { skip, concurrency: false }, () => {
  let env: Record<string, string>;
  let journalDir: string;
  let mainCfBefore: string;
  let webUp = false;

  before(async () => {
    await acquireLabLock();
    const up = await labUp();
    webUp = up.web.started;
    await flushQueue();
    await runScenario('php-spam', { wait: true });
    await runScenario('stolen-login', { wait: true });
    journalDir = mkdtempSync(join(tmpdir(), 'act-lab-'));
    env = {
      SPAMTRACE_ACT_JOURNAL: join(journalDir, 'journal.jsonl'),
      SPAMTRACE_CONFIG: '',
    };
    mainCfBefore = await sha256File(MAIN_CF);
  });

  after(async () => {
    try {
      await labDown();
    } finally {
      await releaseLabLock();
    }
  });

  test('queue-hold puts all 40 messages of uid 4079 on hold, and undo releases them', async () => {
    assert.equal(await countInQueue('deferred', /@web274-example\.de$/), 40);
    const plan = await act(['plan', 'queue-hold', 'user:web274'], env);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, /40 of 40 queued messages of uid:4079/);
    assert.equal(await countInQueue('hold', /@web274-example\.de$/), 0, 'plan changes nothing');

    const r = await act(['apply', 'queue-hold', 'uid:4079'], env);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(await countInQueue('hold', /@web274-example\.de$/), 40);
    assert.equal(await countInQueue('hold', /@kunde-beispiel\.de$/), 0, 'other sources untouched');

    const u = await act(['undo', actionIdOf(r)], env);
    assert.equal(u.code, 0, u.stdout + u.stderr);
    assert.equal(await countInQueue('hold', /@web274-example\.de$/), 0);
    assert.equal(await countInQueue('deferred', /@web274-example\.de$/), 40);
  });

  test('queue-hold takes an SMTP client address as the source (the open relay case) and holds only its mail', async () => {
    await runScenario('open-relay', { wait: true });
    const heldBefore = (await postqueueJson()).filter((e) => e.queue_name === 'hold').length;
    const r = await act(['apply', 'queue-hold', 'client:192.0.2.77'], env);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const m = /(\d+) of \d+ queued messages of client:192\.0\.2\.77 put on hold/.exec(r.stdout);
    assert.ok(m, r.stdout);
    const n = Number(m[1]);
    assert.ok(n >= 15, `held ${n}`);
    assert.equal((await postqueueJson()).filter((e) => e.queue_name === 'hold').length - heldBefore, n);
    assert.equal(await countInQueue('hold', /@web274-example\.de$/), 0, 'the local source is not touched');
    assert.equal((await act(['undo', actionIdOf(r)], env)).code, 0);
    assert.equal((await postqueueJson()).filter((e) => e.queue_name === 'hold').length, heldBefore);
  });

  test('queue-release lets held mail go back to the queue and its undo holds it again; requeue gives fresh queue IDs', async () => {
    const hold = await act(['apply', 'queue-hold', 'uid:4079'], env);
    assert.equal(hold.code, 0, hold.stdout + hold.stderr);
    const rel = await act(['apply', 'queue-release', 'user:web274'], env);
    assert.equal(rel.code, 0, rel.stdout + rel.stderr);
    assert.equal(await countInQueue('hold', /@web274-example\.de$/), 0);
    assert.equal(await countInQueue('deferred', /@web274-example\.de$/), 40);
    assert.equal((await act(['undo', actionIdOf(rel)], env)).code, 0);
    assert.equal(await countInQueue('hold', /@web274-example\.de$/), 40, 'undoing the release holds them again');
    assert.equal((await act(['undo', 'queue-hold', 'uid:4079'], env)).code, 0);
    assert.equal(await countInQueue('deferred', /@web274-example\.de$/), 40);

    const oldIds = new Set((await postqueueJson()).filter((e) => /@web274-example\.de$/.test(e.sender)).map((e) => e.queue_id));
    const rq = await act(['apply', 'queue-requeue', 'uid:4079'], env);
    assert.equal(rq.code, 0, rq.stdout + rq.stderr);
    assert.doesNotMatch(rq.stdout, /undo: spamtrace act undo/, 'requeue offers no undo');
    assert.match(rq.stdout, /sits above the original submitter/, 'the plan warns that requeue adds a pickup line');
    await waitForQueueSettled();
    const now = (await postqueueJson()).filter((e) => /@web274-example\.de$/.test(e.sender));
    assert.equal(now.length, 40, 'no message lost');
    assert.equal(now.filter((e) => oldIds.has(e.queue_id)).length, 0, 'every message has a new queue ID');
    // the scan still names web274, not the postfix user that re-submitted the mail
    const scan = JSON.parse((await runCli(['scan', '--json', '--no-weblogs'])).stdout) as Report;
    assert.equal(scan.sources.find((s) => s.id === 'uid:4079')?.messages, 40, 'requeued mail stays with its submitter');
  });

  test('queue-delete removes only held mail, only with --confirm-delete naming the count, and is audited', async () => {
    const notHeld = await act(['apply', 'queue-delete', `sasl:${STOLEN.login}`, '--confirm-delete', '0'], env);
    assert.equal(notHeld.code, 0, 'nothing on hold: nothing to delete');
    assert.match(notHeld.stdout, /nothing to do/);
    assert.equal(await countInQueue('deferred', /@kunde-beispiel\.de$/), 15);

    assert.equal((await act(['apply', 'queue-hold', `sasl:${STOLEN.login}`], env)).code, 0);
    assert.equal(await countInQueue('hold', /@kunde-beispiel\.de$/), 15);

    const unconfirmed = await act(['apply', 'queue-delete', `sasl:${STOLEN.login}`], env);
    assert.equal(unconfirmed.code, 2);
    assert.match(unconfirmed.stderr, /--confirm-delete 15/);
    const wrong = await act(['apply', 'queue-delete', `sasl:${STOLEN.login}`, '--confirm-delete', '14'], env);
    assert.equal(wrong.code, 2);
    assert.equal(await countInQueue('hold', /@kunde-beispiel\.de$/), 15, 'nothing deleted without the right count');

    const del = await act(['apply', 'queue-delete', `sasl:${STOLEN.login}`, '--confirm-delete', '15'], env);
    assert.equal(del.code, 0, del.stdout + del.stderr);
    assert.equal((await postqueueJson()).filter((e) => /@kunde-beispiel\.de$/.test(e.sender)).length, 0);
    assert.equal(await countInQueue('deferred', /@web274-example\.de$/), 40, 'the other source kept its mail');
    const audit = await new JsonlAuditSink(join(journalDir, 'audit.jsonl')).read();
    const request = audit.findIndex((a) => a.action === 'queue-delete:request');
    assert.ok(request !== -1 && request < audit.findIndex((a) => a.action === 'queue-delete'), 'the request is audited before the delete');
    const rec = audit.find((a) => a.action === 'queue-delete');
    assert.ok(rec, 'the delete is in the audit trail');
    assert.equal((rec.before as { ids: unknown[] }).ids.length, 15);
    assert.equal(rec.who, process.env['SUDO_USER'] ?? 'root');
  });

  test('block-submit refuses sendmail for web274 while newsuser still submits; undo restores main.cf byte for byte', async () => {
    const plan = await act(['plan', 'block-submit', 'web274'], env);
    assert.match(plan.stdout, /\+ authorized_submit_users = !web274, static:anyone/);
    assert.equal(await sha256File(MAIN_CF), mainCfBefore, 'plan changes nothing');
    const r = await act(['apply', 'block-submit', 'web274'], env);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const refused = sendmailAs('web274', 'act-lab');
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /User web274\(4079\) is not allowed to submit mail/);
    const other = sendmailAs('newsuser', 'act-lab');
    assert.equal(other.code, 0, other.stderr);

    const u = await act(['undo', 'block-submit', 'web274'], env);
    assert.equal(u.code, 0, u.stdout + u.stderr);
    assert.equal(await sha256File(MAIN_CF), mainCfBefore);
    const again = sendmailAs('web274', 'act-lab');
    assert.equal(again.code, 0, again.stderr);
    await waitForQueueSettled();
  });

  test('block-login makes a real SMTP AUTH submission fail; undo lets it through and restores main.cf', async () => {
    const before = submitWithLogin('act-lab');
    assert.equal(before.code, 0, before.out);
    const r = await act(['apply', 'block-login', STOLEN.login], env);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const blocked = submitWithLogin('act-lab');
    assert.notEqual(blocked.code, 0);
    assert.match(blocked.out, /554 5\.7\.1 <kontakt@kunde-beispiel\.de>: SASL login name rejected/);

    const u = await act(['undo', 'block-login', STOLEN.login], env);
    assert.equal(u.code, 0, u.stdout + u.stderr);
    assert.equal(await sha256File(MAIN_CF), mainCfBefore);
    assert.equal(existsSync(SASL_MAP), false);
    assert.equal(existsSync(`${SASL_MAP}.db`), false);
    const afterUndo = submitWithLogin('act-lab');
    assert.equal(afterUndo.code, 0, afterUndo.out);
    await waitForQueueSettled();
  });

  test('quarantine-script moves the dropped mailer out so its URL no longer runs it; restore brings it back as it was', async () => {
    const file = droppedScriptFile();
    const st = statSync(file);
    const sha = await sha256File(file);
    if (webUp) assert.deepEqual(await scriptAnswer(), { status: 400, body: 'ERR rcpt' }, 'the script runs before');

    const q = join(journalDir, 'quarantine');
    const r = await act(['apply', 'quarantine-script', file, '--quarantine-dir', q], env);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(existsSync(file), false);
    assert.equal(statSync(q).mode & 0o777, 0o700);
    if (webUp) {
      const a = await scriptAnswer();
      assert.equal(a.status, 404);
      assert.doesNotMatch(a.body, /ERR/);
    }

    const u = await act(['undo', actionIdOf(r)], env);
    assert.equal(u.code, 0, u.stdout + u.stderr);
    const back = statSync(file);
    assert.deepEqual([back.uid, back.gid, back.mode, back.size], [st.uid, st.gid, st.mode, st.size]);
    assert.ok(Math.abs(back.mtimeMs - st.mtimeMs) < 2);
    assert.equal(await sha256File(file), sha);
    if (webUp) assert.deepEqual(await scriptAnswer(), { status: 400, body: 'ERR rcpt' }, 'the script runs again');
  });

  test('quarantine-script refuses a file outside the roots and a symlink', async () => {
    const outside = await act(['plan', 'quarantine-script', '/etc/passwd'], env);
    assert.equal(outside.code, 2);
    assert.match(outside.stderr, /outside the configured roots/);
    const dotdot = await act(['plan', 'quarantine-script', `${webSite('web274').docRoot}/../../../etc/passwd`], env);
    assert.equal(dotdot.code, 2);
    assert.match(dotdot.stderr, /"\.\." is not allowed/);
  });

  test('killed between apply and its record: the next start reports the half-done action and undo restores main.cf', async () => {
    const crashed = await act(['apply', 'block-submit', 'web274'], env, 'apply');
    assert.equal(crashed.signal, 'SIGKILL');
    assert.notEqual(await sha256File(MAIN_CF), mainCfBefore, 'the change was made');
    assert.match(sendmailAs('web274', 'act-lab').stderr, /not allowed to submit mail/);

    const status = await act(['status'], env);
    assert.equal(status.code, 1);
    const m = /HALF-DONE (\S+) block-submit web274: intent recorded, no record after "intent"/.exec(status.stdout);
    assert.ok(m, status.stdout);
    const id = m[1]!;
    const next = await act(['list'], env);
    assert.match(next.stdout, new RegExp(`${id}\\s+half-done`));
    const anyStart = await act(['plan', 'queue-hold', 'uid:4079'], env);
    assert.match(anyStart.stderr, new RegExp(`half-done action ${id} \\(block-submit web274`));

    const u = await act(['undo', id], env);
    assert.equal(u.code, 0, u.stdout + u.stderr);
    assert.equal(await sha256File(MAIN_CF), mainCfBefore);
    assert.equal(sendmailAs('web274', 'act-lab').code, 0);
    assert.equal((await act(['status'], env)).code, 0);
    await waitForQueueSettled();
  });

  test('a crash during undo is reported too, and running undo again finishes it', async () => {
    await runScenario('php-spam', { wait: true, count: 5 });
    const r = await act(['apply', 'queue-hold', 'uid:4079'], env);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const id = actionIdOf(r);
    const crashed = await act(['undo', id], env, 'undo');
    assert.equal(crashed.signal, 'SIGKILL');
    const status = await act(['status'], env);
    assert.match(status.stdout, new RegExp(`HALF-DONE ${id} queue-hold uid:4079: undo started`));
    const again = await act(['undo', id], env);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.equal(await countInQueue('hold', /@web274-example\.de$/), 0);
    const journal = readFileSync(env['SPAMTRACE_ACT_JOURNAL']!, 'utf8');
    assert.ok(journal.split('\n').filter((l) => l.includes(id) && l.includes('"undo-recorded"')).length === 1);
  });
});
