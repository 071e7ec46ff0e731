/**
 * policy-hook 127.0.0.1:PORT: hooks spamtrace's policy service (src/watch/policy/, run by
 * `spamtrace watch`) into Postfix, so a script that speaks SMTP to 127.0.0.1 is recorded with
 * the uid that owns its socket. It goes first in smtpd_end_of_data_restrictions: at END-OF-MESSAGE
 * the queue ID is known and the client's connection is still open (smtpd answers the final "."
 * only after the restriction).
 *
 * The element is Postfix 3.0's per-service form (SMTPD_POLICY_README, "Advanced policy client
 * configuration"): `check_policy_service { inet:127.0.0.1:PORT, timeout=10s, try_limit=1,
 * default_action=DUNNO }`. DUNNO as the default action means a stopped or hung service never
 * defers mail (the global default is "451 4.3.5"); try_limit=1 means no retry delay. Postfix
 * before 3.0 has neither the form nor client_port (3.0) / server_port (3.2) in the request:
 * refused there, by version. Undo: main.cf back byte for byte (or only our element out).
 */
import { createConnection } from 'node:net';
import type { Action, ActionPlan, Json, UndoResult, Verification } from './action';
import { refused } from './act-errors';
import { applyMainCfChange, planMainCfChange, undoMainCfChange, type MainCfChange } from './main-cf-change';
import { splitList } from './main-cf';
import type { PostfixSystem } from './postfix-system';
import { removeElement, type ListChange } from './submit-users';

export const EOD_RESTRICTIONS = 'smtpd_end_of_data_restrictions';
const CHECK = 'check_policy_service';

interface Data {
  endpoint: string;
  element: string;
  change: MainCfChange;
}

/** 127.0.0.1:10029 (or just the port) -> inet:127.0.0.1:10029; loopback only. */
export function policyEndpoint(target: string): { host: string; port: number; endpoint: string } {
  const m = /^(?:(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\]):)?(\d{1,5})$/.exec(String(target).trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || !(port > 0 && port < 65536) || (m[1] && m[1].startsWith('127.') && m[1].split('.').some((o) => Number(o) > 255))) {
    throw refused(`not a loopback policy endpoint: ${JSON.stringify(String(target).slice(0, 40))} (give 127.0.0.1:PORT)`);
  }
  const host = m[1] ?? '127.0.0.1';
  return { host: host === '[::1]' ? '::1' : host, port, endpoint: `inet:${host}:${port}` };
}

export function policyElement(endpoint: string): string {
  return `{ ${endpoint}, timeout=10s, try_limit=1, default_action=DUNNO }`;
}

/** True when the list already asks this endpoint (in either form). */
export function hasPolicyCheck(value: string, endpoint: string): boolean {
  const e = splitList(value).map((x) => x.text);
  return e.some((t, i) => t === CHECK && (e[i + 1] === endpoint || (e[i + 1]?.startsWith('{') && splitList(e[i + 1]!.slice(1, -1))[0]?.text === endpoint)));
}

export function insertPolicyCheck(current: string, endpoint: string): ListChange {
  if (hasPolicyCheck(current, endpoint)) return { value: current, changed: false, reason: `${CHECK} ${endpoint} is already there` };
  const rest = current.trim();
  const ours = `${CHECK} ${policyElement(endpoint)}`;
  return { value: rest === '' ? ours : `${ours}, ${rest}`, changed: true };
}

/** "3.7.11" -> [3, 7]; null when it does not read as a version. */
export function postfixVersion(text: string): [number, number] | null {
  const m = /^(\d+)\.(\d+)/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2])] : null;
}

export class PolicyHookAction implements Action<Data> {
  readonly name = 'policy-hook';
  readonly description = "hook spamtrace's policy service into smtpd_end_of_data_restrictions (records who speaks SMTP to 127.0.0.1; answers DUNNO, never defers)";
  readonly targetHelp = 'the service\'s loopback address: 127.0.0.1:10029';

  constructor(private readonly o: { postfix: PostfixSystem }) {}

  async plan(target: string): Promise<ActionPlan<Data>> {
    const { endpoint } = policyEndpoint(target);
    const version = await this.o.postfix.parameter('mail_version');
    const v = postfixVersion(version);
    // client_port came with 3.0, server_address/server_port with 3.2, the { } form with 3.0
    if (!v || v[0] < 3 || (v[0] === 3 && v[1] < 2)) {
      throw refused(`Postfix ${version || '(unknown version)'} does not pass the client's and server's ports to a policy service (3.2 and later do): the live socket owner cannot be found; the scan's timing correlation still works`);
    }
    const { change, result, step } = await planMainCfChange(this.o.postfix, EOD_RESTRICTIONS, (cur) => insertPolicyCheck(cur, endpoint));
    const reload = { kind: 'command' as const, program: 'postfix', args: ['reload'], why: 'smtpd rereads main.cf' };
    const element = `${CHECK} ${policyElement(endpoint)}`;
    return {
      action: this.name,
      target: endpoint.slice('inet:'.length),
      summary: `smtpd asks ${endpoint} at end of data (answer always DUNNO; a stopped service changes nothing)`,
      steps: step ? [step, reload] : [],
      undoSteps: step ? [{ kind: 'edit', file: change.file, diff: [`main.cf back byte for byte (sha256 ${change.before.sha256}); if edited since, only our ${CHECK} is taken out`], why: 'undo' }, reload] : [],
      before: { [EOD_RESTRICTIONS]: change.oldValue, mainCfSha256: change.before.sha256 },
      data: { endpoint, element, change },
      reversible: true,
      noop: !result.changed,
      warnings: [
        ...(result.reason ? [result.reason] : []),
        'run "spamtrace watch" (it serves the policy service) so the socket owners are recorded; services in master.cf with their own -o smtpd_end_of_data_restrictions are not covered',
      ],
    };
  }

  async apply(plan: ActionPlan<Data>): Promise<Json> {
    await applyMainCfChange(this.o.postfix, plan.data.change);
    await this.o.postfix.reload();
    return { mainCfSha256: plan.data.change.afterSha256 };
  }

  async verify(plan: ActionPlan<Data>): Promise<Verification> {
    const value = await this.o.postfix.parameter(EOD_RESTRICTIONS);
    const listed = hasPolicyCheck(value, plan.data.endpoint);
    const answering = await this.answers(plan.data.endpoint);
    return {
      ok: listed,
      observations: [
        `postconf -h ${EOD_RESTRICTIONS}: ${listed ? `asks ${plan.data.endpoint}` : 'does not ask the service'}`,
        answering ? `${plan.data.endpoint} answers a policy request with DUNNO` : `${plan.data.endpoint} does not answer now (start "spamtrace watch"); mail still flows: default_action=DUNNO`,
      ],
    };
  }

  async undo(plan: ActionPlan<Data>): Promise<UndoResult> {
    const r = await undoMainCfChange(this.o.postfix, plan.data.change, (cur) => removeElement(cur, CHECK, policyElement(plan.data.endpoint)));
    await this.o.postfix.reload();
    return { after: { mainCf: r.how, sha256: r.sha256 }, warnings: r.warnings };
  }

  async verifyUndone(plan: ActionPlan<Data>): Promise<Verification> {
    const value = await this.o.postfix.parameter(EOD_RESTRICTIONS);
    const listed = hasPolicyCheck(value, plan.data.endpoint);
    return { ok: !listed, observations: [`postconf -h ${EOD_RESTRICTIONS}: ${listed ? `still asks ${plan.data.endpoint}` : `no longer asks ${plan.data.endpoint}`}`] };
  }

  /** One harmless request (protocol_state VRFY, nothing recorded) to see whether the service is up. */
  private answers(endpoint: string): Promise<boolean> {
    const [, host, port] = /^inet:(.+):(\d+)$/.exec(endpoint) ?? [];
    return new Promise((resolve) => {
      const s = createConnection({ host: host!.replace(/^\[|\]$/g, ''), port: Number(port) });
      let got = '';
      const done = (ok: boolean): void => {
        s.destroy();
        resolve(ok);
      };
      s.setTimeout(3000, () => done(false));
      s.on('error', () => done(false));
      s.on('connect', () => s.write('request=smtpd_access_policy\nprotocol_state=VRFY\n\n'));
      s.on('data', (b) => {
        got += b.toString('latin1');
        if (got.includes('\n\n')) done(/^action=DUNNO\n\n/.test(got));
      });
    });
  }
}
