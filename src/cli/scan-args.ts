/** `spamtrace scan` options: parsed once, validated, frozen. */
import { join } from 'node:path';
import { packageRoot } from '../package-root';
import { DEFAULT_BATCH_SIZE } from '../collect/queue/postcat-batch';
import { parseArgs } from 'node:util';
import { SpamtraceError } from '../errors';

export interface ScanOptions {
  json: boolean;
  all: boolean;
  queueFile: string | null;
  postcatFile: string | null;
  passwdFile: string | null;
  batchSize: number;
  progress: boolean | 'auto';
  logLevel: string;
  help: boolean;
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
  --batch-size N         queue IDs per postcat process (default 2000, 1-5000)
  --progress / --no-progress
                         progress on stderr (default: when the scan runs long)
  --log-level LEVEL      error, warn, info or debug (default warn); logs go to stderr
  -h, --help             this text

Exit codes: 0 no spam source found, 1 spam source found, 2 error.
`;

export function parseScanArgs(argv: string[]): Readonly<ScanOptions> {
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
  });
}
