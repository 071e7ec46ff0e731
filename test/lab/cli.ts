/**
 * npm run lab -- up | down | status | scenario NAME [--count N] [--seed S] [--no-wait] | flush
 *               | fill --total N [--mix sasl=45,relay=25,...] | reasons | list
 */
import {
  DEFAULT_FILL_MIX,
  SCENARIOS,
  fillQueueFast,
  flushQueue,
  labDown,
  labStatus,
  labUp,
  postqueueJson,
  runScenario,
  type FillKind,
  type RunScenarioOptions,
} from './lab';
import { webStatus } from './web/web-lifecycle';

const USAGE = `usage: npm run lab -- <command>
  up                         configure Postfix as the lab, start fake MX + Postfix + Apache/PHP-FPM (root)
  down                       stop them, restore the original configuration, remove lab users/files
  status                     Postfix, fake MX, web server and queue state
  scenario NAME [--count N] [--seed S] [--no-wait]
                             submit a scenario (default NAME: mixed) and wait until the queue settles
  flush                      delete every queued message (lab only)
  fill --total N [--mix sasl=45,relay=25,local-smtp=15,php=10,newsletter=5]
                             bulk queue for benchmarks
  reasons                    deferred recipients grouped by delay reason
  list                       the built-in scenarios
`;

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value`);
  args.splice(i, 2);
  return v;
}

function intFlag(args: string[], name: string): number | undefined {
  const v = flag(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name}: not a non-negative integer: ${v}`);
  return n;
}

const log = (line: string) => process.stdout.write(line + '\n');

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  const args = [...rest];
  switch (cmd) {
    case 'up': {
      const r = await labUp({ log });
      log(
        `lab up in ${(r.elapsedMs / 1000).toFixed(1)} s: postfix pid ${r.postfixPid}, fake MX pid ${r.fakeMxPid}, postfix check ${r.postfixCheck.length ? 'WARNINGS' : 'clean'}, ` +
          (r.web.started ? `web ${r.web.url}` : `web not started (${r.web.skippedReason})`),
      );
      return 0;
    }
    case 'down': {
      const r = await labDown({ log });
      log(r.wasUp ? `lab down in ${(r.elapsedMs / 1000).toFixed(1)} s` : 'lab was not up');
      return 0;
    }
    case 'status': {
      const s = await labStatus();
      log(`lab:      ${s.up ? 'up (backup present)' : 'down'}`);
      log(`postfix:  ${s.postfix.running ? `running, pid ${s.postfix.pid}` : 'not running'}`);
      log(`fake MX:  ${s.fakeMx.running ? `running, pid ${s.fakeMx.pid}` : 'not running'}; ${Object.entries(s.fakeMx.ports).map(([n, p]) => `${n}=${p}`).join(' ')}`);
      if (s.fakeMx.counts) {
        for (const [name, { counts: c }] of Object.entries(s.fakeMx.counts)) {
          log(`  ${name.padEnd(13)} conn ${c.connections} refused ${c.refused} rcpt ok/rej ${c.rcptAccepted}/${c.rcptRejected} messages ${c.messages}`);
        }
      }
      const q = s.queue;
      log(`queue:    maildrop ${q.maildrop}, incoming ${q.incoming}, active ${q.active}, deferred ${q.deferred}, hold ${q.hold}`);
      const w = await webStatus();
      log(
        `web:      apache2 ${w.apache.running ? `pid ${w.apache.pid}` : 'not running'}, php-fpm${w.fpm.version ? ` ${w.fpm.version}` : ''} ${w.fpm.running ? `pid ${w.fpm.pid}` : 'not running'}, ` +
          `${w.processes} processes; ${w.url}`,
      );
      log(`users:    ${s.users.map((u) => `${u.name}(${u.uid})${u.present ? '' : ' missing'}`).join(' ')}`);
      return 0;
    }
    case 'scenario': {
      const opts: RunScenarioOptions = { log, wait: true };
      const count = intFlag(args, '--count');
      const seed = intFlag(args, '--seed');
      if (count !== undefined) opts.count = count;
      if (seed !== undefined) opts.seed = seed;
      const nw = args.indexOf('--no-wait');
      if (nw >= 0) {
        opts.wait = false;
        args.splice(nw, 1);
      }
      const name = args[0] ?? 'mixed';
      const r = await runScenario(name, opts);
      log(`scenario ${r.scenario} (seed ${r.seed}): submitted in ${(r.elapsedMs / 1000).toFixed(1)} s` + (r.settled ? `, settled ${(r.settled.elapsedMs / 1000).toFixed(1)} s later; deferred now ${r.settled.counts.deferred}` : ''));
      return r.submissions.some((s) => s.failed > 0 && s.label !== 'sasl-bruteforce') ? 1 : 0;
    }
    case 'flush': {
      const n = await flushQueue();
      log(`deleted ${n} message(s)`);
      return 0;
    }
    case 'fill': {
      const total = intFlag(args, '--total') ?? 20000;
      const mixArg = flag(args, '--mix');
      let mix: Partial<Record<FillKind, number>> = DEFAULT_FILL_MIX;
      if (mixArg) {
        mix = {};
        for (const part of mixArg.split(',')) {
          const [k, v] = part.split('=');
          if (!k || !(k in DEFAULT_FILL_MIX) || !Number.isFinite(Number(v))) throw new Error(`--mix: bad entry ${part}`);
          mix[k as FillKind] = Number(v);
        }
      }
      const r = await fillQueueFast({ total, mix, log });
      log(`fill: ${r.submitted}/${r.total} submitted in ${(r.submitMs / 1000).toFixed(1)} s, settled after ${(r.elapsedMs / 1000).toFixed(1)} s (${r.rate.toFixed(0)} msg/s); deferred ${r.queue.deferred}`);
      return r.failed > 0 ? 1 : 0;
    }
    case 'reasons': {
      const entries = await postqueueJson();
      const byReason = new Map<string, number>();
      for (const e of entries) {
        for (const r of e.recipients) {
          const key = (r.delay_reason ?? `(${e.queue_name}, no reason)`).slice(0, 160);
          byReason.set(key, (byReason.get(key) ?? 0) + 1);
        }
      }
      log(`${entries.length} message(s)`);
      for (const [reason, n] of [...byReason].sort((a, b) => b[1] - a[1])) log(`${String(n).padStart(7)}  ${reason}`);
      return 0;
    }
    case 'list':
      for (const s of Object.values(SCENARIOS)) log(`${s.name.padEnd(18)} ${s.description}`);
      return 0;
    default:
      process.stderr.write(USAGE);
      return cmd === undefined || cmd === 'help' || cmd === '--help' || cmd === '-h' ? 0 : 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    const msg = (e as Error).message;
    process.stderr.write(/^(spamtrace )?lab\b/.test(msg) ? `${msg}\n` : `lab: ${msg}\n`);
    process.exit(1);
  },
);
