/**
 * `spamtrace watch` as a loop: follow the log, keep the windows, judge what changed, let
 * the breaker decide. One `step()` is one poll; the CLI runs it every `pollMs` and tests
 * call it directly. The position in the log is saved after the lines read were handled,
 * so a crash re-reads at most one poll's lines and a restart misses none.
 */
import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import type { ReportSource } from '../domain/report';
import type { Breaker } from './breaker';
import { judgeWindow } from './judge-window';
import { LiveMessages } from './live-messages';
import type { LogFollower } from './log-follower';
import { SourceWindows, type Rate } from './source-windows';
import type { Trip } from './trip-store';
import type { WatchPolicy } from './watch-policy';

export interface WatchServiceDeps {
  follower: LogFollower;
  breaker: Breaker;
  policy: Readonly<WatchPolicy>;
  /** where status.json goes (the UI reads it); none: not written */
  statusPath?: string;
  /** this Postfix's syslog_name (postconf -xh syslog_name) */
  syslogName?: string | null;
  /** judge dirty windows at most this often (default 1 s) */
  judgeEveryMs?: number;
  log?: (line: string) => void;
  /** a source was judged (for --verbose output and tests) */
  onJudged?: (s: ReportSource, rate: Rate) => void;
  onTrip?: (t: Trip) => void;
  /** the policy service's socket owners: a loopback SMTP message counts under its uid */
  ownerOf?: (queueId: string) => number | null;
}

export interface SourceStatus {
  id: string;
  verdict: string;
  score: number;
  messages: number;
  recipients: number;
  perMinute: Rate;
  tripped: boolean;
  exemption: string | null;
  reasons: string[];
}

export interface WatchStatus {
  at: string;
  mode: WatchPolicy['mode'];
  file: string | null;
  linesFollowed: number;
  bytesFollowed: number;
  openMessages: number;
  sources: SourceStatus[];
  notes: string[];
}

export class WatchService {
  readonly windows: SourceWindows;
  readonly live: LiveMessages;
  private lastJudge = 0;
  private readonly followUps = new Set<string>();
  private readonly judged = new Map<string, SourceStatus>();
  private lineNo = 0;

  constructor(private readonly d: WatchServiceDeps) {
    this.windows = new SourceWindows(d.policy.windowMinutes * 60_000);
    this.live = new LiveMessages({
      arrived: (lm) => {
        this.windows.arrived(lm);
        if (lm.source && d.breaker.isTripped(lm.source)) this.followUps.add(lm.source);
      },
      changed: (lm) => this.windows.changed(lm),
      failure: (f) => this.windows.failure(f),
    }, undefined, d.syslogName ?? null, d.ownerOf ?? null);
  }

  /** One poll: read, parse, save the position, and judge when it is time. */
  async step(force = false): Promise<Trip[]> {
    const lines = await this.d.follower.poll();
    const nowMs = Date.now();
    this.live.startBatch(new Date(nowMs));
    for (const l of lines) this.live.line(l.text, l.file, ++this.lineNo, nowMs);
    await this.d.follower.save();
    this.windows.prune();
    this.live.evict(nowMs);
    if (!force && nowMs - this.lastJudge < (this.d.judgeEveryMs ?? 1000)) return [];
    this.lastJudge = nowMs;
    return this.judge();
  }

  private async judge(): Promise<Trip[]> {
    const trips: Trip[] = [];
    const failures = this.windows.failuresInWindow();
    const judged: { s: ReportSource; rate: Rate }[] = [];
    for (const w of this.windows.list()) {
      if (!w.dirty) continue;
      w.dirty = false;
      const s = judgeWindow(w, failures);
      if (!s) continue;
      const rate = this.windows.rate(w);
      this.d.onJudged?.(s, rate);
      judged.push({ s, rate });
      const decision = this.d.breaker.decide(s, rate);
      this.judged.set(s.id, {
        id: s.id,
        verdict: s.verdict,
        score: s.score,
        messages: s.messages,
        recipients: s.recipients,
        perMinute: rate,
        tripped: this.d.breaker.isTripped(s.id),
        exemption: this.d.breaker.exemption(s),
        reasons: s.reasons.slice(0, 5),
      });
      if (decision.trip) {
        const t = await this.d.breaker.trip(s, w, rate, decision.cause);
        if (t) trips.push(this.tripped(t));
      }
    }
    const server = this.windows.serverRate();
    if (server.messages > this.d.policy.serverMaxMessagesPerMinute) {
      // the busiest source that may be tripped carries the server over its limit
      const busiest = judged
        .filter((j) => !this.d.breaker.isTripped(j.s.id) && this.d.breaker.exemption(j.s) === null)
        .sort((a, b) => b.rate.messages - a.rate.messages)[0];
      const w = busiest && this.windows.get(busiest.s.id);
      if (busiest && w) {
        const t = await this.d.breaker.trip(busiest.s, w, busiest.rate, 'server-rate');
        if (t) trips.push(this.tripped(t));
      }
    }
    for (const source of [...this.followUps]) {
      this.followUps.delete(source);
      const a = await this.d.breaker.followUp(source);
      if (a === 'later') {
        this.followUps.add(source); // asked again at the next judging, once the pause is over
        continue;
      }
      if (a) this.d.log?.(`watch: ${source} is tripped and sent more: ${a.action} ${a.ok ? 'done' : 'failed'} (${a.notes[0] ?? ''})`);
    }
    for (const id of this.judged.keys()) if (!this.windows.get(id)) this.judged.delete(id);
    await this.writeStatus();
    return trips;
  }

  private tripped(t: Trip): Trip {
    const s = this.judged.get(t.source);
    if (s) s.tripped = t.state !== 'capped';
    this.d.log?.(
      `watch: ${t.state === 'dry-run' ? 'WOULD TRIP (dry-run)' : t.state === 'capped' ? 'CAPPED' : 'TRIPPED'} ${t.source} (${t.cause}, ${t.verdict}, score ${t.score}) ` +
        `${t.secondsFromFirstMessage ?? '?'} s after its first message, ${t.messages} messages in the window: ` +
        t.actions.map((a) => `${a.action} ${a.target} ${a.ok ? 'ok' : 'FAILED'}${a.id ? ` [${a.id}]` : ''}`).join(', '),
    );
    this.d.onTrip?.(t);
    return t;
  }

  status(): WatchStatus {
    const pos = this.d.follower.position();
    return {
      at: new Date().toISOString(),
      mode: this.d.policy.mode,
      file: pos ? `inode ${pos.ino} at byte ${pos.offset}` : null,
      linesFollowed: this.d.follower.lines,
      bytesFollowed: this.d.follower.bytes,
      openMessages: this.live.size,
      sources: [...this.judged.values()].sort((a, b) => b.score - a.score),
      notes: this.d.follower.notes.slice(-10).map((n) => n.text),
    };
  }

  private async writeStatus(): Promise<void> {
    const path = this.d.statusPath;
    if (!path) return;
    await fs.mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const tmp = `${path}.${process.pid}.tmp`;
    await fs.writeFile(tmp, JSON.stringify(this.status()) + '\n', { mode: 0o600 });
    await fs.rename(tmp, path);
  }
}
