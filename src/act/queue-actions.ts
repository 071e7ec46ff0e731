/**
 * Queue actions on one source's messages: hold (postsuper -h), release (-H), requeue
 * (-r) and delete (-d, only from the hold queue, only with a confirmation that names the
 * count). IDs go to postsuper on stdin (`-` reads them from there), every one validated
 * by parseQueueId first; the queue names after the IDs restrict postsuper to those
 * queues, so a delete can never reach mail that is not on hold.
 *
 * Checked with `postqueue -j`: where each planned ID is now.
 */
import type { Action, ActionPlan, Json, PlanOptions, PlanStep, UndoResult, Verification } from './action';
import type { Host } from '../host/host';
import type { QueueName } from '../domain/queue';
import { parseQueueId } from '../collect/queue/queue-id';
import { refused, stepFailed } from './act-errors';
import { parseSourceTarget } from './names';
import type { PostfixSystem } from './postfix-system';
import { messagesOfSource, queueNamesOf, sourceKeyOfTarget, type SourceMessage } from './queue-source';

export interface QueueActionOptions {
  host: Host;
  postfix: PostfixSystem;
}

type Kind = 'hold' | 'release' | 'requeue' | 'delete';

interface KindSpec {
  name: string;
  description: string;
  /** the queues the source's messages are taken from, and postsuper is restricted to */
  from: QueueName[];
  flag: string;
  undoFlag: string | null;
  undoQueues: QueueName[];
  /** postsuper's summary line: "postsuper: Placed on hold: 3 messages" */
  said: RegExp;
  verb: string;
}

const SPECS: Record<Kind, KindSpec> = {
  hold: {
    name: 'queue-hold',
    description: "put all queued mail of a source on hold (kept, not delivered, not expired)",
    from: ['incoming', 'active', 'deferred'],
    flag: '-h',
    undoFlag: '-H',
    undoQueues: ['hold'],
    said: /Placed on hold: (\d+) message/,
    verb: 'put on hold',
  },
  release: {
    name: 'queue-release',
    description: 'release the held mail of a source (back to the deferred queue)',
    from: ['hold'],
    flag: '-H',
    undoFlag: '-h',
    undoQueues: ['incoming', 'active', 'deferred'],
    said: /Released from hold: (\d+) message/,
    verb: 'released from hold',
  },
  requeue: {
    name: 'queue-requeue',
    description: 'requeue the queued (not held) mail of a source for a fresh delivery attempt',
    from: ['incoming', 'active', 'deferred'],
    flag: '-r',
    undoFlag: null,
    undoQueues: [],
    said: /Requeued: (\d+) message/,
    verb: 'requeued',
  },
  delete: {
    name: 'queue-delete',
    description: 'delete the HELD mail of a source; needs --confirm-delete N naming the count',
    from: ['hold'],
    flag: '-d',
    undoFlag: null,
    undoQueues: [],
    said: /Deleted: (\d+) message/,
    verb: 'deleted',
  },
};

interface Data {
  source: string;
  ids: string[];
}

export class QueueAction implements Action<Data> {
  readonly name: string;
  readonly description: string;
  readonly targetHelp = 'a queue source as the scan names it: uid:N, user:NAME, sasl:LOGIN, client:IP';
  private readonly spec: KindSpec;

  constructor(private readonly kind: Kind, private readonly o: QueueActionOptions) {
    this.spec = SPECS[kind];
    this.name = this.spec.name;
    this.description = this.spec.description;
  }

  async plan(target: string, options: PlanOptions = {}): Promise<ActionPlan<Data>> {
    const source = await sourceKeyOfTarget(this.o.host, parseSourceTarget(target));
    const all = await messagesOfSource(this.o.host, source);
    const picked = all.filter((m) => this.spec.from.includes(m.queueName));
    const ids = picked.map((m) => m.queueId);
    const stdin = `${ids.length} queue IDs, one per line`;
    const steps: PlanStep[] = ids.length
      ? [{ kind: 'command', program: 'postsuper', args: [this.spec.flag, '-', ...this.spec.from], stdin, why: `${ids.length} messages of ${source} ${this.spec.verb}` }]
      : [];
    const undoSteps: PlanStep[] =
      ids.length && this.spec.undoFlag
        ? [{ kind: 'command', program: 'postsuper', args: [this.spec.undoFlag, '-', ...this.spec.undoQueues], stdin: 'the same queue IDs', why: 'undo' }]
        : this.kind === 'requeue' && ids.length
          ? [{ kind: 'command', program: '-', args: [], why: 'requeued mail gets new queue IDs and a fresh attempt; nothing to take back' }]
          : this.kind === 'delete' && ids.length
            ? [{ kind: 'command', program: '-', args: [], why: 'deleted mail is gone for good' }]
            : [];
    const plan: ActionPlan<Data> = {
      action: this.name,
      target: source,
      summary: `${ids.length} of ${all.length} queued messages of ${source} ${this.spec.verb}`,
      steps,
      undoSteps,
      before: { source, messages: all.length, byQueue: tally(all), ids: picked.map((m) => ({ id: m.queueId, queue: m.queueName, sender: m.sender, recipients: m.recipients })) },
      data: { source, ids } satisfies Data,
      reversible: this.spec.undoFlag !== null,
      noop: ids.length === 0,
      warnings: [],
    };
    if (this.kind === 'delete' && ids.length) {
      if (options.confirmDelete !== ids.length) {
        plan.refusal =
          options.confirmDelete === undefined
            ? `deleting ${ids.length} held messages cannot be undone: repeat with --confirm-delete ${ids.length}`
            : `--confirm-delete ${options.confirmDelete} does not name the ${ids.length} held messages of ${source}; nothing deleted`;
      }
      plan.warnings.push('only mail already on hold is deleted (postsuper -d - hold); hold first, look, then delete');
    }
    if (this.kind === 'requeue' && ids.length) {
      steps.push({ kind: 'command', program: 'postkick', args: ['public', 'pickup', 'W'], why: 'wake pickup now rather than on its next 60 s poll' });
      // measured on the lab (Postfix 3.7): pickup re-reads requeued mail as the mail_owner
      // and puts "Received: ... (Postfix, from userid <postfix>)" on top of the original
      plan.warnings.push(
        'requeued mail passes through pickup again as the postfix user: a new topmost "Received: ... from userid <postfix uid>" header sits above the original submitter (spamtrace reads the line below it; a manual postcat | grep "from userid" sees the postfix uid first); hold the mail instead while you investigate',
      );
    }
    if (this.kind === 'requeue' && all.some((m) => m.queueName === 'hold')) plan.warnings.push('held messages stay on hold: release them first to requeue them');
    return plan;
  }

  async apply(plan: ActionPlan<Data>): Promise<Json> {
    const d = plan.data;
    const n = await this.postsuper(this.spec.flag, this.spec.from, d.ids, this.spec.said);
    if (this.kind === 'requeue') await this.o.postfix.run('postkick', ['public', 'pickup', 'W']).catch(() => undefined);
    return { [this.spec.verb]: n };
  }

  async verify(plan: ActionPlan<Data>): Promise<Verification> {
    const d = plan.data;
    const where = await this.where(d.ids);
    const present = d.ids.filter((id) => where.has(id));
    const count = (q: QueueName): number => present.filter((id) => where.get(id) === q).length;
    const gone = d.ids.length - present.length;
    switch (this.kind) {
      case 'hold':
        return {
          ok: present.length > 0 ? count('hold') === present.length : gone === d.ids.length,
          observations: [`postqueue -j: ${count('hold')} of ${d.ids.length} messages of ${d.source} in the hold queue (${gone} left the queue before the hold)`],
        };
      case 'release':
        return { ok: count('hold') === 0, observations: [`postqueue -j: ${count('hold')} of ${d.ids.length} messages of ${d.source} still on hold, ${present.length - count('hold')} back in the queue`] };
      case 'requeue': {
        // postsuper -r moves the file to maildrop under its old name; pickup gives it a new ID
        const inMaildrop = count('maildrop');
        return {
          ok: present.length === inMaildrop,
          observations: [`postqueue -j: ${gone} of ${d.ids.length} queue IDs of ${d.source} requeued under new IDs, ${inMaildrop} in maildrop on their way`],
        };
      }
      case 'delete':
        return {
          ok: present.length === 0,
          observations: [`postqueue -j: ${gone} of ${d.ids.length} queue IDs of ${d.source} no longer listed (deleted)`],
        };
    }
  }

  async undo(plan: ActionPlan<Data>): Promise<UndoResult> {
    const d = plan.data;
    if (!this.spec.undoFlag) throw refused(`${this.name} cannot be undone`);
    const undoSaid = this.kind === 'hold' ? SPECS.release.said : SPECS.hold.said;
    const n = await this.postsuper(this.spec.undoFlag, this.spec.undoQueues, d.ids, undoSaid);
    return { after: { undone: n }, warnings: [] };
  }

  async verifyUndone(plan: ActionPlan<Data>): Promise<Verification> {
    const d = plan.data;
    const where = await this.where(d.ids);
    const held = d.ids.filter((id) => where.get(id) === 'hold').length;
    const present = d.ids.filter((id) => where.has(id)).length;
    const ok = this.kind === 'hold' ? held === 0 : held === present;
    return { ok, observations: [`postqueue -j: ${held} of ${d.ids.length} messages of ${d.source} on hold, ${present} still queued`] };
  }

  private async where(ids: readonly string[]): Promise<Map<string, QueueName>> {
    const dir = (await this.o.postfix.directories()).command;
    return queueNamesOf(this.o.host, new Set(ids), `${dir}/postqueue`);
  }

  /** postsuper FLAG - QUEUES... with the IDs on stdin; returns the count postsuper reported. */
  private async postsuper(flag: string, queues: readonly QueueName[], ids: readonly string[], said: RegExp): Promise<number> {
    const valid = ids.map((id) => parseQueueId(id));
    if (valid.some((id) => id === null)) throw refused('a queue ID in the plan is not valid: refusing to run postsuper');
    if (valid.length === 0) return 0;
    const r = await this.o.postfix.run('postsuper', [flag, '-', ...queues], { input: valid.join('\n') + '\n' });
    const m = said.exec(r.stderr);
    if (!m && r.stderr.trim() !== '' && /fatal|error/i.test(r.stderr)) throw stepFailed(`postsuper ${flag}: ${r.stderr.slice(0, 300)}`);
    return m ? Number(m[1]) : 0;
  }
}

function tally(ms: readonly SourceMessage[]): Record<string, number> {
  const t: Record<string, number> = {};
  for (const m of ms) t[m.queueName] = (t[m.queueName] ?? 0) + 1;
  return t;
}

export function queueActions(o: QueueActionOptions): QueueAction[] {
  return (['hold', 'release', 'requeue', 'delete'] as const).map((k) => new QueueAction(k, o));
}
