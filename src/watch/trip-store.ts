/**
 * Every trip the breaker made (or would have made, in dry-run), and every release, one
 * JSON object per line in `trips.jsonl` (0600, fsynced): the admin's record of what the
 * watcher did and why, read by `spamtrace watch trips`, the release command and the UI.
 */
import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';

export interface TripAction {
  action: string;
  target: string;
  /** journal id of the applied action (undo handle); null in dry-run or when nothing changed */
  id: string | null;
  ok: boolean;
  /** the plan's summary, the check's observations, or the error */
  notes: string[];
}

/** The customer's notice for a trip: what the notify policy decided and the outbox rows. */
export interface TripNotice {
  decision: 'auto' | 'approval' | 'never' | 'error';
  reason: string;
  /** the subscription the source belongs to (its customer is told) */
  subscription: string | null;
  notices: {
    /** the outbox row (notify list); null in dry-run */
    id: number | null;
    recipient: string;
    role: string;
    locale: 'de' | 'en';
    /** the outbox state, or would-queue / would-await-approval in dry-run */
    state: string;
    note?: string;
  }[];
}

export interface Trip {
  type: 'trip';
  id: string;
  at: string;
  source: string;
  kind: string;
  /** why it tripped: the verdict, a per-source rate, or the server's rate */
  cause: 'spam' | 'rate' | 'server-rate';
  mode: 'dry-run' | 'live';
  /** acted on, reported only because of the hourly cap, or dry-run */
  state: 'tripped' | 'dry-run' | 'capped';
  verdict: string;
  score: number;
  reasons: string[];
  messages: number;
  recipients: number;
  firstSeen: string | null;
  /** seconds from the window's first message to the trip */
  secondsFromFirstMessage: number | null;
  /** messages per minute and distinct recipients per minute at the trip */
  rate: { messages: number; recipients: number };
  /** the thresholds the source was judged by, and whose (server or reseller); absent in older records */
  limits?: { minMessages: number; maxMessagesPerMinute: number; maxRecipientsPerMinute: number; from: string };
  sampleQueueIds: string[];
  actions: TripAction[];
  /** the customer's notice (absent: the watcher was started without notices) */
  notice?: TripNotice;
}

/** A later action for a tripped source (its new mail put on hold too). */
export interface TripFollowUp {
  type: 'follow-up';
  trip: string;
  at: string;
  action: TripAction;
}

export interface TripRelease {
  type: 'release';
  trip: string;
  at: string;
  by: string;
  undone: TripAction[];
}

export type TripRecord = Trip | TripFollowUp | TripRelease;

export interface TripView extends Trip {
  followUps: TripAction[];
  released: TripRelease | null;
}

export class TripStore {
  constructor(readonly path: string) {}

  async append(r: TripRecord): Promise<void> {
    await fs.mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const fh = await fs.open(this.path, 'a', 0o600);
    try {
      await fh.appendFile(JSON.stringify(r) + '\n');
      await fh.sync();
    } finally {
      await fh.close();
    }
  }

  async read(): Promise<TripView[]> {
    let text: string;
    try {
      text = await fs.readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    return tripsOf(text);
  }
}

/** Folds the records into one view per trip, oldest first; a line that does not parse is skipped. */
export function tripsOf(text: string): TripView[] {
  const byId = new Map<string, TripView>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let r: TripRecord;
    try {
      r = JSON.parse(line) as TripRecord;
    } catch {
      continue;
    }
    if (r.type === 'trip') byId.set(r.id, { ...r, followUps: [], released: null });
    else if (r.type === 'follow-up') byId.get(r.trip)?.followUps.push(r.action);
    else if (r.type === 'release') {
      const t = byId.get(r.trip);
      if (t) t.released = r;
    }
  }
  return [...byId.values()];
}
