/**
 * The policy service's record of loopback SMTP senders (`smtp-owners.jsonl`, and its one
 * rotation `.1`), read back: one JSON object per line (domain/smtp-owner.ts). The file is
 * root's (0600) and written only by spamtrace, but it is still read as untrusted text: every
 * field is checked, the queue ID as strictly as one bound for postcat, and a line that does not
 * fit is counted in the scan's skipped list, never dropped silently.
 *
 * Short queue IDs are reused (inode number plus microseconds): an entry names a message only
 * when its time is within MATCH_WINDOW_MS of the message's arrival.
 */
import type { Host } from '../../host/host';
import type { SmtpOwnerRecord, SocketOwners } from '../../domain/smtp-owner';
import { parseQueueId } from '../queue/queue-id';
import type { SkipTally } from '../skip-tally';

export const DEFAULT_SMTP_OWNER_LOG = '/var/lib/spamtrace/watch/smtp-owners.jsonl';
/** the record is written at end of data; the queue file's arrival time is when it was opened */
export const MATCH_WINDOW_MS = 10 * 60_000;
const MAX_LINE = 4096;
/** more entries than the rotating file can hold (2 x 8 MiB of ~300-byte lines) */
const MAX_ENTRIES = 200_000;

const WHAT = 'smtp-owner record';

/** One line of the record, or why it was not taken. */
export function parseOwnerLine(text: string): SmtpOwnerRecord | string {
  if (text.length > MAX_LINE) return 'line too long';
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not an object';
  const o = v as Record<string, unknown>;
  const at = typeof o['at'] === 'string' ? Date.parse(o['at']) : NaN;
  if (!Number.isFinite(at)) return 'no valid time';
  const queueId = o['queueId'] === null ? null : typeof o['queueId'] === 'string' ? parseQueueId(o['queueId']) : undefined;
  if (queueId === undefined || (o['queueId'] !== null && queueId === null)) return 'not a queue ID';
  const uid = o['uid'];
  if (uid !== null && !(Number.isInteger(uid) && (uid as number) >= 0 && (uid as number) < 2 ** 32)) return 'not a uid';
  const port = (x: unknown): number | null => (Number.isInteger(x) && (x as number) >= 0 && (x as number) <= 65535 ? (x as number) : null);
  const clientPort = port(o['clientPort']);
  const serverPort = port(o['serverPort']);
  if (clientPort === null || serverPort === null) return 'not a port';
  const str = (x: unknown, max: number): string => (typeof x === 'string' ? x.slice(0, max) : '');
  return {
    at: new Date(at).toISOString(),
    queueId,
    clientAddress: str(o['clientAddress'], 64),
    clientPort,
    serverAddress: str(o['serverAddress'], 64),
    serverPort,
    uid: uid as number | null,
    ...(typeof o['why'] === 'string' ? { why: o['why'].slice(0, 300) } : {}),
    sender: str(o['sender'], 300),
    saslUsername: typeof o['saslUsername'] === 'string' && o['saslUsername'] !== '' ? o['saslUsername'].slice(0, 300) : null,
  };
}

/** queue ID -> the records of it (a reused ID may have several), newest last. */
export class SmtpOwnerIndex implements SocketOwners {
  private readonly byId = new Map<string, { at: number; uid: number }[]>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(r: SmtpOwnerRecord): boolean {
    if (r.queueId === null || r.uid === null || this.count >= MAX_ENTRIES) return false;
    const list = this.byId.get(r.queueId) ?? [];
    list.push({ at: Date.parse(r.at), uid: r.uid });
    this.byId.set(r.queueId, list);
    this.count += 1;
    return true;
  }

  ownerOf(queueId: string, arrival: Date | null): number | null {
    const list = this.byId.get(queueId);
    if (!list) return null;
    if (arrival === null) return list.length === 1 ? list[0]!.uid : null;
    let best: { at: number; uid: number } | null = null;
    for (const e of list) {
      const d = Math.abs(e.at - arrival.getTime());
      if (d <= MATCH_WINDOW_MS && (best === null || d < Math.abs(best.at - arrival.getTime()))) best = e;
    }
    return best?.uid ?? null;
  }
}

/** The record's files, older first: `path.1` (rotated) and `path`. */
export function smtpOwnerFiles(path: string): string[] {
  return [`${path}.1`, path];
}

/**
 * The record's entries with a queue ID and a uid, from `path.1` (older) and `path`. A missing
 * file is no record (the policy service is not hooked in); an unreadable one is a warning.
 */
export async function readSmtpOwners(host: Host, path: string, skipped: SkipTally): Promise<{ index: SmtpOwnerIndex; warnings: string[]; files: string[] }> {
  const index = new SmtpOwnerIndex();
  const warnings: string[] = [];
  const files: string[] = [];
  const both = smtpOwnerFiles(path);
  // both stats in one question (over SSH one round trip; often already answered by an earlier prefetch)
  await host.prefetch?.({ stat: both });
  for (const file of both) {
    const st = await host.stat(file).catch(() => null);
    if (!st?.isFile) continue;
    files.push(file);
    try {
      for await (const line of host.readLines(file, { maxLineBytes: MAX_LINE + 1 })) {
        if (line.text.trim() === '') continue;
        if (line.cut) {
          skipped.add(WHAT, 'line too long');
          continue;
        }
        const r = parseOwnerLine(line.text);
        if (typeof r === 'string') skipped.add(WHAT, r);
        else if (r.uid === null) skipped.add(WHAT, 'the socket owner was not found while the connection was open');
        else if (r.queueId === null) skipped.add(WHAT, 'no queue ID');
        else if (!index.add(r)) skipped.add(WHAT, `past the first ${MAX_ENTRIES} entries`);
      }
    } catch (e) {
      warnings.push(`${file}: ${(e as Error).message}`);
    }
  }
  return { index, warnings, files };
}
