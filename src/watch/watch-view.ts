/**
 * What the UI needs from the watcher: its trips and the blocklist state, read from the
 * state files `spamtrace watch` writes, and a release that runs the same code as
 * `spamtrace watch release`. The UI process does not follow the log itself.
 */
import { join } from 'node:path';
import type { DnsblStatus } from '../dnsbl/dnsbl-monitor';
import { DnsblMonitor } from '../dnsbl/dnsbl-monitor';
import { Breaker } from './breaker';
import { DEFAULT_POLICY } from './watch-policy';
import { TripStore, type TripAction, type TripView } from './trip-store';

export interface WatchState {
  dnsbl: DnsblStatus | null;
  /** newest first, at most 20 */
  trips: TripView[];
}

export interface WatchView {
  state(): Promise<WatchState>;
  release(id: string, actor: string): Promise<TripAction[]>;
}

/** `undo` takes one act-engine action back (the UI's action runner, with the acting admin). */
export type UndoAction = (id: string, actor: string) => Promise<{ ok: boolean; observations: string[] }>;

export function watchView(stateDir: string, undo: UndoAction): WatchView {
  const trips = new TripStore(join(stateDir, 'trips.jsonl'));
  const dnsbl = new DnsblMonitor({ statePath: join(stateDir, 'dnsbl.json'), zones: [] });
  return {
    async state() {
      return { dnsbl: await dnsbl.read(), trips: (await trips.read()).reverse().slice(0, 20) };
    },
    async release(id, actor) {
      const t = (await trips.read()).find((x) => x.id === id);
      if (!t) throw new Error(`no trip ${id}`);
      // a breaker that only releases: it plans and applies nothing
      const breaker = new Breaker({
        policy: DEFAULT_POLICY,
        trips,
        exempt: { uids: new Set() },
        engine: {
          plan: () => Promise.reject(new Error('release only')),
          apply: () => Promise.reject(new Error('release only')),
          undo: async (actionId) => ({ verification: await undo(actionId, actor) }),
        },
      });
      return breaker.release(t, actor);
    },
  };
}
