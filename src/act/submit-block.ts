/**
 * block-submit USER: stop a local user (a hacked site's PHP) from submitting mail with
 * sendmail(1), through authorized_submit_users. Checked by running the real sendmail as
 * that user: Postfix's sendmail says "User NAME(UID) is not allowed to submit mail". The
 * probe message has no recipient, so an allowed user gets "No recipient addresses
 * found" and nothing is ever queued. It does not stop a script that speaks SMTP.
 */
import type { Action, ActionPlan, Json, UndoResult, Verification } from './action';
import type { Host } from '../host/host';
import { refused } from './act-errors';
import { checkUserName } from './names';
import { getentAccount } from '../collect/users/passwd';
import { applyMainCfChange, planMainCfChange, undoMainCfChange, type MainCfChange } from './main-cf-change';
import type { PostfixSystem } from './postfix-system';
import { blockSubmitUser, SUBMIT_USERS, unblockSubmitUser } from './submit-users';

export interface SubmitBlockOptions {
  postfix: PostfixSystem;
  host: Host;
  /** a user who must still be able to submit while the block is on (default "nobody") */
  controlUser?: string;
}

interface Data {
  user: string;
  uid: number;
  change: MainCfChange;
}

const PROBE = 'Subject: spamtrace submission probe\n\nno recipient: never queued\n';

export class SubmitBlockAction implements Action<Data> {
  readonly name = 'block-submit';
  readonly description = 'stop a local user from submitting mail with sendmail (authorized_submit_users)';
  readonly targetHelp = 'a system user name (web274) or uid:N';

  constructor(private readonly o: SubmitBlockOptions) {}

  async plan(target: string): Promise<ActionPlan<Data>> {
    const { user, uid } = await this.resolve(target);
    if (uid === 0) throw refused('blocking root from submitting would stop system mail (cron, bounces to the admin); refused');
    const { change, result, step } = await planMainCfChange(this.o.postfix, SUBMIT_USERS, (v) => blockSubmitUser(v, user));
    const reload = { kind: 'command' as const, program: 'postfix', args: ['reload'], why: 'Postfix daemons reread main.cf' };
    const data: Data = { user, uid, change };
    return {
      action: this.name,
      target: user,
      summary: `user ${user} (uid ${uid}) may no longer submit mail with sendmail`,
      steps: step ? [step, reload] : [],
      undoSteps: step
        ? [{ kind: 'edit', file: change.file, diff: [`main.cf back byte for byte (sha256 ${change.before.sha256}); if edited since, only "!${user}" is taken out`], why: 'undo' }, reload]
        : [],
      before: { [SUBMIT_USERS]: change.oldValue, mainCfSha256: change.before.sha256 },
      data,
      reversible: true,
      noop: !result.changed,
      warnings: [...(result.reason ? [result.reason] : []), 'a script that speaks SMTP to 127.0.0.1 is not stopped by this; hold its queue and quarantine the script'],
    };
  }

  async apply(plan: ActionPlan<Data>): Promise<Json> {
    const d = plan.data;
    await applyMainCfChange(this.o.postfix, d.change);
    await this.o.postfix.reload();
    return { [SUBMIT_USERS]: d.change.newValue, mainCfSha256: d.change.afterSha256 };
  }

  async verify(plan: ActionPlan<Data>): Promise<Verification> {
    const d = plan.data;
    return this.observe(d.user, true);
  }

  async undo(plan: ActionPlan<Data>): Promise<UndoResult> {
    const d = plan.data;
    const r = await undoMainCfChange(this.o.postfix, d.change, (v) => unblockSubmitUser(v, d.user));
    if (r.how !== 'untouched' && r.how !== 'absent') await this.o.postfix.reload();
    return { after: { [SUBMIT_USERS]: await this.o.postfix.parameter(SUBMIT_USERS), mainCf: r.how, mainCfSha256: r.sha256 }, warnings: r.warnings };
  }

  async verifyUndone(plan: ActionPlan<Data>): Promise<Verification> {
    const d = plan.data;
    return this.observe(d.user, false);
  }

  /** sendmail as the user (and as the control user): refused or not. */
  private async observe(user: string, wantBlocked: boolean): Promise<Verification> {
    const observations: string[] = [];
    const target = await this.probe(user);
    observations.push(`sendmail as ${user}: ${target.refused ? 'refused' : 'accepted for submission'} (${target.said})`);
    let ok = target.refused === wantBlocked;
    const control = this.o.controlUser ?? 'nobody';
    if (control !== user && (await this.uidOf(control)) !== null) {
      const c = await this.probe(control);
      observations.push(`sendmail as ${control}: ${c.refused ? 'refused' : 'accepted for submission'} (${c.said})`);
      if (c.refused) ok = false;
    }
    return { ok, observations };
  }

  private async probe(user: string): Promise<{ refused: boolean; said: string }> {
    const sendmail = (await this.o.postfix.parameter('sendmail_path').catch(() => '')) || '/usr/sbin/sendmail';
    if (!/^\/[A-Za-z0-9._/-]+$/.test(sendmail)) throw refused(`sendmail_path is not a plain path: ${sendmail.slice(0, 80)}`);
    let r = await this.o.host.run('runuser', ['-u', user, '--', sendmail, '-t', '-i'], { input: PROBE, timeoutMs: 30_000 });
    if (r.spawnError?.code === 'ENOENT') {
      // no runuser (util-linux < 2.23: the old distributions Confixx runs on): su, with the
      // sendmail path as the shell's $0, never inside the command text
      r = await this.o.host.run('su', ['-s', '/bin/sh', '-c', 'exec "$0" -t -i', user, sendmail], { input: PROBE, timeoutMs: 30_000 });
      if (r.spawnError) throw refused(`neither runuser nor su could run sendmail as ${user} on ${this.o.host.name}: ${r.spawnError.message}`);
    }
    const said = (r.stderr.trim().split('\n').pop() ?? '').slice(0, 200);
    return { refused: /is not allowed to submit mail/.test(r.stderr), said };
  }

  private async resolve(target: string): Promise<{ user: string; uid: number }> {
    const m = /^uid:(\d{1,10})$/.exec(target);
    const key = m ? Number(m[1]) : checkUserName(target);
    const u = await getentAccount(this.o.host, key, 'pass');
    if (!u) throw refused(`no system user ${key}`);
    return { user: checkUserName(u.login), uid: u.uid };
  }

  private async uidOf(user: string): Promise<number | null> {
    return (await getentAccount(this.o.host, user, 'pass'))?.uid ?? null;
  }
}

