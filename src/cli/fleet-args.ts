/**
 * The fleet options of `spamtrace scan`, taken out of argv before the ordinary scan
 * options are parsed (parseScanArgs is strict and does not know them):
 *
 *   --hosts all|ALIAS...     scan these SSH aliases (several words, or a,b,c)
 *   --fleet FILE             fleet file (default $SPAMTRACE_FLEET, else /etc/spamtrace/fleet.json
 *                            when it exists; without one every alias is mail+web+panel)
 *   --ssh-config FILE        ssh -F (default: the fleet file's sshConfig, else ~/.ssh/config)
 *   --host-parallel N        hosts at once (default 4)
 *   --host-timeout SECONDS   per host (default 900)
 */
import { SpamtraceError } from '../errors';
import { validAlias } from '../host/ssh/ssh-command';

export const DEFAULT_FLEET_FILE = '/etc/spamtrace/fleet.json';

export interface FleetArgs {
  hosts: string[] | 'all';
  fleetFile: string | null;
  sshConfig: string | null;
  parallel: number | null;
  hostTimeoutSeconds: number | null;
}

export const FLEET_HELP = `
Several servers (over SSH, with your SSH config and keys; nothing is installed there):
  --hosts all|ALIAS...   scan these SSH aliases in parallel (or "all" of the fleet file)
  --fleet FILE           which aliases and their roles (mail, web, panel); default
                         $SPAMTRACE_FLEET or ${DEFAULT_FLEET_FILE}; without one, each alias is scanned as
                         a full node and "all" means every alias named in the SSH config
  --ssh-config FILE      the SSH config to use (default ~/.ssh/config)
  --host-parallel N      hosts scanned at once (default 4)
  --host-timeout SECONDS give up on a host after this long (default 900)
  With --hosts, exit code 3: no spam source found, but some hosts could not be scanned.
`;

function wholeNumber(flag: string, v: string | undefined, min: number, max: number): number {
  const n = Number(v);
  if (v === undefined || !/^\d+$/.test(v) || n < min || n > max) throw new SpamtraceError('E_USAGE', `${flag} takes a whole number from ${min} to ${max}`);
  return n;
}

/**
 * null when argv has no --hosts (a single-host scan, and the fleet flags are refused
 * there); else the fleet options and the remaining argv for parseScanArgs.
 */
export function extractFleetArgs(argv: readonly string[]): { fleet: FleetArgs; rest: string[] } | null {
  const rest: string[] = [];
  let hosts: string[] | null = null;
  let all = false;
  const fleet: Omit<FleetArgs, 'hosts'> = { fleetFile: null, sshConfig: null, parallel: null, hostTimeoutSeconds: null };
  const sawFleetOnly: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i]!;
    const eq = raw.startsWith('--') ? raw.indexOf('=') : -1;
    const flag = eq > 0 ? raw.slice(0, eq) : raw;
    const inline = eq > 0 ? raw.slice(eq + 1) : undefined;
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = argv[i + 1];
      if (v === undefined || v.startsWith('--')) throw new SpamtraceError('E_USAGE', `${flag} needs a value`);
      i++;
      return v;
    };
    switch (flag) {
      case '--hosts': {
        const words: string[] = inline !== undefined ? [inline] : [];
        if (inline === undefined) while (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('-')) words.push(argv[++i]!);
        const names = words.flatMap((w) => w.split(',')).filter((w) => w !== '');
        if (names.length === 0) throw new SpamtraceError('E_USAGE', '--hosts needs "all" or one or more SSH aliases');
        for (const n of names) {
          if (n === 'all') all = true;
          else if (!validAlias(n)) throw new SpamtraceError('E_USAGE', `--hosts: not an SSH alias: ${JSON.stringify(n.slice(0, 80))}`);
        }
        hosts = [...(hosts ?? []), ...names.filter((n) => n !== 'all')];
        break;
      }
      case '--fleet':
        fleet.fleetFile = value();
        sawFleetOnly.push(flag);
        break;
      case '--ssh-config':
        fleet.sshConfig = value();
        sawFleetOnly.push(flag);
        break;
      case '--host-parallel':
        fleet.parallel = wholeNumber(flag, value(), 1, 64);
        sawFleetOnly.push(flag);
        break;
      case '--host-timeout':
        fleet.hostTimeoutSeconds = wholeNumber(flag, value(), 5, 86_400);
        sawFleetOnly.push(flag);
        break;
      default:
        rest.push(raw);
    }
  }
  if (hosts === null) {
    if (sawFleetOnly.length) throw new SpamtraceError('E_USAGE', `${sawFleetOnly[0]} needs --hosts all|ALIAS...`);
    return null;
  }
  if (all && hosts.length > 0) throw new SpamtraceError('E_USAGE', '--hosts takes either "all" or aliases, not both');
  for (const offline of ['--queue-file', '--postcat-file', '--passwd-file', '--demo']) {
    if (rest.some((a) => a === offline || a.startsWith(`${offline}=`))) throw new SpamtraceError('E_USAGE', `${offline} reads local files: it cannot be combined with --hosts`);
  }
  return { fleet: { ...fleet, hosts: all ? 'all' : hosts }, rest };
}
