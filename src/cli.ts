#!/usr/bin/env node
/**
 * spamtrace command line. Subcommands live in src/cli/, one file each; this file only
 * dispatches and turns errors into one line with a stable code (exit 2).
 */
import { isSpamtraceError, SpamtraceError } from './errors';
import { scanCommand } from './cli/scan-command';
import { configCommand } from './cli/config-command';
import { notifyCommand } from './cli/notify-command';
import { actCommand } from './cli/act-command';
import { serveCommand } from './cli/serve-command';
import { watchCommand } from './cli/watch-command';

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
  switch (command) {
    case 'scan':
      return scanCommand(rest);
    case 'config':
      return configCommand(rest);
    case 'serve':
      return serveCommand(rest);
    case 'act':
      return actCommand(rest);
    case 'notify':
      return notifyCommand(rest);
    case 'watch':
      return watchCommand(rest);
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
