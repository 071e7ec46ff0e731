/**
 * One scan: collect the queue (live or offline), trace every message to its origin,
 * resolve uids to accounts, and judge each source. Collectors and tracer never call
 * each other; this is the only place that joins them.
 */
import type { Report } from '../domain/report';
import type { QueueListingEntry, QueuedMessage, QueueName } from '../domain/queue';
import type { Host } from '../host/host';
import type { Logger } from '../log';
import type { Progress } from '../cli/progress';
import type { ScanOptions } from '../cli/scan-args';
import { SpamtraceError } from '../errors';
import { collectQueue } from '../collect/queue/queue-collector';
import { deriveMessageFields } from '../collect/queue/message-fields';
import { lookupUids, MapUserDirectory, readPasswdFile } from '../collect/users/passwd';
import { SkipTally } from '../collect/skip-tally';
import { originOf } from '../trace/origin';
import { SourceTracer } from '../trace/source-tracer';
import type { TraceMessage } from '../trace/trace-message';

export interface ScanDeps {
  host: Host;
  logger: Logger;
  progress: Progress;
  now: () => Date;
}

type ScanInput = Pick<ScanOptions, 'queueFile' | 'postcatFile' | 'passwdFile' | 'batchSize'>;

export async function runScan(options: ScanInput, deps: ScanDeps): Promise<Report> {
  const { host, logger, progress } = deps;
  const offline = options.queueFile !== null || options.postcatFile !== null;
  if (!offline && (await host.effectiveUid()) !== 0) {
    throw new SpamtraceError(
      'E_NOT_ROOT',
      'reading the Postfix queue needs root: run "sudo spamtrace scan", or save "postqueue -j" and "postcat -e -h -q ID..." output as root and pass --queue-file/--postcat-file',
    );
  }
  const started = Date.now();
  const collection = await collectQueue(
    host,
    offline ? { mode: 'offline', queueFile: options.queueFile, postcatFile: options.postcatFile } : { mode: 'live' },
    {
      batchSize: options.batchSize,
      now: deps.now(),
      onProgress: (done, total) => progress.update(done, total, 'examined messages'),
      early: true,
    },
  );
  const tracer = new SourceTracer();
  const byQueue: Partial<Record<QueueName, number>> = {};
  const count = (q: QueueName): void => {
    byQueue[q] = (byQueue[q] ?? 0) + 1;
  };
  // Messages are traced as postcat delivers them, while postqueue may still be listing;
  // their delay reasons (from the listing) are added once it is complete.
  const sourceOf = new Map<string, string>();
  for await (const m of collection.messages) {
    // A saved postcat file may hold the same message twice (pasted twice): count it once.
    if (sourceOf.has(m.queueId)) {
      collection.skipped.add('postcat output', 'the same message given twice: counted once');
      continue;
    }
    count(m.queueName);
    sourceOf.set(m.queueId, tracer.add(toTraceMessage(m)));
  }
  await collection.listed;
  const examined = sourceOf.size;
  let total = examined;
  for (const entry of collection.listing) {
    const key = sourceOf.get(entry.queueId);
    if (key !== undefined) {
      tracer.addDelayReasons(key, delayReasonsOf(entry));
      continue;
    }
    // Live: it left the queue between listing and postcat (the collector counted it).
    if (!offline) continue;
    // Offline: listed without postcat output; the tracer decides where it belongs.
    total += 1;
    count(entry.queueName);
    tracer.addUnexamined(listingOnly(entry));
  }
  const skipped: SkipTally = collection.skipped;
  if (offline && options.postcatFile === null && collection.listing.length > 0) {
    skipped.add('message', 'listed only: no postcat output given (--postcat-file), origin unknown', collection.listing.length);
  }
  // Offline output may come from another server: its uids mean nothing here.
  const users = options.passwdFile
    ? await readPasswdFile(host, options.passwdFile, skipped)
    : offline
      ? new MapUserDirectory([])
      : await lookupUids(host, tracer.localUids(), skipped);
  const sources = tracer.finish(users);
  logger.info('scan finished', { code: 'SCAN_DONE', messages: total, examined, sources: sources.length, ms: Date.now() - started });
  return {
    version: 1,
    host: host.name,
    generatedAt: deps.now().toISOString(),
    input: {
      mode: offline ? 'offline' : 'live',
      queueSource: collection.queueSource,
      postcat: offline ? options.postcatFile !== null : true,
    },
    postfix: { version: collection.postfixVersion },
    queue: { total, byQueue, examined, reportedTotal: collection.reportedTotal ?? null },
    skipped: skipped.list(),
    warnings: [
      ...collection.warnings,
      // An empty or foreign file is not an empty queue: say so rather than "no spam".
      ...(offline && total === 0 ? ['no queued message was found in the given files: are they postqueue/postcat output?'] : []),
    ],
    sources,
  };
}

function delayReasonsOf(e: QueueListingEntry): string[] {
  return e.recipients.flatMap((r) => (r.delayReason ? [r.delayReason] : []));
}

function toTraceMessage(m: QueuedMessage): TraceMessage {
  const f = deriveMessageFields(m);
  return {
    queueId: m.queueId,
    queueName: m.queueName,
    arrivalTime: m.arrivalTime,
    sender: m.sender,
    recipients: m.recipients.map((r) => r.address),
    delayReasons: [],
    origin: originOf({ attributes: m.attributes, pickupUid: f.pickupUid, forwardedPickupUid: f.forwardedPickupUid, phpScript: f.phpScript, sender: m.sender }),
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
