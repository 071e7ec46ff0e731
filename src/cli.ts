#!/usr/bin/env node
/**
 * spamtrace command line. Subcommands live in src/cli/, one file each; this file only
 * dispatches and turns errors into one line with a stable code (exit 2).
 */
import { isSpamtraceError, SpamtraceError } from './errors';
import { defaultHeapLimitMb, scanHeapLimitMb } from './cli/heap-limit';
import { scanUnderHeapLimit, type ScanInputFiles } from './cli/heap-retry';

const HELP = `Usage: spamtrace <command> [options]

Commands:
  scan      trace the Postfix queue to its senders (spamtrace scan --help)
  config    print the configuration, or check it with notify.json and the fleet file
            (spamtrace config --help)
  serve     the panel UI: overview, subscriptions, actions, audit (spamtrace serve --help)
  act       contain a source: plan, apply, undo, list, status (spamtrace act --help)
  notify    customer notices: preview, send, list, approve (spamtrace notify --help)
  watch     follow the mail log, trip the breaker on a spam run (spamtrace watch --help)

Run "spamtrace scan" as root on a Postfix server, or offline with saved
postqueue/postcat output: spamtrace scan --queue-file mailq.txt --postcat-file postcat.txt
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  // Each command's code is loaded when it runs: a scan does not pay for the web UI's.
  switch (command) {
    case 'scan': {
      const nodeDefault = defaultHeapLimitMb();
      const mb = scanHeapLimitMb(rest, process.env, process.execArgv, nodeDefault);
      if (mb !== null) {
        // this file, not process.argv[1]: under a wrapper script or `node -e` that is not the CLI
        const status = await scanUnderHeapLimit(mb, __filename, argv, { env: process.env, defaultLimitMb: nodeDefault, inputs: () => scanInputFiles(rest) });
        // null: not started, or out of the default heap and to be run again here without it
        if (status !== null) return status;
      }
      return (await import('./cli/scan-command')).scanCommand(rest);
    }
    case 'config':
      return (await import('./cli/config-command')).configCommand(rest);
    case 'serve':
      return (await import('./cli/serve-command')).serveCommand(rest);
    case 'act':
      return (await import('./cli/act-command')).actCommand(rest);
    case 'notify':
      return (await import('./cli/notify-command')).notifyCommand(rest);
    case 'watch':
      return (await import('./cli/watch-command')).watchCommand(rest);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(HELP);
      return command === undefined ? 2 : 0;
    default:
      throw new SpamtraceError('E_USAGE', `unknown command "${command}" (see spamtrace --help)`);
  }
}

/**
 * The files a scan with these options reads, for heap-retry.ts; null when they do not
 * parse (a fleet scan's do not: it is never run again, its limit is always the user's).
 */
async function scanInputFiles(rest: string[]): Promise<ScanInputFiles | null> {
  try {
    return (await import('./cli/scan-args')).parseScanArgs(rest);
  } catch {
    return null;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (isSpamtraceError(e)) {
      process.stderr.write(`spamtrace: ${e.code}: ${e.message}\n`);
    } else {
      // Not our words: say so in one line; the stack only with SPAMTRACE_DEBUG=1.
      process.stderr.write(`spamtrace: E_INTERNAL: ${(e as Error)?.message ?? String(e)}\n`);
      if (process.env.SPAMTRACE_DEBUG) process.stderr.write(`${(e as Error)?.stack ?? ''}\n`);
    }
    // Do not wait for postcat runs read ahead or a listing still under way: the scan failed.
    process.exit(2);
  },
);
