/** The command line: --help text and the options, validated once. */
import { parseArgs } from 'node:util';
import { DEFAULT_BATCH_SIZE } from '../src/collect/queue/postcat-batch';
import { UsageError } from './errors';
import { TARGET_A_OVER_OURS, TARGET_OURS_OVER_B } from './targets';

export const HELP = `Usage: npm run bench:queue -- [options]
       node dist/bench/scan-bench.js [options]

Fills a Postfix queue with N messages (once: the bench's own Postfix instance keeps it, see
bench/README.md; or the lab's, with --fill hold|deferred) and measures, in the same run:

  ours  spamtrace scan --json                    (node dist/src/cli.js scan --json)
  (b)   postqueue -j, then postcat -e -h -q ID... in batches of ${DEFAULT_BATCH_SIZE}, output to /dev/null
  (a)   one postcat -e -h -q ID process per message, output to /dev/null

Prints wall seconds, peak RSS and the ratios against the targets
(ours <= ${TARGET_OURS_OVER_B}x (b), (a) >= ${TARGET_A_OVER_OURS}x ours); writes bench/results/latest.json.

Options:
  --messages N             queue size to fill to (default 20000; at least this many are measured)
  --fill instance|hold|deferred
                           where and how the queue is filled (default instance): instance =
                           the bench's own Postfix instance /etc/postfix-bench-N (no lab, no
                           lab lock; filled once over SMTP, everything held, kept between
                           runs: stopped afterwards, spool left); hold = the lab Postfix, SMTP
                           to a private smtpd listener whose restrictions put every message on hold
                           (~450 messages/s; local sources through sendmail, capped at 300,
                           then held); deferred = the lab's normal fill, every message tried
                           once against the fake MX and deferred (slow: 20-50 messages/s)
  --runs K                 runs of ours and of (b); the median is reported (default 3)
  --per-message-sample N   time (a) over N queue IDs only and extrapolate to the whole
                           queue (0: every message; default: every message up to 25,000,
                           a sample of 2,000 above)
  --reuse                  (lab fills) keep a queue that already holds >= N messages (top it up if it
                           holds fewer) instead of flushing it and filling it again
  --keep                   leave the lab (or the instance) up afterwards (for --reuse)
  --fill-only              fill the queue (as --fill says) and stop: nothing is measured
  --cpu-prof               after the measurements, one more (unmeasured) run of ours under
                           node --cpu-prof: the profile goes to bench/results/ and the
                           functions and files with the most self time are printed
  -h, --help               this text

Needs root, Postfix (postfix, sasl2-bin, libsasl2-modules) and GNU time (package "time").
Exit status: 0 the benchmark ran (targets may be MISSED: read the output), 1 the benchmark
is broken (invalid measurement), 2 usage error or missing prerequisites.
`;

export interface BenchOptions {
  messages: number;
  runs: number;
  sample: number;
  fill: 'instance' | 'hold' | 'deferred';
  reuse: boolean;
  keep: boolean;
  cpuProf: boolean;
  fillOnly: boolean;
}

export function parseOptions(argv: string[]): BenchOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        messages: { type: 'string' },
        fill: { type: 'string' },
        runs: { type: 'string' },
        'per-message-sample': { type: 'string' },
        reuse: { type: 'boolean' },
        keep: { type: 'boolean' },
        'cpu-prof': { type: 'boolean' },
        'fill-only': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  if (v.help) return 'help';
  const int = (name: string, value: string | undefined, def: number, min: number, max: number): number => {
    if (value === undefined) return def;
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new UsageError(`--${name} takes a whole number from ${min} to ${max} (got ${JSON.stringify(value)})`);
    }
    return n;
  };
  const fill = v.fill ?? 'instance';
  if (fill !== 'instance' && fill !== 'hold' && fill !== 'deferred') throw new UsageError(`--fill takes instance, hold or deferred (got ${JSON.stringify(fill)})`);
  const messages = int('messages', v.messages, 20000, 1, 1_000_000);
  return {
    messages,
    fill,
    runs: int('runs', v.runs, 3, 1, 50),
    sample: int('per-message-sample', v['per-message-sample'], messages > 25_000 ? 2000 : 0, 0, 1_000_000),
    reuse: Boolean(v.reuse),
    keep: Boolean(v.keep),
    cpuProf: Boolean(v['cpu-prof']),
    fillOnly: Boolean(v['fill-only']),
  };
}
