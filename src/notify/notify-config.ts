/**
 * Settings for customer notices: sender, transport, policy (per server, per reseller),
 * retries. Kept in its own file (--notify-config, $SPAMTRACE_NOTIFY_CONFIG,
 * /etc/spamtrace/notify.json) until it joins the main config as its "notify" section;
 * the shape is the same either way. The SMTP password is a secret file, never inline.
 */
import type { Verdict } from '../domain/report';

export interface NoticePolicy {
  /** false: no notice for anyone under this policy */
  enabled: boolean;
  /** verdict spam with score >= this goes out without an admin (the verdict threshold is 6) */
  autoMinScore: number;
  /** verdicts that wait for an admin's approval when not automatic; "normal" is never allowed */
  approvalFor: Exclude<Verdict, 'normal'>[];
  /** also send a copy to the customer's reseller, when its address is known */
  copyReseller: boolean;
  /** at most this many customer notices per customer per window; more wait for approval */
  rateLimit: { perCustomer: number; windowHours: number };
}

export type SmtpTransportConfig = {
  kind: 'smtp';
  host: string;
  port: number;
  /** true: TLS from the first byte (465); false: STARTTLS when offered (587/25) */
  secure: boolean;
  /** with secure false: refuse to send without STARTTLS */
  requireTls: boolean;
  tls: { rejectUnauthorized: boolean; servername: string | null };
  auth: { user: string; passwordFile: string } | null;
  /** name sent in EHLO; null: this host's name */
  name: string | null;
  timeoutSeconds: number;
};

export type SendmailTransportConfig = { kind: 'sendmail'; path: string };

export type TransportConfig = SmtpTransportConfig | SendmailTransportConfig;

export interface NotifyConfig {
  /** envelope sender and From: "Hosting Support <abuse@hoster.example>" or a bare address */
  from: string;
  replyTo: string | null;
  /** shown in the notice as the sender's name ("Ihr Hosting-Team von ...") */
  hosterName: string;
  /** locale when the panel knows none */
  defaultLocale: string;
  transport: TransportConfig;
  /** findings fall into windows of this many hours; one notice per finding per window */
  windowHours: number;
  policy: NoticePolicy;
  /** overrides per server, by the report's host name */
  servers: Record<string, Partial<NoticePolicy>>;
  /** overrides per reseller login (applied after the server's) */
  resellers: Record<string, Partial<NoticePolicy>>;
  retry: { maxAttempts: number; backoffSeconds: number[] };
  /** how long a sender owns a claimed notice; longer than the SMTP timeouts */
  leaseSeconds: number;
}

export const DEFAULT_NOTIFY_CONFIG_PATH = '/etc/spamtrace/notify.json';

export const DEFAULT_NOTIFY_CONFIG: NotifyConfig = {
  from: 'spamtrace@localhost',
  replyTo: null,
  hosterName: 'Hosting Support',
  defaultLocale: 'en',
  transport: { kind: 'sendmail', path: '/usr/sbin/sendmail' },
  windowHours: 24,
  policy: {
    enabled: true,
    autoMinScore: 8,
    approvalFor: ['spam', 'suspicious'],
    copyReseller: false,
    rateLimit: { perCustomer: 3, windowHours: 24 },
  },
  servers: {},
  resellers: {},
  retry: { maxAttempts: 8, backoffSeconds: [60, 300, 900, 3600, 3 * 3600, 6 * 3600] },
  leaseSeconds: 600,
};

/** The policy for a report's host and a subscription's reseller: defaults, then server, then reseller. */
export function policyFor(config: NotifyConfig, host: string, reseller: string | null): NoticePolicy {
  const server = config.servers[host] ?? {};
  const res = reseller !== null ? config.resellers[reseller] ?? {} : {};
  return {
    ...config.policy,
    ...server,
    ...res,
    rateLimit: { ...config.policy.rateLimit, ...server.rateLimit, ...res.rateLimit },
  };
}
