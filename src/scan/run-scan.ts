/**
 * One scan: collect the queue (live or offline), trace every message to its origin,
 * resolve uids to accounts, and judge each source. Collectors and tracer never call
 * each other; this is the only place that joins them.
 */
import type { Report } from '../domain/report';
import type { QueueListingEntry, QueuedMessage, QueueName } from '../domain/queue';
import type { Host } from '../host/host';
import type { Logger } from '../log';
import type { Progress, ScanInput } from './scan-options';
import { SpamtraceError } from '../errors';
import { collectQueue } from '../collect/queue/queue-collector';
import { lookupUids, MapUserDirectory, readPasswdFile } from '../collect/users/passwd';
import { SkipTally } from '../collect/skip-tally';
import { ORIGIN_READS, originOfQueued } from '../trace/queued-origin';
import { withSocketOwner } from '../trace/origin';
import type { SocketOwners } from '../domain/smtp-owner';
import { DEFAULT_SMTP_OWNER_LOG, readSmtpOwners, smtpOwnerFiles } from '../collect/smtp-owners/smtp-owner-log';
import { bySeverity, SourceTracer } from '../trace/source-tracer';
import { applyEvidence } from '../trace/evidence-verdict';
import type { TraceMessage } from '../trace/trace-message';
import { detach } from '../trace/detach';
import type { Subscription } from '../domain/subscription';
import type { SpamtraceConfig } from '../config/config-types';
import { subscriptionIndex } from '../inventory/subscription-index';
import { assessLogins } from './assess-logins';
import { sourceSubscription, subscriptionOf } from './attach-subscription';
import { loadInventory } from './inventory-stage';
import { readMailLogInto } from './maillog-stage';
import { hostedDomains } from './hosted-stage';
import { QueuedMessages } from './queued-index';
import { NO_POSTFIX_LOG_SETTINGS, readPostfixLogSettings } from '../collect/maillog';
import { SubmissionLog } from './submission-log';
import { correlateWebLogs } from './web-stage';
import { prefetchWebLogs } from './web-prefetch';
import { attributeLoopbackSources } from './loopback-stage';
import { dnsblOffline, dnsblState } from './dnsbl-stage';
import { DEFAULT_CONFIG } from '../config/config-types';
import { LocalHost } from '../host/local-host';
import { localInterfaces, OUTBOUND_PARAMETERS } from '../dnsbl/outbound-ips';
import { PostconfValues } from '../collect/postconf-values';
import { DOMAIN_PARAMETERS } from '../collect/hosted/postfix-domains';
import { QUEUE_PARAMETERS } from '../collect/queue/queue-collector';
import { LOG_SETTING_PARAMETERS } from '../collect/maillog/postfix-log-settings';

export interface ScanDeps {
  host: Host;
  logger: Logger;
  progress: Progress;
  now: () => Date;
  /** the loaded configuration (panel choice, roots, mail logs); absent: defaults, panel auto */
  config?: Readonly<SpamtraceConfig> | null;
}

export async function runScan(options: ScanInput, deps: ScanDeps): Promise<Report> {
  const { host, logger, progress } = deps;
  const offline = options.queueFile !== null || options.postcatFile !== null;
  const readsQueue = options.queue;
  if (readsQueue && !offline && (await host.effectiveUid()) !== 0) {
    throw new SpamtraceError(
      'E_NOT_ROOT',
      'reading the Postfix queue needs root: run "sudo spamtrace scan", or save "postqueue -j" and "postcat -e -h -q ID..." output as root and pass --queue-file/--postcat-file',
    );
  }
  const started = Date.now();
  const wantsLog = options.since !== null || options.mailLogs !== null;
  // every main.cf parameter the stages below read, asked from Postfix at once (SSH: one
  // round trip and one postconf on the server, not one per stage)
  const postconf = offline ? undefined : new PostconfValues(host, 60_000);
  postconf?.want([...DOMAIN_PARAMETERS, ...OUTBOUND_PARAMETERS, ...(readsQueue ? QUEUE_PARAMETERS : []), ...(wantsLog ? LOG_SETTING_PARAMETERS : [])]);
  // Who owns what, and which domains are hosted here (on this server, or wherever the
  // admin pointed us): before any message, so inbound mail is told apart as it streams by.
  // the policy service's record is looked at later: its stats go along with the first prefetch
  const ownerLogPath = ownerLogPathOf(options, offline);
  if (ownerLogPath !== null) await host.prefetch?.({ stat: smtpOwnerFiles(ownerLogPath), withNext: true });
  const inventoryWanted = !offline || options.vhostsRoot !== null || options.confixxRoot !== null || options.staticMap !== null;
  const inventory = inventoryWanted ? await loadInventory(host, options, logger, deps.config ?? null, !offline) : null;
  const direction = await hostedDomains(host, !offline, inventory?.subscriptions ?? [], postconf);
  const tracer = new SourceTracer(direction.hosted);
  const submissions = new SubmissionLog();
  const sourceOf = new QueuedMessages();
  // who spoke SMTP to 127.0.0.1, by queue ID: the policy service's record (read before any message)
  const ownerSkips = new SkipTally();
  const ownerLog = await readOwnerLog(host, options, offline, ownerSkips, logger);
  const owners = ownerLog?.index;
  const queue = readsQueue ? await readQueueInto(options, offline, deps, postconf, { tracer, submissions, sourceOf, ...(owners ? { owners } : {}) }) : null;
  const skipped: SkipTally = queue?.skipped ?? new SkipTally();
  for (const x of ownerSkips.list()) skipped.add(x.what, x.reason, x.count);

  // History: what the queue no longer holds, merged by queue ID and time.
  const mailLog = wantsLog
    ? await readMailLogInto(
        host,
        {
          paths: options.mailLogs,
          defaultPaths: deps.config?.mailLogs ?? null,
          since: options.since,
          until: options.until,
          now: deps.now(),
          // saved output may come from another server: its Postfix is not asked
          postfix: offline ? NO_POSTFIX_LOG_SETTINGS : await readPostfixLogSettings(host, undefined, postconf),
          // syslog writes wall-clock times without a zone: the scanned host's (over SSH, not ours)
          utcOffsetMinutes: offline ? null : ((await host.utcOffsetMinutes?.()) ?? null),
        },
        { tracer, submissions, queued: sourceOf, ...(owners ? { owners } : {}) },
        skipped,
        progress,
      )
    : null;

  // Offline output may come from another server: its uids mean nothing here.
  const users = options.passwdFile
    ? await readPasswdFile(host, options.passwdFile, skipped)
    : offline
      ? new MapUserDirectory([])
      : await lookupUids(host, tracer.localUids(), skipped);
  const sources = tracer.finish(users);

  const index = subscriptionIndex(inventory?.subscriptions ?? []);
  const subOf = new Map<string, Subscription | null>();
  for (const s of sources) {
    const sub = subscriptionOf(s, index);
    subOf.set(s.id, sub);
    s.subscription = sub ? sourceSubscription(sub) : null;
  }
  // every access log both web stages below will filter, announced at once (SSH: one run)
  if (inventory && options.webLogs) await prefetchWebLogs(host, sources, (s) => subOf.get(s.id) ?? null, inventory.subscriptions, submissions);
  const web =
    inventory && options.webLogs
      ? await correlateWebLogs(host, sources, (s) => subOf.get(s.id) ?? null, submissions, users, { logger, progress, skipped })
      : null;
  if (inventory && options.webLogs) await attributeLoopbackSources(host, sources, inventory.subscriptions, submissions, users, { logger, progress, skipped });
  assessLogins(sources, mailLog?.failures ?? [], submissions);
  for (const s of sources) applyEvidence(s);
  sources.sort(bySeverity);

  // the blocklist state of this server's outbound addresses (cached answers, or asked when configured)
  const dnsbl = offline
    ? dnsblOffline()
    : await dnsblState(host, {
        config: deps.config?.dnsbl ?? DEFAULT_CONFIG.dnsbl,
        interfaces: host instanceof LocalHost ? localInterfaces() : [],
        now: deps.now(),
        ...(postconf ? { postconf } : {}),
      }).catch((e: Error) => {
        logger.warn('blocklist check failed', { code: 'DNSBL_FAILED', error: e.message });
        return { ...dnsblOffline(), note: `not checked: ${e.message}` };
      });

  const examined = queue?.examined ?? 0;
  const total = queue?.total ?? 0;
  logger.info('scan finished', { code: 'SCAN_DONE', messages: total, examined, sources: sources.length, ms: Date.now() - started });
  const warnings = [...(ownerLog?.warnings ?? []), ...(queue?.warnings ?? []), ...(inventory?.warnings.slice(0, 20) ?? []), ...direction.warnings.slice(0, 5)];
  // An empty or foreign file is not an empty queue: say so rather than "no spam".
  if (offline && readsQueue && total === 0) warnings.push('no queued message was found in the given files: are they postqueue/postcat output?');
  return {
    version: 1,
    host: host.name,
    generatedAt: deps.now().toISOString(),
    input: {
      mode: offline ? 'offline' : 'live',
      queueSource: queue?.queueSource ?? 'not read (--no-queue)',
      postcat: offline ? options.postcatFile !== null : readsQueue,
    },
    postfix: { version: queue?.postfixVersion ?? null },
    queue: { total, byQueue: queue?.byQueue ?? {}, examined, reportedTotal: queue?.reportedTotal ?? null },
    window: { since: options.since?.toISOString() ?? null, until: options.until?.toISOString() ?? null },
    mailLog: mailLog?.summary ?? null,
    webLogs: web ? { sourcesCorrelated: web.sourcesCorrelated, ...web.stats } : null,
    hosted: direction.summary,
    inventory: inventory ? { source: inventory.source, subscriptions: inventory.subscriptions.length, warnings: inventory.warnings.length } : null,
    dnsbl,
    skipped: skipped.list(),
    warnings,
    sources,
  };
}

interface QueueStage {
  skipped: SkipTally;
  examined: number;
  total: number;
  byQueue: Partial<Record<QueueName, number>>;
  queueSource: string;
  postfixVersion: string | null;
  reportedTotal: number | null;
  warnings: string[];
}

async function readQueueInto(
  options: ScanInput,
  offline: boolean,
  deps: ScanDeps,
  postconf: PostconfValues | undefined,
  sink: { tracer: SourceTracer; submissions: SubmissionLog; sourceOf: QueuedMessages; owners?: SocketOwners },
): Promise<QueueStage> {
  const { tracer, submissions, sourceOf } = sink;
  const byQueue: Partial<Record<QueueName, number>> = {};
  const count = (q: QueueName): void => {
    byQueue[q] = (byQueue[q] ?? 0) + 1;
  };
  // a live remote host's year-less times (postqueue -p, postcat) are in its zone, not ours
  const remoteZone = offline ? null : ((await deps.host.utcOffsetMinutes?.()) ?? null);
  // Live, the listing streams by: only its delay reasons stay (one interned string per
  // distinct text), to be added in listing order once every message is traced.
  const listedReasons: { id: string; reasons: string[] }[] = [];
  const interned = new Map<string, string>();
  const intern = (t: string): string => {
    const seen = interned.get(t);
    if (seen !== undefined) return seen;
    interned.set(t, t);
    return t;
  };
  const collection = await collectQueue(
    deps.host,
    offline ? { mode: 'offline', queueFile: options.queueFile, postcatFile: options.postcatFile } : { mode: 'live' },
    {
      batchSize: options.batchSize,
      now: deps.now(),
      ...(remoteZone !== null ? { utcOffsetMinutes: remoteZone } : {}),
      onProgress: (done, total) => deps.progress.update(done, total, 'examined messages'),
      early: true,
      ...(postconf ? { postconf } : {}),
      listingForDelayReasonsOnly: true,
      // only what toTraceMessage reads of each message is decoded
      reads: ORIGIN_READS,
      onListed: (e) => {
        const reasons = delayReasonsOf(e);
        if (reasons.length > 0) listedReasons.push({ id: e.queueId, reasons: reasons.map(intern) });
      },
    },
  );
  // Messages are traced as postcat delivers them, while postqueue may still be listing;
  // their delay reasons (from the listing) are added once it is complete.
  for await (const batch of collection.batches) {
    for (const m of batch) {
      // A saved postcat file may hold the same message twice (pasted twice): count it once.
      if (sourceOf.has(m.queueId)) {
        collection.skipped.add('postcat output', 'the same message given twice: counted once');
        continue;
      }
      count(m.queueName);
      const tm = toTraceMessage(m, collection.mailOwnerUid ?? null);
      if (sink.owners) tm.origin = withSocketOwner(tm.origin, sink.owners.ownerOf(m.queueId, m.arrivalTime));
      const key = tracer.add(tm);
      sourceOf.set(detach(m.queueId), { key, arrival: m.arrivalTime?.getTime() ?? null, recipients: m.recipients.length });
      submissions.record(key, tm);
    }
  }
  await collection.listed;
  const examined = sourceOf.size;
  let total = examined;
  // Live: a listed message without postcat output left the queue (the collector counted it).
  for (const { id, reasons } of listedReasons) {
    const key = sourceOf.get(id)?.key;
    if (key !== undefined) tracer.addDelayReasons(key, reasons);
  }
  for (const entry of collection.listing) {
    const ref = sourceOf.get(entry.queueId);
    if (ref !== undefined) {
      tracer.addDelayReasons(ref.key, delayReasonsOf(entry));
      tracer.addListingOf(ref.key, { sender: entry.sender, recipients: entry.recipients.map((r) => r.address) }, ref.recipients ?? 0);
      continue;
    }
    // Live: it left the queue between listing and postcat (the collector counted it).
    if (!offline) continue;
    // Offline: listed without postcat output; the tracer decides where it belongs.
    total += 1;
    count(entry.queueName);
    tracer.addUnexamined(listingOnly(entry));
  }
  if (offline && options.postcatFile === null && collection.listing.length > 0) {
    collection.skipped.add('message', 'listed only: no postcat output given (--postcat-file), origin unknown', collection.listing.length);
  }
  return {
    skipped: collection.skipped,
    examined,
    total,
    byQueue,
    queueSource: collection.queueSource,
    postfixVersion: collection.postfixVersion,
    reportedTotal: collection.reportedTotal ?? null,
    warnings: collection.warnings,
  };
}

/**
 * The policy service's record, when there is one to read: on a live scan the default file
 * (or --smtp-owners), offline only when named. A missing file is simply no record.
 */
async function readOwnerLog(host: Host, options: ScanInput, offline: boolean, skipped: SkipTally, logger: Logger): Promise<{ index: SocketOwners; warnings: string[] } | null> {
  const path = ownerLogPathOf(options, offline);
  if (path === null) return null;
  const r = await readSmtpOwners(host, path, skipped);
  if (r.files.length > 0) logger.info('smtp-owner record read', { code: 'SCAN_SMTP_OWNERS', files: r.files, entries: r.index.size });
  return r.index.size > 0 || r.warnings.length > 0 ? { index: r.index, warnings: r.warnings.map((w) => `smtp-owner record: ${w}`) } : null;
}

/** The policy service's record to read: on a live scan the default file (or --smtp-owners), offline only when named. */
function ownerLogPathOf(options: ScanInput, offline: boolean): string | null {
  return options.smtpOwners === undefined ? (offline ? null : DEFAULT_SMTP_OWNER_LOG) : options.smtpOwners;
}

function delayReasonsOf(e: QueueListingEntry): string[] {
  return e.recipients.flatMap((r) => (r.delayReason ? [r.delayReason] : []));
}

function toTraceMessage(m: QueuedMessage, mailOwnerUid: number | null): TraceMessage {
  const { origin, fields: f } = originOfQueued(m, mailOwnerUid);
  return {
    queueId: m.queueId,
    queueName: m.queueName,
    arrivalTime: m.arrivalTime,
    sender: m.sender,
    recipients: m.recipients.map((r) => r.address),
    delayReasons: [],
    origin,
    fromAddress: f.fromAddress,
    subject: f.subject,
    listUnsubscribe: f.listUnsubscribe,
    examined: true,
  };
}

function listingOnly(e: QueueListingEntry): TraceMessage {
  return {
    queueId: e.queueId,
    queueName: e.queueName,
    arrivalTime: e.arrivalTime,
    sender: e.sender,
    recipients: e.recipients.map((r) => r.address),
    delayReasons: delayReasonsOf(e),
    origin: { kind: 'unknown', why: 'not examined (only listed)' },
    fromAddress: null,
    subject: null,
    listUnsubscribe: false,
    examined: false,
  };
}
