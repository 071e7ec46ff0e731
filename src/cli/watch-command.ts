/**
 * `spamtrace watch`: follow the mail log, judge every source continuously with the scan's
 * rules, and trip the circuit breaker (src/watch/). Also `watch trips`, `watch release ID`
 * and `watch status`. Root only for the live loop: it reads the mail log and acts on Postfix.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { userInfo } from 'node:os';
import { SpamtraceError } from '../errors';
import { LocalHost } from '../host/local-host';
import { loadConfig, resolveConfigPath } from '../config/load-config';
import { DEFAULT_JOURNAL } from '../act/journal';
import { terminalSafe } from '../terminal-safe';
import { openCliActEngine } from './cli-act-engine';
import { readPostfixLogSettings } from '../collect/maillog';
import { Breaker } from '../watch/breaker';
import { LogFollower } from '../watch/log-follower';
import { TripStore, type TripView } from '../watch/trip-store';
import { DEFAULT_POLICY_PATH, DEFAULT_WATCH_DIR, loadWatchPolicy, type WatchPolicy } from '../watch/watch-policy';
import { WatchService } from '../watch/watch-service';
import { allowUids, mailOwnerUid } from '../watch/watch-users';
import { alertAdmin, dnsblAlertText, sendAlert } from '../watch/alert';
import { DnsblWatch } from '../watch/dnsbl-watch';
import { DnsblMonitor, renderDnsbl, type DnsblStatus } from '../dnsbl/dnsbl-monitor';
import { loadNotifyConfig, resolveNotifyConfigPath } from '../notify/load-notify-config';
import { createTransport } from '../notify/create-transport';
import { openStore } from '../store/open-store';
import { loadInventory } from '../scan/inventory-stage';
import { createLogger } from '../log';
import { InventoryCache, resellerFromInventory } from '../watch/inventory-cache';
import { TripNotifier } from '../watch/trip-notice';
import { DEFAULT_POLICY_LISTEN, PolicyService } from '../watch/policy/policy-server';
import { OwnerLogWriter } from '../watch/policy/owner-log-writer';


export const WATCH_HELP = `Usage: spamtrace watch [options]              follow the mail log and trip the breaker
       spamtrace watch trips [--json]          every trip (and dry-run trip) with its evidence
       spamtrace watch release TRIP_ID         undo every action of a trip (held mail released, blocks lifted)
       spamtrace watch status [--json]         what the running watcher sees now (sources, rates, verdicts)
       spamtrace watch dnsbl [--json] [--cached]   blocklist state of the outbound addresses (checks now)

Follows the mail log as Postfix writes it (rotation and truncation handled; a restart resumes
where it stopped), keeps a sliding window per source and judges it with the same rules as
"spamtrace scan". A source trips when it turns spam (at least minMessages in the window) or
goes over a per-minute rate; the policy's actions then run through the act engine: queue-hold,
block-submit (local users), defer-login (SASL, 4xx), defer-client (SMTP clients, 4xx), each
journaled, verified and undoable. Never tripped: Postfix's bounces, root and Postfix's own uid,
the notice sender and the allow-list. At most maxTripsPerHour trips. The default mode is
dry-run: it reports what it would do and changes nothing.

Options:
  --dry-run              only report what it would do (the default unless the policy says "live")
  --live                 act (overrides the policy's mode)
  --policy FILE          the breaker policy (default ${DEFAULT_POLICY_PATH}; format in the README)
  --maillog FILE         the log to follow (default: postconf's maillog_file, else the first of the
                         config's mailLogs that exists)
  --state-dir DIR        position, trips and status (default ${DEFAULT_WATCH_DIR})
  --journal FILE         the action journal (default ${DEFAULT_JOURNAL}, or $SPAMTRACE_ACT_JOURNAL)
  --from-start           without a saved position, read the log from its start (default: its end)
  --poll-ms N            how often the log is read (default 250)
  --policy-listen ADDR:PORT  where the policy service listens (default 127.0.0.1:10029; "off": not
                         started). Hooked into Postfix with "spamtrace act apply policy-hook
                         127.0.0.1:10029", it records the uid owning each SMTP connection from
                         127.0.0.1 (smtp-owners.jsonl in the state dir), so such a source is
                         uid:N here and in "scan"; it always answers DUNNO
  --once                 read what is there, judge once, exit (exit 1 if anything tripped)
  --config FILE          spamtrace config file
  --json                 trips/status/dnsbl: machine-readable
  --cached               dnsbl: show the last saved state, ask nobody (no root needed)

The blocklist check runs inside the watcher every dnsbl.intervalMinutes (answers cached by
their TTL); a change is logged and mailed to alertTo. Spamhaus answers 127.255.255.x to
queries from public resolvers: that is "cannot check", not "listed" (set dnsbl.server).

Exit codes: 0 ended cleanly (SIGTERM/SIGINT), nothing tripped (--once), nothing listed (dnsbl);
1 something tripped (--once) or an address is listed (dnsbl); 2 error.
`;

export interface WatchIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: NodeJS.ProcessEnv;
  /** ends the loop (tests); default: SIGTERM / SIGINT */
  signal?: AbortSignal;
}

export async function watchCommand(argv: string[], io: WatchIo = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'dry-run': { type: 'boolean' },
        live: { type: 'boolean' },
        policy: { type: 'string' },
        maillog: { type: 'string' },
        'state-dir': { type: 'string' },
        journal: { type: 'string' },
        'from-start': { type: 'boolean' },
        'poll-ms': { type: 'string' },
        'policy-listen': { type: 'string' },
        once: { type: 'boolean' },
        config: { type: 'string' },
        json: { type: 'boolean' },
        cached: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new SpamtraceError('E_USAGE', `watch: ${(e as Error).message}`);
  }
  const v = parsed.values;
  const [sub, ...rest] = parsed.positionals;
  if (v.help || sub === 'help') {
    io.stdout.write(WATCH_HELP);
    return 0;
  }
  if (sub !== undefined && !['trips', 'release', 'status', 'dnsbl'].includes(sub)) {
    throw new SpamtraceError('E_USAGE', `watch: expected trips, release, status or dnsbl, got "${sub.slice(0, 20)}" (see spamtrace watch --help)`);
  }
  if (v['dry-run'] && v.live) throw new SpamtraceError('E_USAGE', 'watch: --dry-run and --live exclude each other');
  let pollMs = 250;
  if (v['poll-ms'] !== undefined) {
    if (!/^\d{1,6}$/.test(v['poll-ms']) || Number(v['poll-ms']) < 10) throw new SpamtraceError('E_USAGE', '--poll-ms takes milliseconds (10 or more)');
    pollMs = Number(v['poll-ms']);
  }
  const stateDir = v['state-dir'] ?? DEFAULT_WATCH_DIR;
  const trips = new TripStore(join(stateDir, 'trips.jsonl'));
  const safe = (t: string): string => t.split('\n').map((l) => terminalSafe(l, 8000)).join('\n');

  if (sub === 'trips') {
    const list = await trips.read();
    io.stdout.write(v.json ? JSON.stringify(list) + '\n' : safe(list.map(renderTrip).join('') || 'no trips\n'));
    return 0;
  }
  if (sub === 'status') {
    const path = join(stateDir, 'status.json');
    if (!existsSync(path)) throw new SpamtraceError('E_USAGE', `watch status: ${path} does not exist: is "spamtrace watch" running?`);
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(path, 'utf8');
    io.stdout.write(v.json ? text : safe(renderStatus(JSON.parse(text) as ReturnType<WatchService['status']>)));
    return 0;
  }

  if (sub === 'dnsbl' && v.cached) {
    const s = await new DnsblMonitor({ statePath: join(stateDir, 'dnsbl.json'), zones: [] }).read();
    if (!s) throw new SpamtraceError('E_USAGE', `watch dnsbl --cached: no saved state in ${stateDir}: run "spamtrace watch dnsbl" once`);
    io.stdout.write(v.json ? JSON.stringify(s) + '\n' : safe(renderDnsbl(s)));
    return 0;
  }
  if (process.getuid?.() !== 0) throw new SpamtraceError('E_NOT_ROOT', 'watch follows the mail log and acts on Postfix: run it as root');
  const { config } = loadConfig(resolveConfigPath(v.config, io.env));
  const host = new LocalHost();
  const log = (line: string): void => void io.stderr.write(safe(`${new Date().toISOString()} ${line}\n`));
  const overrides: Partial<WatchPolicy> = v.live ? { mode: 'live' } : v['dry-run'] ? { mode: 'dry-run' } : {};
  const loaded = loadWatchPolicy(v.policy ?? DEFAULT_POLICY_PATH, overrides);
  // the live windows know uids: user:NAME entries are looked up once; the notice sender never trips
  const notify = loadNotifyConfig(resolveNotifyConfigPath(undefined, io.env));
  const policy: Readonly<WatchPolicy> = Object.freeze({
    ...loaded,
    allow: [...loaded.allow, ...(await allowUids(host, loaded.allow, log))],
    noticeSender: loaded.noticeSender ?? notify?.from ?? null,
  });
  const journalPath = v.journal ?? (io.env.SPAMTRACE_ACT_JOURNAL || DEFAULT_JOURNAL);
  const { engine, store } = await openCliActEngine({
    host,
    config,
    journalPath,
    actor: sub === 'release' ? (io.env.SUDO_USER ?? userInfo().username).slice(0, 64) : 'spamtrace-watch',
  });
  const owner = await mailOwnerUid(host);
  // the customer's notice on a trip: the subscription from the inventory, the notify policy, the outbox
  const inventory = new InventoryCache(async () => {
    const r = await loadInventory(host, { vhostsRoot: null, confixxRoot: null, staticMap: null }, createLogger(), config);
    for (const w of r.warnings) log(`watch: inventory: ${w}`);
    return r.subscriptions;
  });
  let ownStore = null as ReturnType<typeof openStore> | null;
  const notifier = new TripNotifier({
    config: notify,
    // the UI's store when it exists (openCliActEngine opened it), else the outbox is created
    openStore: () => store ?? (ownStore = openStore(config.store.path)),
    subscriptions: () => inventory.get(),
    transport: () => createTransport(notify!),
    host: host.name,
    log,
  });
  const breaker = new Breaker({
    policy,
    engine,
    trips,
    exempt: { uids: new Set([0, ...(owner === null ? [] : [owner])]) },
    notice: (t, s) => notifier.notice(t, s),
    resellerOf: resellerFromInventory(inventory),
    alert: (t) => alertAdmin(t, { policy, log }),
    log,
  });

  const dnsbl = new DnsblWatch(host, policy, join(stateDir, 'dnsbl.json'), async (changes) => {
    for (const c of changes) log(`watch: blocklist ${c.list}: ${c.address} ${c.from} -> ${c.to}${c.meaning.length ? ` (${c.meaning.join('; ')})` : ''}`);
    await sendAlert(dnsblAlertText(changes), { policy, log });
  });
  if (sub === 'dnsbl') {
    if (policy.dnsbl.zones.length === 0) throw new SpamtraceError('E_USAGE', 'watch dnsbl: the policy lists no DNSBL zones (dnsbl.zones)');
    const s: DnsblStatus = await dnsbl.check();
    io.stdout.write(v.json ? JSON.stringify(s) + '\n' : safe(renderDnsbl(s)));
    return s.results.some((r) => r.state === 'listed') ? 1 : 0;
  }

  if (sub === 'release') {
    const id = rest[0];
    if (!id || !/^trip-[0-9TZ]+-[0-9a-f]{6}$/.test(id)) throw new SpamtraceError('E_USAGE', 'watch release TRIP_ID (from "spamtrace watch trips")');
    const trip = (await trips.read()).find((t) => t.id === id);
    if (!trip) throw new SpamtraceError('E_USAGE', `watch release: no trip ${id} in ${trips.path}`);
    if (trip.released) throw new SpamtraceError('E_USAGE', `watch release: ${id} was released at ${trip.released.at} by ${trip.released.by}`);
    const undone = await breaker.release(trip, (io.env.SUDO_USER ?? userInfo().username).slice(0, 64));
    for (const a of undone) io.stdout.write(safe(`${a.ok ? 'undone' : 'NOT undone'}: ${a.action} ${a.target} [${a.id}] ${a.notes.join('; ')}\n`));
    io.stdout.write(`released ${id} (${trip.source})\n`);
    return undone.every((a) => a.ok) ? 0 : 1;
  }

  // Postfix's own maillog_file when set (asked, not assumed), else the config's list
  const logSettings = await readPostfixLogSettings(host);
  const maillog = v.maillog ?? [...(logSettings.maillogFile ? [logSettings.maillogFile] : []), ...config.mailLogs].find((p) => existsSync(p));
  if (!maillog) throw new SpamtraceError('E_MAILLOG', `watch: no mail log found (tried ${config.mailLogs.join(', ')}); name one with --maillog`);
  await breaker.restore();
  // the inventory names customers (notices) and resellers (their own thresholds)
  if (notify || Object.keys(policy.resellers).length > 0) inventory.warm();
  const follower = new LogFollower({ path: maillog, statePath: join(stateDir, 'position.json'), startAt: v['from-start'] ? 'start' : 'end' });
  // who speaks SMTP to 127.0.0.1: the policy service (not for a one-shot run)
  const owners = v.once ? null : await startPolicyService(v['policy-listen'], stateDir, log, new Set([0, ...(owner === null ? [] : [owner])]));
  const service = new WatchService({
    follower, breaker, policy, statusPath: join(stateDir, 'status.json'), log, syslogName: logSettings.syslogName,
    ...(owners ? { ownerOf: (id: string) => owners.ownerOf(id) } : {}),
  });
  log(`watch: following ${maillog} (${policy.mode}${policy.mode === 'dry-run' ? ': nothing is changed, trips are reported' : ''}), window ${policy.windowMinutes} min, state ${stateDir}`);
  for (const n of follower.notes) log(`watch: ${n.text}`);

  if (v.once) {
    const t = await service.step(true);
    await follower.close();
    await notifier.idle();
    ownStore?.close();
    store?.close();
    return t.length > 0 ? 1 : 0;
  }
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  io.signal?.addEventListener('abort', stop);
  let notesSeen = follower.notes.length;
  try {
    while (!controller.signal.aborted) {
      try {
        dnsbl.tick();
        await service.step();
      } catch (e) {
        // one bad poll (a file vanished mid-read, an action that threw) must not end the watch
        log(`watch: step failed: ${(e as Error).message}`);
      }
      for (const n of follower.notes.slice(notesSeen)) log(`watch: ${n.text}`);
      notesSeen = follower.notes.length;
      await sleep(pollMs, controller.signal);
    }
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    await follower.save().catch(() => undefined);
    await follower.close();
    await owners?.close();
    await dnsbl.idle();
    await notifier.idle();
    ownStore?.close();
    store?.close();
  }
  log('watch: stopped');
  return 0;
}

/**
 * Starts the policy service; a port that is taken (another watcher) or a bad address is logged
 * and the watch goes on without it: the log is still followed, loopback stays client:127.0.0.1.
 */
async function startPolicyService(listen: string | undefined, stateDir: string, log: (line: string) => void, trustedUids: ReadonlySet<number>): Promise<PolicyService | null> {
  if (listen === 'off') return null;
  let host = DEFAULT_POLICY_LISTEN.host;
  let port = DEFAULT_POLICY_LISTEN.port;
  if (listen !== undefined) {
    const m = /^(?:(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\]):)?(\d{1,5})$/.exec(listen);
    if (!m || Number(m[2]) > 65535) throw new SpamtraceError('E_USAGE', '--policy-listen takes 127.0.0.1:PORT, PORT or off');
    host = (m[1] ?? host).replace(/^\[|\]$/g, '');
    port = Number(m[2]);
  }
  const writer = new OwnerLogWriter(join(stateDir, 'smtp-owners.jsonl'), undefined, log);
  // smtpd runs as mail_owner: a request from any other local account is answered but not believed
  const service = new PolicyService({ writer, log, trustedUids });
  try {
    const at = await service.listen(host, port);
    log(`watch: policy service on ${at.host}:${at.port} (answers DUNNO; records the uid of SMTP connections from loopback in ${writer.path})`);
    return service;
  } catch (e) {
    log(`watch: policy service not started on ${host}:${port}: ${(e as Error).message}; loopback SMTP sources stay client:127.0.0.1`);
    return null;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export function renderTrip(t: TripView): string {
  const head = `${t.id}  ${t.at}  ${t.state.toUpperCase()}${t.released ? ` (released ${t.released.at} by ${t.released.by})` : ''}  ${t.source}`;
  const lines = [
    head,
    `  ${t.cause === 'spam' ? `verdict spam, score ${t.score}` : `rate ${t.rate.messages} messages / ${t.rate.recipients} recipients per minute`}; ` +
      `${t.messages} messages to ${t.recipients} recipients in the window; tripped ${t.secondsFromFirstMessage ?? '?'} s after the first`,
    ...t.reasons.slice(0, 4).map((r) => `  why: ${r}`),
    ...[...t.actions, ...t.followUps].map((a) => `  ${a.ok ? 'ok  ' : 'FAIL'} ${a.action} ${a.target}${a.id ? ` [${a.id}]` : ''}: ${a.notes[0] ?? ''}`),
  ];
  return lines.join('\n') + '\n';
}

function renderStatus(s: ReturnType<WatchService['status']>): string {
  const out = [`${s.at}  mode ${s.mode}  ${s.linesFollowed} lines followed, ${s.openMessages} open messages`];
  for (const x of s.sources) {
    out.push(`  ${x.verdict.padEnd(10)} ${String(x.score).padStart(3)}  ${x.id}: ${x.messages} messages, ${x.perMinute.messages}/min${x.tripped ? ', TRIPPED' : ''}${x.exemption ? ` (${x.exemption})` : ''}`);
  }
  return out.join('\n') + '\n';
}

/** A file the watcher keeps exists and is recent: for the UI. */
export function statusAge(stateDir: string): number | null {
  try {
    return Date.now() - statSync(join(stateDir, 'status.json')).mtimeMs;
  } catch {
    return null;
  }
}
