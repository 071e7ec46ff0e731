/** `spamtrace scan` options: parsed once, validated, frozen. */
import { join } from 'node:path';
import { packageRoot } from '../package-root';
import { DEFAULT_BATCH_SIZE } from '../collect/queue/postcat-batch';
import { parseArgs } from 'node:util';
import { SpamtraceError } from '../errors';
import { parseTimeArg } from './time-window';
import type { ScanInput } from '../scan/scan-options';

/** The scan command's options: the pipeline's input plus what only the command line has. */
export interface ScanOptions extends ScanInput {
  json: boolean;
  all: boolean;
  progress: boolean | 'auto';
  logLevel: string;
  help: boolean;
  /** --config FILE; null: $SPAMTRACE_CONFIG or /etc/spamtrace/spamtrace.json when present */
  configPath: string | null;
  /** --store (or --db): keep the report in the store the UI reads */
  store: boolean;
  /** --db FILE; null: store.path of the config, the store `serve` opens */
  db: string | null;
}

export const SCAN_HELP = `Usage: spamtrace scan [options]

Reads the Postfix queue, finds out where each message came from (local uid,
SMTP AUTH login, SMTP client) and judges every source: spam, suspicious or normal.

Live mode (default) runs postqueue -j (postqueue -p on Postfix < 3.1) and batched
postcat -e -h -q as root. Offline mode reads saved output instead.

Options:
  --json                 print the report as JSON (schema/report.v1.schema.json)
  --all                  list every normal source in the text report
  --demo                 scan the bundled example (the seed article's mailq, postcat and
                         passwd output) offline: shows real output on any machine
  --queue-file FILE      offline: saved "postqueue -j" or "postqueue -p"/"mailq" output
  --postcat-file FILE    offline: concatenated "postcat -q ID" or "postcat -e -h -q ID..." output
                         (alone or with --queue-file; listed messages without postcat output
                         are counted under the source that sent from the same domain)
  --passwd-file FILE     resolve uids from this passwd file instead of "getent passwd"

History and web logs:
  --since WHEN           also read the mail log from WHEN on: a duration back from now
                         (30m, 24h, 7d) or a time (2026-11-28T06:30); finds what was already
                         delivered, and works on a flushed queue; also bounds the web logs
  --until WHEN           end of that window (default: now)
  --no-queue             read the mail log only (needs --since); the queue is not touched
  --maillog FILE         mail log to read (repeatable; rotated .N, .gz and -YYYYMMDD files
                         beside it are read too); default: Postfix's own maillog_file
                         (postconf), then /var/log/mail.log, /var/log/maillog,
                         /usr/local/psa/var/log/maillog, whichever exist
  --no-weblogs           do not read access logs to find the scripts behind a local uid
  --vhosts-root DIR      Plesk vhosts directory (default /var/www/vhosts)
  --confixx-root DIR     Confixx customer base directory (default /var/www)
  --static-map FILE      subscriptions from a JSON mapping file (servers without a panel)
  --smtp-owners FILE     the watcher's record of who spoke SMTP to 127.0.0.1 (socket owners, by
                         queue ID; default /var/lib/spamtrace/watch/smtp-owners.jsonl on a live scan)
  --config FILE          configuration (default $SPAMTRACE_CONFIG or /etc/spamtrace/spamtrace.json
                         when present): which panel answers "who owns what" (Plesk API or CLI,
                         Confixx database, filesystem), roots and mail logs
  --store                also keep the report in the store, where "spamtrace serve" (the UI)
                         shows it as the newest scan, with the same findings a UI scan records
  --db FILE              the store for --store (implies --store); default: store.path of the
                         configuration (/var/lib/spamtrace/spamtrace.db), the one serve opens
  --batch-size N         queue IDs per postcat process (default 2000, 1-5000)
  --progress / --no-progress
                         progress on stderr (default: when the scan runs long)
  --log-level LEVEL      error, warn, info or debug (default warn); logs go to stderr
  -h, --help             this text

Exit codes: 0 no spam source found, 1 spam source found, 2 error.

Memory: the scan starts itself again under a V8 heap limit of 256 MB (512 MB with a mail
log; none for --hosts); SPAMTRACE_HEAP_MB=N sets another, SPAMTRACE_HEAP_MB=0 keeps the scan
in one process. A scan that runs out of the default limit is run again once without it
(one line on stderr says so); out of a limit set with SPAMTRACE_HEAP_MB it ends with
E_HEAP_LIMIT, exit 2.
`;

export function parseScanArgs(argv: string[], now: Date = new Date()): Readonly<ScanOptions> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: false,
      strict: true,
      options: {
        json: { type: 'boolean' },
        all: { type: 'boolean' },
        demo: { type: 'boolean' },
        'queue-file': { type: 'string' },
        'postcat-file': { type: 'string' },
        'passwd-file': { type: 'string' },
        'batch-size': { type: 'string' },
        progress: { type: 'boolean' },
        'no-progress': { type: 'boolean' },
        'log-level': { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        'no-queue': { type: 'boolean' },
        maillog: { type: 'string', multiple: true },
        'no-weblogs': { type: 'boolean' },
        'vhosts-root': { type: 'string' },
        'confixx-root': { type: 'string' },
        'static-map': { type: 'string' },
        'smtp-owners': { type: 'string' },
        config: { type: 'string' },
        store: { type: 'boolean' },
        db: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new SpamtraceError('E_USAGE', `${(e as Error).message} (see spamtrace scan --help)`);
  }
  const v = parsed.values;
  const batch = v['batch-size'] === undefined ? DEFAULT_BATCH_SIZE : Number(v['batch-size']);
  if (!Number.isInteger(batch) || batch < 1 || batch > 5000) {
    throw new SpamtraceError('E_USAGE', '--batch-size takes a whole number from 1 to 5000');
  }
  const level = v['log-level'] ?? 'warn';
  if (!['error', 'warn', 'info', 'debug'].includes(level)) {
    throw new SpamtraceError('E_USAGE', '--log-level takes error, warn, info or debug');
  }
  const since = v.since === undefined ? null : parseTimeArg('--since', v.since, now);
  const until = v.until === undefined ? null : parseTimeArg('--until', v.until, now);
  if (until && !since) throw new SpamtraceError('E_USAGE', '--until needs --since');
  if (since && until && until <= since) throw new SpamtraceError('E_USAGE', '--until must be later than --since');
  if (v['no-queue'] && !since) {
    throw new SpamtraceError('E_USAGE', '--no-queue reads the mail log only: say how far back with --since (e.g. --since 24h)');
  }
  if (v['no-queue'] && (v['queue-file'] || v['postcat-file'] || v.demo)) {
    throw new SpamtraceError('E_USAGE', '--no-queue cannot be combined with --queue-file, --postcat-file or --demo');
  }
  if (v.demo) {
    if (v['queue-file'] || v['postcat-file'] || v['passwd-file']) {
      throw new SpamtraceError('E_USAGE', '--demo brings its own files; leave out --queue-file, --postcat-file and --passwd-file');
    }
    const dir = join(packageRoot(), 'examples', 'seed');
    v['queue-file'] = join(dir, 'mailq.txt');
    v['postcat-file'] = join(dir, 'postcat.txt');
    v['passwd-file'] = join(dir, 'passwd');
  }
  return Object.freeze({
    json: Boolean(v.json),
    all: Boolean(v.all),
    queueFile: v['queue-file'] ?? null,
    postcatFile: v['postcat-file'] ?? null,
    passwdFile: v['passwd-file'] ?? null,
    batchSize: batch,
    progress: v['no-progress'] ? false : v.progress ? true : 'auto',
    logLevel: level,
    help: Boolean(v.help),
    since,
    until,
    queue: !v['no-queue'],
    mailLogs: v.maillog ?? null,
    webLogs: !v['no-weblogs'],
    vhostsRoot: v['vhosts-root'] ?? null,
    confixxRoot: v['confixx-root'] ?? null,
    staticMap: v['static-map'] ?? null,
    ...(v['smtp-owners'] !== undefined ? { smtpOwners: v['smtp-owners'] } : {}),
    configPath: v.config ?? null,
    store: Boolean(v.store) || v.db !== undefined,
    db: v.db ?? null,
  });
}
