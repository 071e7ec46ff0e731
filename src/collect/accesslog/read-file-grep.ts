/**
 * One access-log file read through a Host that filters where the file lives (SSH: `zcat -f
 * | grep -n -F`): only lines holding a needle travel, with their line numbers, so evidence
 * stays exact. Reading stops (and the remote pipeline is closed) once a line lies past the
 * window; lines before it are passed over here.
 */
import type { AccessLogFile, WebRequest } from '../../domain/weblog';
import type { Host } from '../../host/host';
import type { SkipTally } from '../skip-tally';
import { FILE_WHAT } from './discover';
import { acceptLine, errorWords, LINE_TOO_LONG, LINE_WHAT, type ReadPlan } from './read-file';
import type { AccessLogReadStats } from './read-stats';
import { findLineTime } from './log-time';

export async function* readAccessLogFileFiltered(
  host: Host & Required<Pick<Host, 'grepLines'>>,
  file: AccessLogFile & { readPath?: string },
  plan: ReadPlan,
  skipped: SkipTally,
  stats: AccessLogReadStats,
): AsyncGenerator<WebRequest> {
  const needles = plan.prefilter.primary.map((b) => b.toString('utf8'));
  const secondary = plan.prefilter.secondary.map((b) => b.toString('utf8'));
  stats.filesRead += 1;
  stats.bytesOnDisk += file.size;
  try {
    for await (const l of host.grepLines(file.readPath ?? file.path, needles, { maxLineBytes: plan.maxLineBytes })) {
      stats.bytesRead += Buffer.byteLength(l.text) + 1;
      if (l.cut) {
        skipped.add(LINE_WHAT, LINE_TOO_LONG);
        continue;
      }
      const t = findLineTime(l.text)?.ms ?? NaN;
      if (t > plan.untilMs + plan.slackMs) {
        stats.filesStoppedEarly += 1;
        return;
      }
      if (t < plan.sinceMs - plan.slackMs) continue;
      if (secondary.length > 0 && !secondary.some((n) => l.text.includes(n))) continue;
      const request = acceptLine(l.text, file.path, l.lineNo, plan, skipped, stats);
      if (request) {
        stats.requests += 1;
        yield request;
      }
    }
  } catch (e) {
    stats.filesFailed += 1;
    skipped.add(FILE_WHAT, `could not be read (${errorWords(e)})`);
  }
}
