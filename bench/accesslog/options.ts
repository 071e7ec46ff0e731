/** The access-log bench's command line, validated once. */
import { parseArgs } from 'node:util';
import { UsageError } from '../errors';
import { DEFAULT_DIR } from './dataset';

export const HELP = `Usage: node dist/bench/accesslog-bench.js [--size-mb N] [--dir D] [--runs K]

Measures spamtrace's access-log reader on generated Apache logs (30 daily rotated
access_log.processed.N.gz plus the live access_log, cached in D and generated only when
missing), in the same run as the raw tools:

  (a) ours over the 30 gzip files, methods POST (the fast path), vs
      zcat FILE | grep -c '"POST '  over the same files      target: ours >= 0.8x its MB/s
      also: every line parsed, Host.readChunks alone (zlib), gzip -dc into node
  (b) a one-day window (methods POST) with 1, 10 and 30 older rotated files present:
      the time must not grow with the number of older files

Options:
  --size-mb N   uncompressed size of the data set (default 1024)
  --dir D       where the data set is cached (default ${DEFAULT_DIR})
  --runs K      runs of each measurement, the median is reported (default 3)
  -h, --help    this text
Exit status: 0 measured (a missed target is printed as MISSED), 1 broken benchmark, 2 usage.
`;

export interface AccessLogBenchOptions {
  sizeMb: number;
  dir: string;
  runs: number;
}

function positive(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, not ${JSON.stringify(v)}`);
  return n;
}

export function parseBenchOptions(argv: string[]): AccessLogBenchOptions | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: { 'size-mb': { type: 'string' }, dir: { type: 'string' }, runs: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) return 'help';
  const dir = values.dir ?? DEFAULT_DIR;
  if (!dir.startsWith('/')) throw new UsageError('--dir must be an absolute path');
  return { sizeMb: positive('size-mb', values['size-mb'], 1024), dir, runs: positive('runs', values.runs, 3) };
}
