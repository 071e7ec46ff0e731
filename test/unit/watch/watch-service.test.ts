import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Breaker, type BreakerEngine } from '../../../src/watch/breaker';
import { LogFollower } from '../../../src/watch/log-follower';
import { TripStore } from '../../../src/watch/trip-store';
import { DEFAULT_POLICY, thresholdsFor, validateWatchPolicy, type WatchPolicy } from '../../../src/watch/watch-policy';
import { resellerFromInventory } from '../../../src/watch/inventory-cache';
import type { ReportSource } from '../../../src/domain/report';
import type { Subscription } from '../../../src/domain/subscription';
import { WatchService } from '../../../src/watch/watch-service';

/** Records what the breaker asked for; applies nothing. */
class FakeEngine implements BreakerEngine {
  readonly calls: string[] = [];
  private n = 0;
  async plan(name: string, target: string) {
    this.calls.push(`plan ${name} ${target}`);
    return { summary: `${name} ${target}`, noop: false };
  }
  async apply(name: string, target: string) {
    this.calls.push(`apply ${name} ${target}`);
    return { id: `act-${++this.n}`, plan: { summary: `${name} ${target}` }, verification: { ok: true, observations: ['checked'] } };
  }
  async undo(id: string) {
    this.calls.push(`undo ${id}`);
    return { verification: { ok: true, observations: ['undone'] } };
  }
}

const stamp = (d: Date): string => d.toISOString().replace(/\.\d+Z$/, 'Z'); // RFC 3339 lines: no year guessing
let qid = 0xa10000000;
const nextId = (): string => (qid++).toString(16).toUpperCase();

function localMessage(t: Date, uid: number, sender: string, rcpt: string, deferral: string | null): string[] {
  const id = nextId();
  const s = stamp(t);
  return [
    `${s} lab postfix/pickup[100]: ${id}: uid=${uid} from=<${sender}>`,
    `${s} lab postfix/cleanup[101]: ${id}: message-id=<${id}@lab>`,
    `${s} lab postfix/qmgr[102]: ${id}: from=<${sender}>, size=900, nrcpt=1 (queue active)`,
    deferral
      ? `${s} lab postfix/smtp[103]: ${id}: to=<${rcpt}>, relay=127.0.0.1[127.0.0.1]:30025, delay=0.2, delays=0.1/0/0/0.1, dsn=4.7.1, status=deferred (${deferral})`
      : `${s} lab postfix/smtp[103]: ${id}: to=<${rcpt}>, relay=127.0.0.1[127.0.0.1]:30031, delay=0.2, delays=0.1/0/0/0.1, dsn=2.0.0, status=sent (250 2.0.0 Ok)`,
  ];
}

const AOL = 'host 127.0.0.1[127.0.0.1] refused to talk to me: 421 4.7.1 : (DYN:T1) http://postmaster.info.aol.com/errors/421dynt1.html';

function setup(
  policy: Partial<WatchPolicy> = {},
  resellerOf?: (s: ReportSource) => string | null,
  now?: () => Date,
): { log: string; service: WatchService; engine: FakeEngine; trips: TripStore; breaker: Breaker } {
  const dir = mkdtempSync(join(tmpdir(), 'watch-'));
  const log = join(dir, 'mail.log');
  writeFileSync(log, '');
  const engine = new FakeEngine();
  const trips = new TripStore(join(dir, 'trips.jsonl'));
  const p = { ...DEFAULT_POLICY, mode: 'live' as const, ...policy };
  const breaker = new Breaker({ policy: p, engine, trips, exempt: { uids: new Set([0, 107]) }, resellerOf, now });
  const service = new WatchService({ follower: new LogFollower({ path: log, startAt: 'start' }), breaker, policy: p, statusPath: join(dir, 'status.json') });
  return { log, service, engine, trips, breaker };
}

test('a dropper trips within its first messages: hold, then block-submit, with the evidence recorded', async () => {
  const { log, service, engine } = setup();
  const t0 = new Date(Date.now() - 60_000);
  const lines: string[] = [];
  for (let i = 0; i < 8; i++) lines.push(...localMessage(new Date(t0.getTime() + i * 1000), 4079, `info${1000 + i}@web274-example.de`, `x${i}@${i % 2 ? 'yahoo.com' : 'aol.com'}`, AOL));
  appendFileSync(log, lines.join('\n') + '\n');
  const trips = await service.step(true);
  assert.equal(trips.length, 1);
  const t = trips[0]!;
  assert.equal(t.source, 'uid:4079');
  assert.equal(t.verdict, 'spam');
  assert.equal(t.cause, 'spam');
  assert.equal(t.state, 'tripped');
  assert.ok(t.reasons.some((r) => /different envelope senders/.test(r)), t.reasons.join('; '));
  assert.deepEqual(engine.calls, ['apply queue-hold uid:4079', 'apply block-submit uid:4079']);
  // tripped once: more of the same does not trip again
  appendFileSync(log, localMessage(new Date(t0.getTime() + 9000), 4079, 'info9@web274-example.de', 'y@aol.com', AOL).join('\n') + '\n');
  assert.deepEqual(await service.step(true), []);
});

test("a tripped source's later mail is held again; mail inside the re-hold pause is held after it, even when the source falls silent", async () => {
  let clock = Date.now();
  const { log, service, engine } = setup({}, undefined, () => new Date(clock));
  const t0 = new Date(clock - 60_000);
  const lines: string[] = [];
  for (let i = 0; i < 8; i++) lines.push(...localMessage(new Date(t0.getTime() + i * 1000), 4079, `info${1000 + i}@web274-example.de`, `x${i}@aol.com`, AOL));
  appendFileSync(log, lines.join('\n') + '\n');
  assert.equal((await service.step(true)).length, 1);
  const holds = (): number => engine.calls.filter((c) => c === 'apply queue-hold uid:4079').length;
  assert.equal(holds(), 1, 'the trip held once');
  appendFileSync(log, localMessage(new Date(t0.getTime() + 9000), 4079, 'late1@web274-example.de', 'y@aol.com', null).join('\n') + '\n');
  await service.step(true);
  assert.equal(holds(), 2, 'mail after the trip is held again');
  clock += 2000;
  appendFileSync(log, localMessage(new Date(t0.getTime() + 10_000), 4079, 'late2@web274-example.de', 'z@aol.com', null).join('\n') + '\n');
  await service.step(true);
  assert.equal(holds(), 2, 'within the pause: not yet');
  clock += 4000;
  await service.step(true); // no new line: the source fell silent
  assert.equal(holds(), 3, 'the pending re-hold ran once the pause was over');
  clock += 6000;
  await service.step(true);
  assert.equal(holds(), 3, 'and only once');
});

test('a newsletter (one sender, a quarter of its recipients deferred) does not trip', async () => {
  const { log, service, engine } = setup();
  const t0 = new Date(Date.now() - 120_000);
  const lines: string[] = [];
  const to = ['gmail.com', 'gmx.de', 'web.de', 't-online.de', 'aol.com', 'accept.spamtrace.test', 'gmx.de', 'web.de'];
  for (let i = 0; i < 120; i++) {
    const d = to[i % to.length]!;
    lines.push(...localMessage(new Date(t0.getTime() + i * 500), 10002, 'newsletter@news-example.de', `leser${i}@${d}`, d === 'aol.com' ? AOL : null));
  }
  appendFileSync(log, lines.join('\n') + '\n');
  assert.deepEqual(await service.step(true), []);
  assert.deepEqual(engine.calls, []);
  const st = service.status().sources.find((s) => s.id === 'uid:10002')!;
  assert.equal(st.verdict, 'normal');
  assert.equal(st.messages, 120);
});

test('root and Postfix mail_owner never trip, whatever they send', async () => {
  const { log, service, engine } = setup();
  const t0 = new Date(Date.now() - 60_000);
  const lines: string[] = [];
  for (let i = 0; i < 10; i++) {
    lines.push(...localMessage(new Date(t0.getTime() + i * 1000), 0, `r${i}x@lab.test`, `x${i}@aol.com`, AOL));
    lines.push(...localMessage(new Date(t0.getTime() + i * 1000), 107, `p${i}y@lab.test`, `y${i}@aol.com`, AOL));
  }
  appendFileSync(log, lines.join('\n') + '\n');
  assert.deepEqual(await service.step(true), []);
  assert.deepEqual(engine.calls, []);
  assert.match(service.status().sources.find((s) => s.id === 'uid:0')!.exemption ?? '', /root or Postfix/);
});

test('the allow-list spares a source by id and by sender domain', async () => {
  const { log, service, engine } = setup({ allow: ['uid:4079', '@bulk.example'] });
  const t0 = new Date(Date.now() - 60_000);
  const lines: string[] = [];
  for (let i = 0; i < 8; i++) {
    lines.push(...localMessage(new Date(t0.getTime() + i * 1000), 4079, `a${i}q@web274-example.de`, `x${i}@aol.com`, AOL));
    lines.push(...localMessage(new Date(t0.getTime() + i * 1000), 5000, `b${i}z@bulk.example`, `y${i}@aol.com`, AOL));
  }
  appendFileSync(log, lines.join('\n') + '\n');
  assert.deepEqual(await service.step(true), []);
  assert.deepEqual(engine.calls, []);
});

test('dry-run plans and records, applies nothing', async () => {
  const { log, service, engine } = setup({ mode: 'dry-run' });
  const t0 = new Date(Date.now() - 60_000);
  const lines: string[] = [];
  for (let i = 0; i < 8; i++) lines.push(...localMessage(new Date(t0.getTime() + i * 1000), 4079, `m${i}k@web274-example.de`, `x${i}@aol.com`, AOL));
  appendFileSync(log, lines.join('\n') + '\n');
  const [t] = await service.step(true);
  assert.equal(t!.state, 'dry-run');
  assert.deepEqual(engine.calls, ['plan queue-hold uid:4079', 'plan block-submit uid:4079']);
  assert.ok(t!.actions.every((a) => a.id === null && a.notes[0]!.startsWith('would: ')));
});

test('over the hourly cap a trip is reported as capped and nothing is applied', async () => {
  const { log, service, engine } = setup({ maxTripsPerHour: 1 });
  const t0 = new Date(Date.now() - 60_000);
  const lines: string[] = [];
  for (let i = 0; i < 8; i++) {
    lines.push(...localMessage(new Date(t0.getTime() + i * 1000), 4079, `c${i}u@web274-example.de`, `x${i}@aol.com`, AOL));
    lines.push(...localMessage(new Date(t0.getTime() + i * 1000), 4080, `d${i}v@other-example.de`, `y${i}@aol.com`, AOL));
  }
  appendFileSync(log, lines.join('\n') + '\n');
  const trips = await service.step(true);
  assert.deepEqual(trips.map((t) => t.state).sort(), ['capped', 'tripped']);
  assert.equal(engine.calls.filter((c) => c.startsWith('apply')).length, 2, 'one source acted on: hold and block');
});

test('a rate over the per-minute limit trips even a source that looks normal', async () => {
  const { log, service } = setup({ maxMessagesPerMinute: 20 });
  const t0 = new Date(Date.now() - 30_000);
  const lines: string[] = [];
  for (let i = 0; i < 25; i++) lines.push(...localMessage(new Date(t0.getTime() + i * 1000), 10002, 'newsletter@news-example.de', `r${i}@accept.spamtrace.test`, null));
  appendFileSync(log, lines.join('\n') + '\n');
  const [t] = await service.step(true);
  assert.equal(t!.cause, 'rate');
  assert.equal(t!.rate.messages, 25);
});

test('release undoes every action of a trip, newest first, and the source may trip again', async () => {
  const { log, service, engine, trips, breaker } = setup();
  const t0 = new Date(Date.now() - 60_000);
  const lines: string[] = [];
  for (let i = 0; i < 8; i++) lines.push(...localMessage(new Date(t0.getTime() + i * 1000), 4079, `e${i}w@web274-example.de`, `x${i}@aol.com`, AOL));
  appendFileSync(log, lines.join('\n') + '\n');
  await service.step(true);
  const [view] = await trips.read();
  const undone = await breaker.release(view!, 'admin');
  assert.deepEqual(undone.map((u) => u.id), ['act-2', 'act-1']);
  assert.deepEqual(engine.calls.slice(-2), ['undo act-2', 'undo act-1']);
  assert.equal(breaker.isTripped('uid:4079'), false);
  const [after] = await trips.read();
  assert.equal(after!.released?.by, 'admin');
  assert.match(readFileSync(trips.path, 'utf8'), /"type":"release"/);
});

test('the policy file is checked key by key', () => {
  assert.throws(() => validateWatchPolicy({ mode: 'on' }, 'x'), /mode/);
  assert.throws(() => validateWatchPolicy({ actions: { local: ['queue-delete'] } }, 'x'), /actions.local/);
  assert.throws(() => validateWatchPolicy({ windowMinute: 5 }, 'x'), /windowMinute: unknown key/);
  assert.equal(validateWatchPolicy({}, 'x').mode, 'dry-run', 'dry-run unless the admin says live');
  // every problem at once, not the first alone
  assert.throws(
    () => validateWatchPolicy({ mode: 'on', windowMinute: 5, dnsbl: { server: 'resolver' } }, 'x'),
    (e: Error) => /windowMinute: unknown key/.test(e.message) && /mode: must be/.test(e.message) && /dnsbl\.server: must be an IP address/.test(e.message),
  );
});

function rateBurst(log: string, uid: number, n: number): void {
  const t0 = new Date(Date.now() - 30_000);
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(...localMessage(new Date(t0.getTime() + i * 1000), uid, 'newsletter@news-example.de', `r${i}@accept.spamtrace.test`, null));
  appendFileSync(log, lines.join('\n') + '\n');
}

test("a reseller's own rate limit replaces the server's for its customers' sources only", async () => {
  const resellers = { 'res-news': { maxMessagesPerMinute: 100 } };
  // uid 10002 belongs to res-news (a newsletter hoster): 25 a minute is fine for it
  const a = setup({ maxMessagesPerMinute: 20, resellers }, (s) => (s.uid === 10002 ? 'res-news' : 'res-other'));
  rateBurst(a.log, 10002, 25);
  assert.deepEqual(await a.service.step(true), []);
  assert.deepEqual(a.engine.calls, []);
  // the same burst from a source of another reseller trips on the server's limit
  const b = setup({ maxMessagesPerMinute: 20, resellers }, () => 'res-other');
  rateBurst(b.log, 10002, 25);
  const [t] = await b.service.step(true);
  assert.equal(t!.cause, 'rate');
  assert.deepEqual(t!.limits, { minMessages: DEFAULT_POLICY.minMessages, maxMessagesPerMinute: 20, maxRecipientsPerMinute: DEFAULT_POLICY.maxRecipientsPerMinute, from: 'server' });
});

test("a reseller's lower limit trips its customers' sources earlier, and the trip names whose limits", async () => {
  const s = setup({ maxMessagesPerMinute: 100, resellers: { 'res-hacked': { maxMessagesPerMinute: 10 } } }, () => 'res-hacked');
  rateBurst(s.log, 10002, 15);
  const [t] = await s.service.step(true);
  assert.equal(t!.cause, 'rate');
  assert.equal(t!.limits?.from, 'reseller res-hacked');
  assert.equal(t!.limits?.maxMessagesPerMinute, 10);
});

test('reseller thresholds: keys left out keep the server value; bad entries are named', () => {
  const p = validateWatchPolicy({ maxMessagesPerMinute: 30, resellers: { res1: { minMessages: 2 } } }, 'x');
  assert.deepEqual(thresholdsFor(p, 'res1'), { minMessages: 2, maxMessagesPerMinute: 30, maxRecipientsPerMinute: p.maxRecipientsPerMinute, from: 'reseller res1' });
  assert.equal(thresholdsFor(p, 'res2').from, 'server');
  assert.equal(thresholdsFor(p, null).minMessages, p.minMessages);
  assert.throws(() => validateWatchPolicy({ resellers: { res1: { maxPerHour: 5 } } }, 'x'), /resellers\.res1\.maxPerHour: unknown key/);
  assert.throws(() => validateWatchPolicy({ resellers: { res1: { minMessages: 0 } } }, 'x'), /resellers\.res1\.minMessages/);
  assert.throws(() => validateWatchPolicy({ resellers: { 'a b;rm': {} } }, 'x'), /not a reseller login/);
  assert.throws(() => validateWatchPolicy({ resellers: [] }, 'x'), /resellers/);
});

test("the source's reseller comes from the inventory: by uid for a local user, none before the first load", () => {
  const sub = (uid: number, reseller: string | null): Subscription => ({
    id: `s${uid}`, panel: 'static', domains: [`d${uid}.example`], sysUser: `u${uid}`, uid, homeDir: null, docRoots: [], logDirs: [], mailboxes: [], customer: null,
    reseller: reseller ? { login: reseller } : null,
  });
  let list: readonly Subscription[] = [];
  const resellerOf = resellerFromInventory({ current: () => list });
  const src = (uid: number): ReportSource => ({ id: `uid:${uid}`, kind: 'local', uid } as unknown as ReportSource);
  assert.equal(resellerOf(src(4079)), null, 'not loaded yet: server thresholds');
  list = [sub(4079, 'res1'), sub(4080, null)];
  assert.equal(resellerOf(src(4079)), 'res1');
  assert.equal(resellerOf(src(4080)), null);
  assert.equal(resellerOf(src(9999)), null);
});
