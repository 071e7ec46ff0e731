import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, promises as fs, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import type { Action, ActionPlan, Json } from '../../../src/act/action';
import { ActionEngine } from '../../../src/act/engine';
import { Journal } from '../../../src/act/journal';
import { JsonlAuditSink } from '../../../src/act/audit';
import { acquireHostLock } from '../../../src/act/host-lock';

/** An action on a real file: writes "blocked", undo writes back what was there. */
class FileFlagAction implements Action {
  readonly name = 'flag';
  readonly description = 'test';
  readonly targetHelp = 'a file';
  sawIntentBeforeApply = false;
  constructor(private readonly journal: Journal, private readonly failApply = false) {}
  async plan(target: string): Promise<ActionPlan> {
    const before = existsSync(target) ? readFileSync(target, 'utf8') : '';
    return { action: this.name, target, summary: 'flag it', steps: [], undoSteps: [], before: { content: before }, data: { file: target }, reversible: true, noop: before === 'blocked', warnings: [] };
  }
  async apply(plan: ActionPlan): Promise<Json> {
    const entries = (await this.journal.entries()).entries;
    this.sawIntentBeforeApply = entries.some((e) => e.target === plan.target && e.phases.join() === 'intent');
    writeFileSync(plan.target, 'blocked');
    if (this.failApply) throw new Error('disk full halfway');
    return { content: 'blocked' };
  }
  async verify(plan: ActionPlan) {
    return { ok: readFileSync(plan.target, 'utf8') === 'blocked', observations: ['read back'] };
  }
  async undo(plan: ActionPlan) {
    writeFileSync(plan.target, (plan.before as { content: string }).content);
    return { after: { content: readFileSync(plan.target, 'utf8') }, warnings: [] };
  }
  async verifyUndone(plan: ActionPlan) {
    return { ok: readFileSync(plan.target, 'utf8') === (plan.before as { content: string }).content, observations: [] };
  }
}

function setup(failApply = false) {
  const dir = mkdtempSync(join(tmpdir(), 'act-engine-'));
  const journal = new Journal(join(dir, 'journal.jsonl'));
  const audit = new JsonlAuditSink(join(dir, 'audit.jsonl'));
  const action = new FileFlagAction(journal, failApply);
  const engine = new ActionEngine({ actions: [action], journal, audit, lockPath: join(dir, 'lock'), actor: 'alice', host: 'h1' });
  const target = join(dir, 'target');
  writeFileSync(target, 'open');
  return { dir, journal, audit, action, engine, target };
}

test('the intent with the plan and the before-state is on disk before apply runs', async () => {
  const s = setup();
  const r = await s.engine.apply('flag', s.target);
  assert.equal(s.action.sawIntentBeforeApply, true);
  assert.equal(r.verification?.ok, true);
  const e = (await s.journal.entries()).entries[0]!;
  assert.deepEqual(e.phases, ['intent', 'applied', 'verified', 'recorded']);
  assert.equal(e.state, 'active');
  assert.deepEqual(e.plan.before, { content: 'open' });
});

test('an applied action is audited with who, target, before, after and the undo handle', async () => {
  const s = setup();
  const r = await s.engine.apply('flag', s.target);
  const [rec] = await s.audit.read();
  assert.equal(rec?.who, 'alice');
  assert.equal(rec?.target, s.target);
  assert.deepEqual(rec?.before, { content: 'open' });
  assert.deepEqual(rec?.after, { content: 'blocked' });
  assert.equal(rec?.undoHandle, r.id);
});

test('undo restores the before-state and is audited as an undo', async () => {
  const s = setup();
  const r = await s.engine.apply('flag', s.target);
  const u = await s.engine.undo(r.id!);
  assert.equal(readFileSync(s.target, 'utf8'), 'open');
  assert.equal(u.verification.ok, true);
  assert.equal((await s.journal.find(r.id!))?.state, 'undone');
  assert.deepEqual((await s.audit.read()).map((a) => a.action), ['flag', 'flag:undo']);
  await assert.rejects(s.engine.undo(r.id!), /already undone/);
});

test('a failed apply is journaled as half-done and undo still restores from the before-state', async () => {
  const s = setup(true);
  await assert.rejects(s.engine.apply('flag', s.target), /disk full halfway.*act undo/);
  const [half] = await s.engine.halfDone();
  assert.ok(half);
  assert.equal(readFileSync(s.target, 'utf8'), 'blocked');
  await s.engine.undo(half.id);
  assert.equal(readFileSync(s.target, 'utf8'), 'open');
  assert.equal((await s.engine.halfDone()).length, 0);
});

test('the injected afterStep hook sees each crash point with the journal as a crash there would leave it', async () => {
  const s = setup();
  const seen: string[] = [];
  const phasesNow = async () => (await s.journal.entries()).entries[0]?.phases.join('>') ?? '';
  const engine = new ActionEngine({
    actions: [s.action],
    journal: s.journal,
    audit: s.audit,
    lockPath: join(s.dir, 'lock'),
    actor: 'alice',
    host: 'h1',
    // synchronous like a SIGKILL: read the journal file as it is at that instant
    afterStep: (step) => seen.push(`${step}: ${readFileSync(s.journal.path, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { phase: string }).phase).join('>')}`),
  });
  const r = await engine.apply('flag', s.target);
  await engine.undo(r.id!);
  assert.deepEqual(seen, [
    'apply: intent',
    'applied: intent>applied',
    'verified: intent>applied>verified',
    'undo: intent>applied>verified>recorded>undo-intent',
  ]);
  assert.equal(await phasesNow(), 'intent>applied>verified>recorded>undo-intent>undone>undo-verified>undo-recorded');
});

test('nothing is journaled when the system is already in the wanted state', async () => {
  const s = setup();
  writeFileSync(s.target, 'blocked');
  const r = await s.engine.apply('flag', s.target);
  assert.equal(r.id, null);
  assert.equal((await s.journal.entries()).entries.length, 0);
});

test('a torn last journal line (a crash mid-write) is counted and the rest still read', async () => {
  const s = setup();
  await s.engine.apply('flag', s.target);
  await fs.appendFile(s.journal.path, '{"id":"2026');
  const { entries, badLines } = await s.journal.entries();
  assert.equal(entries.length, 1);
  assert.equal(badLines, 1);
});

test('a second action while the lock is held by a live process is refused', async () => {
  const s = setup();
  const held = await acquireHostLock(join(s.dir, 'lock'));
  await assert.rejects(s.engine.apply('flag', s.target), /another spamtrace action is running/);
  await held.release();
  await s.engine.apply('flag', s.target);
});

test('a stale lock left by a dead process is taken over', async () => {
  const s = setup();
  const child = spawn(process.execPath, ['-e', '0']);
  const pid = child.pid!;
  await new Promise((r) => child.on('exit', r));
  writeFileSync(join(s.dir, 'lock'), `${pid} 12345\n`);
  const r = await s.engine.apply('flag', s.target);
  assert.match(r.tookOverLock ?? '', new RegExp(`dead pid ${pid}`));
  assert.equal(existsSync(join(s.dir, 'lock')), false);
});
