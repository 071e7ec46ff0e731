/**
 * A change of one main.cf parameter as an action step: planned as exact new bytes (so
 * the plan shows the diff and undo can compare hashes), written atomically, reloaded.
 *
 * Undo: main.cf untouched since apply (its hash is the planned "after") -> the old bytes
 * back, byte for byte. Changed since (the admin edited it, or a later block of another
 * user) -> only our element is taken out of the parameter, everything else stays, and
 * undo says so.
 */
import type { PlanStep } from './action';
import { findParameter, parameterDiff, ruleMatching, setParameter, type ContinuationRule } from './main-cf';
import { sha256, type FileState, type PostfixSystem } from './postfix-system';
import type { ListChange } from './submit-users';
import { stepFailed } from './act-errors';

export interface MainCfChange {
  file: string;
  param: string;
  /** the parameter's value in effect before (postconf -h) and after */
  oldValue: string;
  newValue: string;
  before: FileState;
  /** base64 of the planned main.cf and its hash */
  afterContent: string;
  afterSha256: string;
  /** how this Postfix ends a logical line (main-cf.ts); absent in plans of older versions: 'skip' */
  rule?: ContinuationRule;
}

export async function planMainCfChange(postfix: PostfixSystem, param: string, change: (current: string) => ListChange): Promise<{ change: MainCfChange; result: ListChange; step: PlanStep | null }> {
  const file = await postfix.mainCf();
  const before = (await postfix.readFile(file)).state;
  if (!before.exists) throw stepFailed(`${file} does not exist`);
  const text = Buffer.from(before.content!, 'base64').toString('utf8');
  const oldValue = await postfix.parameter(param);
  // our reading of the text must be Postfix's own, or an edit could orphan a continuation line
  const rule = ruleMatching(text, param, oldValue);
  if (!rule) throw stepFailed(`${file}: ${param} as written there does not read as postconf -h says (${JSON.stringify(oldValue.slice(0, 200))}); not editing it: tidy its lines by hand and plan again`);
  const result = change(oldValue);
  const afterText = result.changed ? setParameter(text, param, result.value, rule) : text;
  const afterBytes = Buffer.from(afterText, 'utf8');
  const c: MainCfChange = {
    file,
    param,
    oldValue,
    newValue: result.value,
    before,
    afterContent: afterBytes.toString('base64'),
    afterSha256: sha256(afterBytes),
    rule,
  };
  const step: PlanStep | null = result.changed ? { kind: 'edit', file, diff: parameterDiff(text, afterText, param, rule), why: `set ${param}` } : null;
  return { change: c, result, step };
}

/**
 * Writes the planned main.cf, refusing when it changed since the plan (and, inside the
 * write itself, when it changes between this read and the rename).
 */
export async function applyMainCfChange(postfix: PostfixSystem, c: MainCfChange): Promise<void> {
  const now = await postfix.readFile(c.file);
  if (now.state.sha256 === c.afterSha256) return; // already written (a retried apply)
  if (now.state.sha256 !== c.before.sha256) throw stepFailed(`${c.file} changed since the plan was made (sha256 ${now.state.sha256 ?? 'none'}, planned on ${c.before.sha256}); not overwritten: plan again`);
  await postfix.replaceFile(c.file, Buffer.from(c.afterContent, 'base64'), { mode: c.before.mode!, uid: c.before.uid!, gid: c.before.gid! }, now.identity);
}

export interface MainCfUndo {
  how: 'untouched' | 'restored' | 'surgical' | 'absent';
  sha256: string | null;
  warnings: string[];
}

/** Takes the change back; `remove` takes our element out of a value changed since. */
export async function undoMainCfChange(postfix: PostfixSystem, c: MainCfChange, remove: (current: string) => ListChange): Promise<MainCfUndo> {
  const read = await postfix.readFile(c.file);
  const now = read.state;
  if (now.sha256 === c.before.sha256) return { how: 'untouched', sha256: now.sha256, warnings: [] };
  if (now.sha256 === c.afterSha256) {
    await postfix.restoreFile(c.file, c.before, read);
    return { how: 'restored', sha256: c.before.sha256, warnings: [] };
  }
  const text = Buffer.from(now.content ?? '', 'base64').toString('utf8');
  const span = findParameter(text, c.param, c.rule ?? 'skip');
  const warnings = [`${c.file} changed after the action; only our entry was taken out of ${c.param}, the rest is left as it is now`];
  if (!span) return { how: 'absent', sha256: now.sha256, warnings: [...warnings, `${c.param} is no longer set in ${c.file}`] };
  const r = remove(span.value);
  if (!r.changed) return { how: 'absent', sha256: now.sha256, warnings: [...warnings, `${c.param} no longer holds our entry`] };
  const bytes = Buffer.from(setParameter(text, c.param, r.value, c.rule ?? 'skip'), 'utf8');
  await postfix.replaceFile(c.file, bytes, { mode: now.mode!, uid: now.uid!, gid: now.gid! }, read.identity);
  return { how: 'surgical', sha256: sha256(bytes), warnings };
}
