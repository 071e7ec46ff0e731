/**
 * block-login LOGIN: refuse mail from a SASL login (a stolen mailbox password) with
 * Postfix's check_sasl_access: a hash map of our own under config_directory
 * (`LOGIN REJECT text`, postmap), and the restriction put first in the list that holds
 * permit_sasl_authenticated when it is not there yet (sasl-restriction.ts), reload.
 *
 * Checked with `postmap -q` on the built map and `postconf -h` on the list Postfix
 * reads; the lab test adds a real SMTP AUTH submission that is refused.
 *
 * Undo takes our map line out (the file back byte for byte when nobody changed it) and
 * takes the restriction out only when no other login is still blocked in the map.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { Action, ActionPlan, Json, PlanStep, UndoResult, Verification } from './action';
import { checkSaslLogin } from './names';
import { stepFailed } from './act-errors';
import { applyMainCfChange, planMainCfChange, undoMainCfChange, type MainCfChange } from './main-cf-change';
import { readFileState, restoreFileState, sha256, writeFileAtomic, type FileState, type PostfixSystem } from './postfix-system';
import { chooseRestrictionList, hasSaslAccessCheck, insertSaslAccessCheck, removeSaslAccessCheck, RECIPIENT_RESTRICTIONS, RELAY_RESTRICTIONS } from './sasl-restriction';
import { findParameter } from './main-cf';

export const SASL_MAP_NAME = 'spamtrace_sasl_access';
export const REJECT_TEXT = 'REJECT 5.7.1 this login is blocked by the server administrator (spamtrace)';

export interface SaslBlockOptions {
  postfix: PostfixSystem;
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

export class SaslBlockAction implements Action {
  readonly name = 'block-login';
  readonly description = 'refuse mail from a SASL login (check_sasl_access map + restriction, reload)';
  readonly targetHelp = 'a SASL login: kontakt@kunde-beispiel.de';

  constructor(private readonly o: SaslBlockOptions) {}

  async plan(target: string): Promise<ActionPlan> {
    const login = checkSaslLogin(target);
    const postfix = this.o.postfix;
    const configDir = (await postfix.directories()).config;
    const mapFile = join(configDir, SASL_MAP_NAME);
    const mapRef = `hash:${mapFile}`;
    const mapBefore = await readFileState(mapFile);
    const text = mapBefore.exists ? Buffer.from(mapBefore.content!, 'base64').toString('utf8') : '';
    const line = `${login} ${REJECT_TEXT}`;
    const hasLine = text.split('\n').some((l) => l.split(/\s+/)[0]?.toLowerCase() === login);
    const mapAfter = hasLine ? text : `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${line}\n`;

    const mainText = await fs.readFile(await postfix.mainCf(), 'utf8');
    const setIn = (p: string): string | null => findParameter(mainText, p)?.value ?? null;
    const list = chooseRestrictionList({ relay: setIn(RELAY_RESTRICTIONS), recipient: setIn(RECIPIENT_RESTRICTIONS) }, mapRef);
    const planned = list ? await planMainCfChange(postfix, list, (v) => insertSaslAccessCheck(v, mapRef)) : null;
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
      summary: `mail from the login ${login} is refused (check_sasl_access ${mapRef})`,
      steps,
      undoSteps: steps.length
        ? [
            { kind: 'edit', file: mapFile, diff: [`- ${line}`], why: mapBefore.exists ? 'our line out' : 'the file (and its .db) removed, it did not exist' },
            ...(change ? [{ kind: 'edit' as const, file: change.file, diff: [`main.cf back byte for byte (sha256 ${change.before.sha256}) unless other logins are still blocked`], why: 'undo' }] : []),
            { kind: 'command', program: 'postfix', args: ['reload'], why: 'undo' },
          ]
        : [],
      before: { mapExists: mapBefore.exists, mapSha256: mapBefore.sha256, restriction: change ? { [change.param]: change.oldValue } : 'already in place', mainCfSha256: change?.before.sha256 ?? null },
      data: data as unknown as Json,
      reversible: true,
      noop: steps.length === 0,
      warnings: hasLine ? [`${mapFile} already has a line for ${login}`] : [],
    };
  }

  async apply(plan: ActionPlan): Promise<Json> {
    const d = plan.data as unknown as Data;
    const now = await readFileState(d.mapFile);
    if (now.sha256 !== d.mapAfterSha256) {
      if (now.sha256 !== d.mapBefore.sha256) throw stepFailed(`${d.mapFile} changed since the plan was made; plan again`);
      await writeFileAtomic(d.mapFile, Buffer.from(d.mapAfterContent, 'base64'), { mode: d.mapBefore.mode ?? 0o644, uid: d.mapBefore.uid ?? 0, gid: d.mapBefore.gid ?? 0 });
    }
    await this.o.postfix.run('postmap', [d.mapRef]);
    if (d.change) await applyMainCfChange(d.change);
    await this.o.postfix.reload();
    return { mapSha256: d.mapAfterSha256, mainCfSha256: d.change?.afterSha256 ?? null };
  }

  async verify(plan: ActionPlan): Promise<Verification> {
    const d = plan.data as unknown as Data;
    const lookup = await this.lookup(d);
    const lists = await this.lists(d);
    return {
      ok: lookup.startsWith('REJECT') && lists.length > 0,
      observations: [`postmap -q ${d.login} ${d.mapRef}: ${lookup || '(not found)'}`, `check_sasl_access ${d.mapRef} in: ${lists.join(', ') || 'no restriction list'}`],
    };
  }

  async undo(plan: ActionPlan): Promise<UndoResult> {
    const d = plan.data as unknown as Data;
    const warnings: string[] = [];
    const now = await readFileState(d.mapFile);
    let others = 0;
    if (now.sha256 === d.mapAfterSha256) {
      await restoreFileState(d.mapFile, d.mapBefore);
    } else if (now.exists) {
      const lines = Buffer.from(now.content!, 'base64').toString('utf8').split('\n');
      const kept = lines.filter((l) => l !== d.line);
      if (kept.length !== lines.length) await writeFileAtomic(d.mapFile, Buffer.from(kept.join('\n')), { mode: now.mode!, uid: now.uid!, gid: now.gid! });
      warnings.push(`${d.mapFile} changed after the action; only our line was taken out`);
    }
    const after = await readFileState(d.mapFile);
    if (after.exists) {
      others = Buffer.from(after.content!, 'base64').toString('utf8').split('\n').filter((l) => /^[^#\s]/.test(l)).length;
      await this.o.postfix.run('postmap', [d.mapRef]);
    } else {
      await fs.rm(`${d.mapFile}.db`, { force: true });
    }
    let mainCf = 'unchanged';
    if (d.change) {
      if (others > 0) {
        warnings.push(`the check_sasl_access restriction stays: ${others} other login(s) still blocked in ${d.mapFile}`);
      } else {
        const r = await undoMainCfChange(d.change, (v) => removeSaslAccessCheck(v, d.mapRef));
        mainCf = r.how;
        warnings.push(...r.warnings);
      }
    }
    await this.o.postfix.reload();
    return { after: { mapExists: after.exists, mapSha256: after.sha256, mainCf }, warnings };
  }

  async verifyUndone(plan: ActionPlan): Promise<Verification> {
    const d = plan.data as unknown as Data;
    const lookup = await this.lookup(d);
    const lists = await this.lists(d);
    return {
      ok: !lookup.startsWith('REJECT') || lists.length === 0,
      observations: [`postmap -q ${d.login} ${d.mapRef}: ${lookup || '(not found)'}`, `check_sasl_access ${d.mapRef} in: ${lists.join(', ') || 'no restriction list'}`],
    };
  }

  private async lookup(d: Data): Promise<string> {
    if (!(await fs.stat(`${d.mapFile}.db`).catch(() => null))) return '';
    const r = await this.o.postfix.host.run(`${(await this.o.postfix.directories()).command}/postmap`, ['-q', d.login, d.mapRef], { timeoutMs: 30_000 });
    return r.code === 0 ? r.stdout.trim() : '';
  }

  private async lists(d: Data): Promise<string[]> {
    const out: string[] = [];
    for (const p of [RELAY_RESTRICTIONS, RECIPIENT_RESTRICTIONS]) {
      if (hasSaslAccessCheck(await this.o.postfix.parameter(p), d.mapRef)) out.push(p);
    }
    return out;
  }
}
