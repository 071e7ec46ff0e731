/**
 * The queued messages of one source (uid:N, user:NAME, sasl:LOGIN, client:IP), found the
 * way the scan finds them: the queue collector's listing and postcat records, traced
 * with the scan's own origin rules, so "hold what the report blamed" means exactly the
 * messages the report counted. And the independent check: `postqueue -j` by queue ID.
 */
import type { Host } from '../host/host';
import type { QueueId, QueueName } from '../domain/queue';
import { collectQueue } from '../collect/queue/queue-collector';
import { ORIGIN_READS, originOfQueued } from '../trace/queued-origin';
import { parsePostqueueJsonLine } from '../collect/queue/postqueue-json';
import { PostqueueTextParser } from '../collect/queue/postqueue-text';
import { classifyPostqueueFailure } from '../collect/queue/queue-collector';
import { SkipTally } from '../collect/skip-tally';
import type { QueueListingEntry } from '../domain/queue';
import { parseQueueId } from '../collect/queue/queue-id';
import { getentAccount } from '../collect/users/passwd';
import { sourceKeyOf, withSocketOwner } from '../trace/origin';
import { DEFAULT_SMTP_OWNER_LOG, readSmtpOwners } from '../collect/smtp-owners/smtp-owner-log';
import { refused, stepFailed, oneLine } from './act-errors';
import { sourceTargetText, type SourceTarget } from './names';

export interface SourceMessage {
  queueId: QueueId;
  queueName: QueueName;
  sender: string;
  recipients: number;
}

/** The scan's source key for a target: user:NAME becomes uid:N through getent. */
export async function sourceKeyOfTarget(host: Host, t: SourceTarget): Promise<string> {
  if (t.kind !== 'user') return sourceTargetText(t);
  const u = await getentAccount(host, t.user, 'pass');
  if (!u) throw refused(`no system user ${t.user}`);
  return `uid:${u.uid}`;
}

export async function messagesOfSource(host: Host, key: string, ownerLog: string = DEFAULT_SMTP_OWNER_LOG): Promise<SourceMessage[]> {
  // a uid's mail includes what its processes sent over SMTP to 127.0.0.1, as the scan counts it
  const owners = key.startsWith('uid:') ? (await readSmtpOwners(host, ownerLog, new SkipTally())).index : null;
  const collection = await collectQueue(host, { mode: 'live' }, { reads: ORIGIN_READS });
  const out: SourceMessage[] = [];
  for await (const m of collection.messages) {
    const { origin: queued } = originOfQueued(m, collection.mailOwnerUid ?? null);
    const origin = owners ? withSocketOwner(queued, owners.ownerOf(m.queueId, m.arrivalTime)) : queued;
    if (sourceKeyOf(origin) !== key) continue;
    const id = parseQueueId(m.queueId);
    if (id) out.push({ queueId: id, queueName: m.queueName, sender: m.sender, recipients: m.recipients.filter((r) => !r.done).length });
  }
  await collection.listed;
  return out;
}

/**
 * queue ID -> queue name, straight from `postqueue -j`, for the IDs asked about. Postfix
 * before 3.1 has no -j: then `postqueue -p`, which marks held (!) and active (*) mail and
 * cannot tell deferred from incoming or maildrop (all three read as deferred).
 */
export async function queueNamesOf(host: Host, ids: ReadonlySet<string>, postqueue = 'postqueue'): Promise<Map<string, QueueName>> {
  const json = await listedNames(host, ids, postqueue, true);
  return json === 'fallback' ? (await listedNames(host, ids, postqueue, false)) as Map<string, QueueName> : json;
}

async function listedNames(host: Host, ids: ReadonlySet<string>, postqueue: string, json: boolean): Promise<Map<string, QueueName> | 'fallback'> {
  const run = host.runLines(postqueue, [json ? '-j' : '-p'], { maxLineBytes: 1024 * 1024, timeoutMs: 10 * 60_000 });
  const found = new Map<string, QueueName>();
  const text = json ? null : new PostqueueTextParser({ skipped: new SkipTally(), now: new Date() });
  const take = (e: QueueListingEntry | null): void => {
    if (e && ids.has(e.queueId)) found.set(e.queueId, e.queueName);
  };
  for await (const line of run.lines) {
    if (line.cut) continue;
    if (text) {
      take(text.push(line));
      continue;
    }
    const r = parsePostqueueJsonLine(line.text);
    if ('entry' in r) take(r.entry);
  }
  if (text) take(text.end());
  const done = await run.done;
  if (done.code !== 0) {
    if (json && 'fallback' in classifyPostqueueFailure(done.stderr, true)) return 'fallback';
    throw stepFailed(`postqueue ${json ? '-j' : '-p'} failed (exit ${done.code}): ${oneLine(done.stderr, 200)}`);
  }
  return found;
}

export function countIn(names: Map<string, QueueName>, ids: readonly string[], queue: QueueName): number {
  return ids.filter((id) => names.get(id) === queue).length;
}
