/**
 * The scan report: the contract of `spamtrace scan --json` (schema/report.v1.schema.json).
 * Keep field names stable; add fields freely.
 */
import type { DnsblAnswer } from './dnsbl';
import type { QueueName } from './queue';
import type { SaslAssessment, ScriptFinding } from './findings';
import type { PanelKind } from './subscription';

export type Verdict = 'spam' | 'suspicious' | 'normal';

export type DeferralClass = 'blocklisted' | 'rate-limited' | 'unknown-user' | 'other';

export type SourceKind = 'local' | 'sasl' | 'smtp-client' | 'unknown';

/** Something a parser or collector passed over, counted, never silently dropped. */
export interface Skipped {
  what: string;
  count: number;
  reason: string;
}

/** How one deferral reason was classified, with the rule that matched (or none). */
export interface DeferralMatch {
  class: DeferralClass;
  /** rule id from the deferral table, e.g. "aol-dyn-t1"; null when no rule matched */
  rule: string | null;
  provider: string | null;
  /** short human label, e.g. "AOL DYN:T1" */
  label: string;
}

export interface DeferralCount extends DeferralMatch {
  count: number;
  /** one raw reason text as seen in the queue (untrusted) */
  example: string;
}

export interface DomainCount {
  domain: string;
  count: number;
}

export interface ReportSource {
  id: string;
  /** the SSH alias of the host this source was seen on (fleet scans); absent for a single-host scan */
  host?: string;
  kind: SourceKind;
  uid: number | null;
  user: string | null;
  home: string | null;
  saslUsername: string | null;
  clientAddresses: string[];
  clientNames: string[];
  heloNames: string[];
  phpScripts: string[];
  /** examined plus inferred */
  messages: number;
  /** of those, with at least one recipient outside this server's domains (direction.ts) */
  outgoingMessages?: number;
  /** of those, arrived from outside for mailboxes hosted here: counted, not judged as a sender */
  inboundMessages?: number;
  /** messages per hour of arrival (inbound ones left out), oldest first: the exact timeline */
  perHour?: { hour: string; count: number }[];
  /** messages whose postcat output was read */
  examinedMessages: number;
  /** listed-only messages counted here by their sender domain (offline, partial postcat) */
  inferredMessages: number;
  recipients: number;
  /** recipients of the copies an alias or .forward re-sent (those copies are not counted as messages) */
  forwardedRecipients?: number;
  uniqueRecipients: number;
  firstSeen: string | null;
  lastSeen: string | null;
  /** messages per hour over the first..last span (null with fewer than two timestamps) */
  ratePerHour: number | null;
  recipientDomains: DomainCount[];
  distinctRecipientDomains: number;
  freemailShare: number;
  senders: { address: string; count: number }[];
  distinctSenders: number;
  /** messages whose envelope sender's domain differs from the From header's */
  senderFromMismatch: number;
  listUnsubscribe: number;
  verdict: Verdict;
  score: number;
  reasons: string[];
  /** ids of the verdict rules that applied */
  rules: string[];
  /** for kind "unknown": why no origin could be read */
  originNote?: string;
  /**
   * Counts that are estimates for this source (a spam wave past the exact caps of
   * src/trace/capped-counts.ts): distinct counts by HyperLogLog (~1.6 % error on the part
   * past the cap), top-list counts of values first seen past the cap by Space-Saving.
   */
  estimatedCounts?: string[];
  deferrals: Record<DeferralClass, number>;
  deferralRules: DeferralCount[];
  byQueue: Partial<Record<QueueName, number>>;
  sampleQueueIds: string[];
  sampleSubjects: string[];
  /** the panel subscription this source belongs to, when the inventory knows it */
  subscription?: SourceSubscription | null;
  /** scripts whose requests explain this local source's submissions, best first */
  scripts?: ScriptFinding[];
  /** why no script is named (cron, CLI, SMTP to localhost, no logs), in plain words */
  scriptNote?: string;
  /**
   * messages of this local source that arrived over SMTP to 127.0.0.1/::1 (not sendmail): the
   * uid is the owner of the client socket, recorded while the connection was open
   */
  smtpLoopback?: { messages: number; how: 'socket owner (policy service)' };
  /** for SASL sources: was the password very likely stolen? */
  login?: SaslAssessment;
}

export interface SourceSubscription {
  id: string;
  panel: PanelKind;
  domains: string[];
  customer: string | null;
  customerEmail: string | null;
  /** the customer's language for notices, e.g. "de" */
  customerLocale?: string | null;
  reseller: string | null;
  resellerEmail?: string | null;
}

export interface Report {
  version: 1;
  host: string;
  generatedAt: string;
  input: { mode: 'live' | 'offline'; queueSource: string; postcat: boolean };
  postfix: { version: string | null };
  queue: { total: number; byQueue: Partial<Record<QueueName, number>>; examined: number; reportedTotal?: number | null };
  skipped: Skipped[];
  /** what Postfix warned about while we listed the queue (e.g. "Mail system is down"), and inputs that held no message */
  warnings: string[];
  /** the --since/--until window for mail-log history, when one was given */
  window?: { since: string | null; until: string | null };
  /** what the mail log added: null when it was not read */
  mailLog?: {
    files: { path: string; bytes: number; read: boolean; why?: string }[];
    messages: number;
    alsoInQueue: number;
    fromLogOnly: number;
    /** alias/.forward copies counted under their original, not as messages */
    forwardedCopies?: number;
    saslFailures: number;
    /** what postconf said: Postfix's own log file and syslog_name (null: not set or not asked) */
    postfix?: { maillogFile: string | null; syslogName: string | null };
  } | null;
  /** what the access-log correlation read: null when it did not run */
  webLogs?: ({ sourcesCorrelated: number } & Record<string, number>) | null;
  /**
   * the domains hosted here (postconf's address classes on a live scan, the inventory's
   * domains and mailboxes), by which inbound mail is told from mail sent here; 0: every
   * message counts as outgoing
   */
  hosted?: { domains: number; fromPostfix: number; fromInventory: number };
  /** where the subscriptions came from: null when no inventory was taken (offline) */
  inventory?: { source: string; subscriptions: number; warnings: number } | null;
  /** blocklist state of the addresses mail leaves from (checked: false says why not) */
  dnsbl?: ReportDnsbl | null;
  sources: ReportSource[];
}

/** One address on one DNSBL, as answered, and where the scan got the answer. */
export interface ReportDnsblAnswer extends DnsblAnswer {
  /** the watcher's cached answer (TTL not over), or asked by this scan */
  from: 'cache' | 'query';
}

export interface ReportDnsbl {
  /** false: no answer at all, and `note` says why */
  checked: boolean;
  note: string;
  addresses: { address: string; via: string[]; private: boolean }[];
  results: ReportDnsblAnswer[];
  listed: number;
  cannotCheck: number;
  notes: string[];
}
