/** `spamtrace scan`: run the scan, print the report, exit 1 when spam was found. */
import { LocalHost } from '../host/local-host';
import { createLogger } from '../log';
import { renderText } from '../report/render-text';
import { runScan } from '../scan/run-scan';
import { createProgress } from './progress';
import { parseScanArgs, SCAN_HELP } from './scan-args';
import { loadConfig, resolveConfigPath } from '../config/load-config';
import { extractFleetArgs, FLEET_HELP } from './fleet-args';
import { scanMaybeStored } from './stored-scan-command';
import { markSideEffect } from './heap-retry';

export async function scanCommand(argv: string[]): Promise<number> {
  const fleet = extractFleetArgs(argv);
  const options = parseScanArgs(fleet ? fleet.rest : argv);
  if (options.help) {
    process.stdout.write(SCAN_HELP + FLEET_HELP);
    return 0;
  }
  if (fleet) return (await import('./fleet-command')).fleetScanCommand(fleet.fleet, options);
  const logger = createLogger({ level: options.logLevel });
  const progress = createProgress(process.stderr, options.progress);
  const { config } = loadConfig(resolveConfigPath(options.configPath ?? undefined));
  const report = await scanMaybeStored(options, config, progress, (p) => runScan(options, { host: new LocalHost(), logger, progress: p, now: () => new Date(), config }));
  progress.end();
  const text = options.json ? JSON.stringify(report, null, 2) + '\n' : renderText(report, { all: options.all });
  // The scan's only write to stdout, all at once. Marked first: a scan aborted from here on
  // is not run again by the command (heap-retry.ts), the report may be partly out.
  markSideEffect({ kind: 'final', what: 'stdout' });
  process.stdout.write(text);
  return report.sources.some((s) => s.verdict === 'spam') ? 1 : 0;
}
