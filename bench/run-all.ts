/**
 * `npm run bench`: every benchmark with its defaults, one after the other. Options belong
 * to one benchmark (npm would append them to the last command of a script), so they are
 * refused here: `npm run bench:queue -- --messages 100000`, `npm run bench:accesslog -- ...`.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const BENCHES = ['scan-bench.js', 'accesslog-bench.js', 'watch-bench.js'];

function main(argv: string[]): number {
  if (argv.length > 0) {
    process.stderr.write(
      `npm run bench takes no options (got ${JSON.stringify(argv.join(' '))}): each benchmark takes its own:\n` +
        '  npm run bench:queue -- --messages 100000     (node dist/bench/scan-bench.js --help)\n' +
        '  npm run bench:accesslog -- --size-mb 500     (node dist/bench/accesslog-bench.js --help)\n',
    );
    return 2;
  }
  let worst = 0;
  for (const b of BENCHES) {
    const r = spawnSync(process.execPath, [path.join(__dirname, b)], { stdio: 'inherit' });
    const code = r.status ?? 1;
    worst = Math.max(worst, code);
  }
  return worst;
}

process.exitCode = main(process.argv.slice(2));
