/**
 * `npm run bench:maillog`: the mail-log reader's memory on big logs. For each size, a synthetic
 * log (bench/maillog/synth-maillog.ts, generated once, kept in --dir) is read by
 *
 *   ours      spamtrace scan --no-queue --maillog FILE --since 30d --json   (stdout to a file)
 *   baseline  wc -l FILE                                                    (the raw read)
 *
 * both under GNU time in the same run. Printed: wall seconds, ours / baseline, peak RSS of
 * ours. Target: peak RSS flat in the log size (the largest size within 20 % of the smallest).
 * Only a missed measurement (a wrong exit, no JSON) exits 1.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { writeSynthMailLog } from './maillog/synth-maillog';
import { measure, type Measured } from './measure';
import { CLI } from './paths';

const HELP = `Usage: npm run bench:maillog -- [--size-mb 500,5000] [--dir DIR] [--remove]

Generates a synthetic Postfix mail log per size (once; kept in DIR, default
/var/tmp/spamtrace-bench-maillog) and measures spamtrace scan --no-queue --maillog FILE
--since 30d --json against wc -l FILE: wall seconds, ratio, peak RSS.
  --size-mb LIST   sizes in MB, comma-separated (default 500,5000)
  --remove         delete the generated logs afterwards
`;

interface Row {
  sizeMb: number;
  messages: number;
  baseline: Measured;
  ours: Measured;
  examined: number;
}

async function ensureLog(dir: string, sizeMb: number): Promise<{ file: string; messages: number }> {
  const file = path.join(dir, `mail-${sizeMb}mb.log`);
  const meta = `${file}.json`;
  const known = await fs.readFile(meta, 'utf8').then((t) => JSON.parse(t) as { bytes: number; messages: number }).catch(() => undefined);
  const st = await fs.stat(file).catch(() => undefined);
  if (known && st && st.size === known.bytes) return { file, messages: known.messages };
  process.stderr.write(`generating ${file} (${sizeMb} MB) ...\n`);
  const r = await writeSynthMailLog(file, sizeMb * 1024 * 1024);
  await fs.writeFile(meta, JSON.stringify(r));
  return { file, messages: r.messages };
}

async function main(argv: string[]): Promise<number> {
  const { values: v } = parseArgs({
    args: argv,
    strict: true,
    options: { 'size-mb': { type: 'string' }, dir: { type: 'string' }, remove: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (v.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const sizes = (v['size-mb'] ?? '500,5000').split(',').map((s) => Number(s.trim()));
  if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 100_000)) {
    process.stderr.write(`maillog-bench: --size-mb takes whole numbers of MB, comma-separated\n${HELP}`);
    return 2;
  }
  const dir = v.dir ?? '/var/tmp/spamtrace-bench-maillog';
  await fs.mkdir(dir, { recursive: true });
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'spamtrace-maillog-bench-'));
  const rows: Row[] = [];
  try {
    for (const sizeMb of sizes) {
      const { file, messages } = await ensureLog(dir, sizeMb);
      const baseline = await measure('wc', ['-l', file], path.join(work, 'wc.out'), path.join(work, 'wc.err'), work);
      const outFile = path.join(work, 'scan.json');
      const ours = await measure(process.execPath, [CLI, 'scan', '--no-queue', '--maillog', file, '--since', '30d', '--json'], outFile, path.join(work, 'scan.err'), work);
      if (ours.code !== 0 && ours.code !== 1) {
        process.stderr.write(`maillog-bench: BROKEN: scan exited ${ours.code}: ${(await fs.readFile(path.join(work, 'scan.err'), 'utf8')).slice(-500)}\n`);
        return 1;
      }
      const report = JSON.parse(await fs.readFile(outFile, 'utf8')) as { mailLog?: { messages?: number } };
      const examined = report.mailLog?.messages ?? -1;
      rows.push({ sizeMb, messages, baseline, ours, examined });
      process.stderr.write(
        `${sizeMb} MB: wc -l ${baseline.wallS.toFixed(1)} s; ours ${ours.wallS.toFixed(1)} s, peak ${(ours.maxRssKb / 1024).toFixed(0)} MB, ${examined} messages (load ${os.loadavg()[0]!.toFixed(1)})\n`,
      );
      if (v.remove) await fs.rm(file, { force: true });
    }
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
  const out = (s: string) => process.stdout.write(s + '\n');
  out('| log | messages | wc -l | ours | ours / wc -l | ours peak RSS |');
  out('|---|---|---|---|---|---|');
  for (const r of rows) {
    out(
      `| ${r.sizeMb} MB | ${r.examined.toLocaleString('en-US')} | ${r.baseline.wallS.toFixed(1)} s | ${r.ours.wallS.toFixed(1)} s | ${(r.ours.wallS / r.baseline.wallS).toFixed(1)} | ${(r.ours.maxRssKb / 1024).toFixed(0)} MB |`,
    );
  }
  if (rows.length > 1) {
    const first = rows[0]!.ours.maxRssKb;
    const last = rows[rows.length - 1]!.ours.maxRssKb;
    const grow = last / first;
    out(`peak RSS ${rows[rows.length - 1]!.sizeMb} MB / ${rows[0]!.sizeMb} MB: ${grow.toFixed(2)}x (target <= 1.2: ${grow <= 1.2 ? 'PASS' : 'MISSED'})`);
  }
  out(`load average at the end: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} (${os.cpus().length} CPUs)`);
  return 0;
}

main(process.argv.slice(2)).then(
  (c) => {
    process.exitCode = c;
  },
  (e: unknown) => {
    process.stderr.write(`maillog-bench: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
