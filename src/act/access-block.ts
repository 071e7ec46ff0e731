/**
 * Access-map blocks, one class for three actions:
 *
 * - block-login LOGIN: refuse mail from a SASL login (a stolen mailbox password) with
 *   check_sasl_access (`LOGIN REJECT 5.7.1 text`);
 * - defer-login LOGIN: the same with `DEFER 4.7.1 text`: the client gets a temporary error
 *   and keeps its mail (what the watch breaker uses: nothing is lost, a real owner's mail
 *   program retries after the release);
 * - defer-client IP: check_client_access with `IP DEFER 4.7.1 text` for an SMTP client
 *   without login (an open-relay host in mynetworks).
 *
 * Each keeps a hash map of its own under config_directory (postmap), and the restriction is
 * put first in the list that holds the permit it guards against when it is not there yet
 * (sasl-restriction.ts), then reload. Checked with `postmap -q` on the built map and
 * `postconf -h` on the list Postfix reads; the lab test adds a real SMTP submission that
 * is refused. Undo takes our map line out (the file back byte for byte when nobody changed
 * it) and takes the restriction out only when no other entry is left in the map.
 */
import { join } from 'node:path';
import type { Action, ActionPlan, Json, PlanStep, UndoResult, Verification } from './action';
import { checkClientAddress, checkSaslLogin } from './names';
import { refused, stepFailed } from './act-errors';
import { applyMainCfChange, planMainCfChange, undoMainCfChange, type MainCfChange } from './main-cf-change';
import { sha256, type FileState, type PostfixSystem } from './postfix-system';
import { chooseAccessList, hasAccessCheck, insertAccessCheck, removeAccessCheck, RECIPIENT_RESTRICTIONS, RELAY_RESTRICTIONS, type AccessRestriction } from './sasl-restriction';
import { findParameter } from './main-cf';

export const SASL_MAP_NAME = 'spamtrace_sasl_access';
export const CLIENT_MAP_NAME = 'spamtrace_client_access';
export const REJECT_TEXT = 'REJECT 5.7.1 this login is blocked by the server administrator (spamtrace)';
export const DEFER_LOGIN_TEXT = 'DEFER 4.7.1 this login is paused by the server administrator (spamtrace), try again later';
export const DEFER_CLIENT_TEXT = 'DEFER 4.7.1 mail from this client is paused by the server administrator (spamtrace), try again later';

export interface AccessBlockSpec {
  name: string;
  description: string;
  targetHelp: string;
  restriction: AccessRestriction;
  /** the permit the check must come before */
  permit: string;
  mapName: string;
  /** the map's right-hand side: REJECT ... or DEFER ... */
  text: string;
  /** "login", "client": for the summary */
  what: string;
  checkTarget(target: string): string;
}

export const BLOCK_LOGIN: AccessBlockSpec = {
  name: 'block-login',
  description: 'refuse mail from a SASL login (check_sasl_access map + restriction, reload)',
  targetHelp: 'a SASL login: kontakt@kunde-beispiel.de',
  restriction: 'check_sasl_access',
  permit: 'permit_sasl_authenticated',
  mapName: SASL_MAP_NAME,
  text: REJECT_TEXT,
  what: 'login',
  checkTarget: checkSaslLogin,
};

export const DEFER_LOGIN: AccessBlockSpec = {
  ...BLOCK_LOGIN,
  name: 'defer-login',
  description: 'pause a SASL login: its submissions get 4xx (try later) and stay with the client (check_sasl_access DEFER)',
  text: DEFER_LOGIN_TEXT,
};

export const DEFER_CLIENT: AccessBlockSpec = {
  name: 'defer-client',
  description: 'pause an SMTP client address: its submissions get 4xx and stay with the client (check_client_access DEFER)',
  targetHelp: 'an IP address: 192.0.2.77',
  restriction: 'check_client_access',
  permit: 'permit_mynetworks',
  mapName: CLIENT_MAP_NAME,
  text: DEFER_CLIENT_TEXT,
  what: 'client',
  checkTarget: (t) => {
    const ip = checkClientAddress(t);
    // 127.0.0.1 is every local script and webmail at once: pausing it is not a containment
    if (ip.startsWith('127.') || ip === '::1') throw refused('pausing the loopback address would stop every local program that sends over SMTP; hold its mail instead');
    return ip;
  },
};

export interface AccessBlockOptions {
  postfix: PostfixSystem;
  /** which of the three actions; default block-login */
  spec?: AccessBlockSpec;
}

interface Data {
  login: string;
  mapFile: string;
  mapRef: string;
  mapBefore: FileState;
  mapAfterContent: string;
  mapAfterSha256: string;
  line: string;
  change: MainCfChange | null;
}

export class AccessBlockAction implements Action<Data> {
  readonly name: string;
  readonly description: string;
  readonly targetHelp: string;
  private readonly spec: AccessBlockSpec;

  constructor(private readonly o: AccessBlockOptions) {
    this.spec = o.spec ?? BLOCK_LOGIN;
    this.name = this.spec.name;
    this.description = this.spec.description;
    this.targetHelp = this.spec.targetHelp;
  }

  async plan(target: string): Promise<ActionPlan<Data>> {
    const spec = this.spec;
    const login = spec.checkTarget(target);
    const postfix = this.o.postfix;
    const configDir = (await postfix.directories()).config;
    const mapFile = join(configDir, spec.mapName);
    const mapRef = `hash:${mapFile}`;
    // check_sasl_access came with Postfix 2.11: an older one would refuse the restriction (and mail)
    if (spec.restriction === 'check_sasl_access') {
      const v = await postfix.version();
      if (v && (v[0] < 2 || (v[0] === 2 && v[1] < 11))) {
        throw refused(`${spec.name} needs check_sasl_access, which Postfix ${v[0]}.${v[1]} on ${postfix.host.name} does not have (2.11 or later): hold the login's queued mail (queue-hold sasl:${login}) and change its password`);
      }
    }
    const mapBefore = (await postfix.readFile(mapFile)).state;
    const text = mapBefore.exists ? Buffer.from(mapBefore.content!, 'base64').toString('utf8') : '';
    const line = `${login} ${spec.text}`;
    const hasLine = text.split('\n').some((l) => l.split(/\s+/)[0]?.toLowerCase() === login);
    const mapAfter = hasLine ? text : `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${line}\n`;

    const mainState = (await postfix.readFile(await postfix.mainCf())).state;
    const mainText = Buffer.from(mainState.content ?? '', 'base64').toString('utf8');
    const setIn = (p: string): string | null => findParameter(mainText, p)?.value ?? null;
    const list = chooseAccessList({ relay: setIn(RELAY_RESTRICTIONS), recipient: setIn(RECIPIENT_RESTRICTIONS) }, spec.restriction, mapRef, spec.permit);
    const planned = list ? await planMainCfChange(postfix, list, (v) => insertAccessCheck(v, spec.restriction, mapRef)) : null;
    const change = planned?.result.changed ? planned.change : null;

    const steps: PlanStep[] = [];
    if (!hasLine) {
      steps.push({ kind: 'edit', file: mapFile, diff: [`+ ${line}`], why: `block ${login}${mapBefore.exists ? '' : ' (new file)'}` });
      steps.push({ kind: 'command', program: 'postmap', args: [mapRef], why: 'build the lookup table' });
    }
    if (planned?.step) steps.push(planned.step);
    if (steps.length) steps.push({ kind: 'command', program: 'postfix', args: ['reload'], why: 'smtpd rereads main.cf and the map' });
    const data: Data = {
      login,
      mapFile,
      mapRef,
      mapBefore,
      mapAfterContent: Buffer.from(mapAfter).toString('base64'),
      mapAfterSha256: sha256(mapAfter),
      line,
      change,
    };
    return {
      action: this.name,
      target: login,
      summary: `mail from the ${spec.what} ${login} is ${spec.text.startsWith('DEFER') ? 'deferred with a 4xx' : 'refused'} (${spec.restriction} ${mapRef})`,
      steps,
      undoSteps: steps.length
        ? [
            { kind: 'edit', file: mapFile, diff: [`- ${line}`], why: mapBefore.exists ? 'our line out' : 'the file (and its .db) removed, it did not exist' },
            ...(change ? [{ kind: 'edit' as const, file: change.file, diff: [`main.cf back byte for byte (sha256 ${change.before.sha256}) unless other entries are still in the map`], why: 'undo' }] : []),
            { kind: 'command', program: 'postfix', args: ['reload'], why: 'undo' },
          ]
        : [],
      before: { mapExists: mapBefore.exists, mapSha256: mapBefore.sha256, restriction: change ? { [change.param]: change.oldValue } : 'already in place', mainCfSha256: change?.before.sha256 ?? null },
      data,
      reversible: true,
      noop: steps.length === 0,
      warnings: hasLine ? [`${mapFile} already has a line for ${login}`] : [],
    };
  }

  async apply(plan: ActionPlan<Data>): Promise<Json> {
    const d = plan.data;
    const postfix = this.o.postfix;
    const now = await postfix.readFile(d.mapFile);
    if (now.state.sha256 !== d.mapAfterSha256) {
      if (now.state.sha256 !== d.mapBefore.sha256) throw stepFailed(`${d.mapFile} changed since the plan was made; not overwritten: plan again`);
      await postfix.replaceFile(d.mapFile, Buffer.from(d.mapAfterContent, 'base64'), { mode: d.mapBefore.mode ?? 0o644, uid: d.mapBefore.uid ?? 0, gid: d.mapBefore.gid ?? 0 }, now.identity);
    }
    await postfix.run('postmap', [d.mapRef]);
    if (d.change) await applyMainCfChange(postfix, d.change);
    await this.o.postfix.reload();
    return { mapSha256: d.mapAfterSha256, mainCfSha256: d.change?.afterSha256 ?? null };
  }

  async verify(plan: ActionPlan<Data>): Promise<Verification> {
    const d = plan.data;
    const lookup = await this.lookup(d);
    const lists = await this.lists(d);
    return {
      ok: lookup.startsWith(this.verb()) && lists.length > 0,
      observations: [`postmap -q ${d.login} ${d.mapRef}: ${lookup || '(not found)'}`, `${this.spec.restriction} ${d.mapRef} in: ${lists.join(', ') || 'no restriction list'}`],
    };
  }

  async undo(plan: ActionPlan<Data>): Promise<UndoResult> {
    const d = plan.data;
    const warnings: string[] = [];
    const postfix = this.o.postfix;
    const read = await postfix.readFile(d.mapFile);
    const now = read.state;
    let others = 0;
    if (now.sha256 === d.mapAfterSha256) {
      await postfix.restoreFile(d.mapFile, d.mapBefore, read);
    } else if (now.exists) {
      const lines = Buffer.from(now.content!, 'base64').toString('utf8').split('\n');
      const kept = lines.filter((l) => l !== d.line);
      if (kept.length !== lines.length) await postfix.replaceFile(d.mapFile, Buffer.from(kept.join('\n')), { mode: now.mode!, uid: now.uid!, gid: now.gid! }, read.identity);
      warnings.push(`${d.mapFile} changed after the action; only our line was taken out`);
    }
    const after = (await postfix.readFile(d.mapFile)).state;
    if (after.exists) {
      others = Buffer.from(after.content!, 'base64').toString('utf8').split('\n').filter((l) => /^[^#\s]/.test(l)).length;
      await postfix.run('postmap', [d.mapRef]);
    } else {
      // postmap's output for a map that is gone; never a symlink
      await postfix.removeFile(`${d.mapFile}.db`, '*');
    }
    let mainCf = 'unchanged';
    if (d.change) {
      if (others > 0) {
        warnings.push(`the ${this.spec.restriction} restriction stays: ${others} other entr${others === 1 ? 'y' : 'ies'} still in ${d.mapFile}`);
      } else {
        const r = await undoMainCfChange(postfix, d.change, (v) => removeAccessCheck(v, this.spec.restriction, d.mapRef));
        mainCf = r.how;
        warnings.push(...r.warnings);
      }
    }
    await this.o.postfix.reload();
    return { after: { mapExists: after.exists, mapSha256: after.sha256, mainCf }, warnings };
  }

  async verifyUndone(plan: ActionPlan<Data>): Promise<Verification> {
    const d = plan.data;
    const lookup = await this.lookup(d);
    const lists = await this.lists(d);
    return {
      ok: !lookup.startsWith(this.verb()) || lists.length === 0,
      observations: [`postmap -q ${d.login} ${d.mapRef}: ${lookup || '(not found)'}`, `${this.spec.restriction} ${d.mapRef} in: ${lists.join(', ') || 'no restriction list'}`],
    };
  }

  /** REJECT or DEFER: what the map line must say */
  private verb(): string {
    return this.spec.text.split(' ')[0]!;
  }

  private async lookup(d: Data): Promise<string> {
    if (!(await this.o.postfix.host.stat(`${d.mapFile}.db`).catch(() => null))) return '';
    const r = await this.o.postfix.host.run(`${(await this.o.postfix.directories()).command}/postmap`, ['-q', d.login, d.mapRef], { timeoutMs: 30_000 });
    return r.code === 0 ? r.stdout.trim() : '';
  }

  private async lists(d: Data): Promise<string[]> {
    const out: string[] = [];
    for (const p of [RELAY_RESTRICTIONS, RECIPIENT_RESTRICTIONS]) {
      if (hasAccessCheck(await this.o.postfix.parameter(p), this.spec.restriction, d.mapRef)) out.push(p);
    }
    return out;
  }
}
