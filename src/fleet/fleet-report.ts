/**
 * The result of `spamtrace scan --hosts ...`: one entry per host with its state (a host
 * that could not be scanned is an entry with its error, never a missing line), each
 * scanned host's ordinary Report (every source tagged with the host), and what several
 * hosts have in common.
 */
import type { Report } from '../domain/report';
import type { FleetRole } from './fleet-config';
import type { SshFailureKind } from '../host/ssh/ssh-errors';

/**
 * scanned: the queue/logs were read; checked: reachable, nothing to scan by its roles
 * (a web or panel node: its inventory was counted); failed: see error.
 */
export type HostState = 'scanned' | 'checked' | 'failed';

export type HostErrorKind = SshFailureKind | 'scan-timeout' | 'scan-failed';

export interface HostError {
  kind: HostErrorKind;
  /** SpamtraceError code when the scan itself refused (E_POSTFIX_MISSING, E_NOT_ROOT ...) */
  code: string | null;
  message: string;
}

export interface FleetHostResult {
  alias: string;
  roles: FleetRole[];
  /** "root@10.0.0.2:22 via jump", from the SSH config */
  target: string | null;
  /** the web node whose logs explained this mail node's local senders */
  webFrom: string | null;
  state: HostState;
  error: HostError | null;
  startedAt: string;
  finishedAt: string;
  ms: number;
  report: Report | null;
  /** for a checked (web/panel) node: how many subscriptions its inventory lists */
  inventory: { source: string; subscriptions: number; warnings: number } | null;
}

export interface CrossHostSighting {
  host: string;
  /** source ids on that host that carry it */
  sources: string[];
  /** file paths on that host (scripts only) */
  paths: string[];
}

export interface CrossHostItem {
  /** the IP address, or the script's file name */
  value: string;
  /** how it was seen: "script client", "SMTP client", "SASL login client", "X-PHP-Originating-Script", "dropped script" */
  as: string[];
  hosts: CrossHostSighting[];
}

export interface FleetReport {
  version: 1;
  kind: 'fleet';
  generatedAt: string;
  /** what was asked: "all" or the aliases */
  requested: string[] | 'all';
  hosts: FleetHostResult[];
  summary: { hosts: number; scanned: number; checked: number; failed: number; spamSources: number; ms: number };
  crossHost: {
    /** attacker addresses seen on two or more hosts */
    ips: CrossHostItem[];
    /** dropped script names seen on two or more hosts */
    scripts: CrossHostItem[];
  };
}
