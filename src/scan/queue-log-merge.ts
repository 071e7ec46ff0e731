/**
 * Is a message from the log the one the queue already showed? The queue ID alone does
 * not say: a short ID is the file's inode number plus the microseconds of its creation,
 * and the same ID comes back (pflogsumm counts two lifetimes as two messages, and so do
 * we). The queued message's arrival time must fall into the log message's lifetime.
 */
import type { TraceMessage } from '../trace/trace-message';

/** A message read from the queue: where it was counted and when it arrived (epoch ms). */
export interface QueuedRef {
  key: string;
  arrival: number | null;
  /** recipients its postcat output showed */
  recipients?: number;
}

/** queue ID -> where it was counted (a Map, or the compact QueuedMessages) */
export interface QueuedIndex {
  get(queueId: string): QueuedRef | undefined;
}

/**
 * The queue's arrival_time is cleanup's; the log's first line is smtpd's client= line a
 * moment earlier, and syslog keeps whole seconds: two minutes covers a slow DATA phase.
 */
export const SAME_MESSAGE_SLACK_MS = 2 * 60 * 1000;

export function isQueuedCopy(queued: QueuedIndex, queueId: string, m: Pick<TraceMessage, 'arrivalTime' | 'examined'>): boolean {
  const q = queued.get(queueId);
  if (!q) return false;
  if (q.arrival === null || m.arrivalTime === null) return true; // nothing to tell them apart by
  const first = m.arrivalTime.getTime();
  // the log saw it arrive: the same message arrived at the same time
  if (m.examined) return Math.abs(first - q.arrival) <= SAME_MESSAGE_SLACK_MS;
  // its arrival is before the oldest line read: the queued one must be at least as old
  return q.arrival <= first + SAME_MESSAGE_SLACK_MS;
}
