/**
 * The CPU of one bench phase split by who spent it, and the lines the fleet bench prints.
 *
 * On this bench one machine plays the scanner and all N servers: the servers' CPU
 * (sshd, each session's login shell, the agent's sh and the tools it runs, Postfix's
 * daemons answering them) competes with the scanner for the same cores, where on a real
 * fleet it runs on N machines. The breakdown keeps the two apart so the raw ratio can be
 * read next to what the scanner itself costs.
 */
import type { CpuGroup } from './cpu-meter';
import { machineBusyMs, ownCpuMs } from './cpu-meter';
import type { SessionCpu } from './private-sshd';

export interface PhaseCpu {
  wallMs: number;
  /** the bench's node process (the scanner's JS, parsing, GC) */
  nodeMs: number;
  /** ssh clients and masters forked by the scanner (encryption, the mux); null: not measurable */
  sshClientMs: number | null;
  /** sshd's own processes (encryption, sessions); null: not measurable */
  sshdMs: number | null;
  /** login shells up to the command (root's ~/.bashrc) */
  loginMs: number;
  /** the agents' sh and the programs they ran */
  commandMs: number;
  /** the lab's Postfix (master and its daemons: showq answering postqueue, deliveries); null: not measurable */
  postfixMs: number | null;
  /** the rest of the machine's busy time (other jobs); null: not measurable */
  restMs: number | null;
  sessions: number;
}

interface Groups {
  scanner: CpuGroup | null;
  servers: CpuGroup | null;
  postfix: CpuGroup | null;
  sshd: { sessionCpu(): Promise<SessionCpu> };
}

interface Snapshot {
  wall: number;
  node: number;
  scanner: number | null;
  servers: number | null;
  postfix: number | null;
  machine: number;
  session: SessionCpu;
}

async function snapshot(g: Groups): Promise<Snapshot> {
  return {
    wall: performance.now(),
    node: ownCpuMs(),
    scanner: g.scanner ? await g.scanner.usageMs() : null,
    servers: g.servers ? await g.servers.usageMs() : null,
    postfix: g.postfix ? await g.postfix.usageMs() : null,
    machine: await machineBusyMs(),
    session: await g.sshd.sessionCpu(),
  };
}

export async function measurePhase<T>(g: Groups, work: () => Promise<T>): Promise<{ value: T; cpu: PhaseCpu }> {
  const a = await snapshot(g);
  const value = await work();
  const b = await snapshot(g);
  const nodeMs = b.node - a.node;
  const scanner = a.scanner !== null && b.scanner !== null ? b.scanner - a.scanner : null;
  const servers = a.servers !== null && b.servers !== null ? b.servers - a.servers : null;
  const postfix = a.postfix !== null && b.postfix !== null ? b.postfix - a.postfix : null;
  const loginMs = b.session.loginMs - a.session.loginMs;
  const commandMs = b.session.commandMs - a.session.commandMs;
  const sshdMs = servers === null ? null : Math.max(0, servers - loginMs - commandMs);
  const machine = b.machine - a.machine;
  return {
    value,
    cpu: {
      wallMs: b.wall - a.wall,
      nodeMs,
      sshClientMs: scanner === null ? null : Math.max(0, scanner - nodeMs),
      sshdMs,
      loginMs,
      commandMs,
      postfixMs: postfix,
      restMs: scanner === null || servers === null ? null : Math.max(0, machine - scanner - servers - (postfix ?? 0)),
      sessions: b.session.sessions - a.session.sessions,
    },
  };
}

const s = (ms: number | null): string => (ms === null ? '   n/a' : `${(ms / 1000).toFixed(2).padStart(6)} s`);

export interface BreakdownInput {
  one: PhaseCpu;
  fleet: PhaseCpu;
  hosts: number;
  parallel: number;
  cores: number;
}

/** The scanner's own CPU (node + ssh clients) of a phase; null when the clients were not measurable. */
export function scannerMs(p: PhaseCpu): number | null {
  return p.sshClientMs === null ? null : p.nodeMs + p.sshClientMs;
}

/** The servers' CPU of a phase (sshd, login shells, agents and tools). */
export function serversMs(p: PhaseCpu): number | null {
  return p.sshdMs === null ? null : p.sshdMs + p.loginMs + p.commandMs + (p.postfixMs ?? 0);
}

export function formatCpuBreakdown(x: BreakdownInput): string[] {
  const { one, fleet, hosts } = x;
  const row = (label: string, a: number | null, b: number | null): string => `  ${label.padEnd(44)} ${s(a)}   ${s(b)}   ${b === null ? '' : `${s(b / hosts)} per host`}`;
  const lines = [
    `CPU by who spent it (${x.cores} cores; one machine plays the scanner and all ${hosts} servers)`,
    `  ${''.padEnd(44)}  one host   ${hosts} hosts`,
    row('wall time', one.wallMs, fleet.wallMs),
    row('scanner: node (scan, parsing, GC)', one.nodeMs, fleet.nodeMs),
    row('scanner: ssh clients and masters', one.sshClientMs, fleet.sshClientMs),
    row('servers: sshd (crypto, channels)', one.sshdMs, fleet.sshdMs),
    row(`servers: login shells (~/.bashrc), ${fleet.sessions} sessions`, one.loginMs, fleet.loginMs),
    row('servers: agent sh and the tools it ran', one.commandMs, fleet.commandMs),
    row('servers: Postfix daemons (showq, deliveries)', one.postfixMs, fleet.postfixMs),
    row('rest of the machine (other jobs)', one.restMs, fleet.restMs),
  ];
  const sc = scannerMs(fleet);
  const sv = serversMs(fleet);
  if (sc === null || sv === null) {
    lines.push('  (no writable cpuacct cgroup: the scanner/servers split is not available)');
    return lines;
  }
  const busy = sc + sv + (fleet.restMs ?? 0);
  lines.push(
    `  share of the busy CPU in the ${hosts}-host run: scanner ${pct(sc, busy)}, servers ${pct(sv, busy)}, rest ${pct(fleet.restMs ?? 0, busy)}`,
  );
  // a real fleet: each server's CPU on its own machine; the scanner's on this one
  const waves = Math.ceil(hosts / x.parallel);
  const alone = waves * one.wallMs;
  const scannerBound = sc / x.cores;
  const estimate = Math.max(alone, scannerBound);
  // the raw ratio's floor on this box: all N hosts' CPU (scanner and servers) must fit
  // through its cores, even with no other job running
  const floor = (sc + sv) / x.cores;
  lines.push(
    `  floor for the raw ratio here: (scanner + servers) CPU / ${x.cores} cores = ${s(floor)} = ${(floor / one.wallMs).toFixed(2)} x one host, with no other job on the machine`,
    `  the scanner's own work: ${s(sc)} CPU for ${hosts} hosts (${s(sc / hosts)} per host; one host alone ${s(scannerMs(one))})`,
    `  on a real fleet (servers' CPU on their own machines): about max(${waves} rounds x one host, scanner CPU / ${x.cores} cores)`,
    `    = max(${s(alone)}, ${s(scannerBound)}) = ${s(estimate)} = ${(estimate / one.wallMs).toFixed(2)} x one host (an estimate from this run, not a measurement)`,
  );
  return lines;
}

function pct(a: number, total: number): string {
  return total > 0 ? `${Math.round((100 * a) / total)}%` : 'n/a';
}
