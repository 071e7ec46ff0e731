/** Options of bench/fleet-bench.ts. */
import { parseArgs } from 'node:util';

export interface FleetBenchOptions {
  hosts: number;
  parallel: number;
  scenario: string;
  keep: boolean;
  /** seconds every remote login shell sleeps before it runs anything */
  loginDelay: number;
  /**
   * bench: the login shell (root's bash) reads a ~/.bashrc that only sleeps --login-delay s,
   * as the issue prescribes; root: root's own ~/.bashrc (this machine's: pyenv) and the sleep
   */
  loginShell: 'bench' | 'root';
  /** print every request of the one-host scan */
  requests: boolean;
  help: boolean;
}

export const FLEET_BENCH_HELP = `Usage: node dist/bench/fleet-bench.js [options]

The lab scanned locally, then over SSH (one private sshd on 127.0.0.1 whose login shell
sleeps --login-delay s per session), then as a fleet of N aliases to it. Prints times,
ratios and remote sessions per host. Root only.

  --hosts N        aliases (default 20)
  --parallel N     hosts at a time in the fleet run (default 4, the fleet default)
  --scenario NAME  lab scenario that fills the queue first (default mixed)
  --login-delay S  seconds each remote login shell takes to start (default 1, 0 to 10)
  --login-shell M  bench (default): the sessions' bash reads a ~/.bashrc that only sleeps
                   --login-delay s (mounted over root's own for the bench's sshd alone);
                   root: root's real ~/.bashrc (on this machine pyenv) plus the sleep
  --requests       list every remote request of the one-host scan
  --keep           leave the lab up afterwards
`;

function whole(name: string, v: string | undefined, fallback: number, max: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1 || n > max) throw new Error(`--${name} takes a whole number from 1 to ${max}`);
  return n;
}

export function parseBenchArgs(argv: string[]): FleetBenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: { hosts: { type: 'string' }, 'login-delay': { type: 'string' }, parallel: { type: 'string' }, scenario: { type: 'string' }, keep: { type: 'boolean' }, requests: { type: 'boolean' }, 'login-shell': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  return {
    hosts: whole('hosts', values.hosts, 20, 200),
    parallel: whole('parallel', values.parallel, 4, 64),
    scenario: values.scenario ?? 'mixed',
    keep: Boolean(values.keep),
    requests: Boolean(values.requests),
    loginShell: loginShellOf(values['login-shell']),
    loginDelay: values['login-delay'] === undefined ? 1 : values['login-delay'] === '0' ? 0 : whole('login-delay', values['login-delay'], 1, 10),
    help: Boolean(values.help),
  };
}

function loginShellOf(v: string | undefined): 'bench' | 'root' {
  if (v === undefined || v === 'bench') return 'bench';
  if (v === 'root') return 'root';
  throw new Error('--login-shell takes bench or root');
}
