/**
 * What correlation concludes about one source: the scripts behind a local uid's mail,
 * and whether a SASL login's password was very likely stolen. Plain data for the report.
 */

export interface Count {
  value: string;
  count: number;
}

export interface EvidenceLine {
  file: string;
  line: number;
}

export interface ScriptSignal {
  /** stable id, e.g. "random-name", "php-in-upload-dir", "no-agent-no-referer", "steady-interval", "eval-code" */
  id: string;
  /** plain words for the admin */
  text: string;
}

export interface ScriptFile {
  exists: boolean;
  size: number | null;
  mtime: string | null;
  uid: number | null;
  owner: string | null;
}

export interface ScriptFinding {
  /** URL path as requested (untrusted) */
  urlPath: string;
  /** document root + URL path, when a document root is known */
  filePath: string | null;
  file: ScriptFile | null;
  /** requests to this path inside the window */
  requests: number;
  /** submissions that followed one of its requests within the correlation window */
  explainedSubmissions: number;
  /** median seconds from request to the submission it explains */
  medianLagSeconds: number | null;
  clients: Count[];
  userAgents: Count[];
  referers: Count[];
  firstSeen: string | null;
  lastSeen: string | null;
  signals: ScriptSignal[];
  /** X-PHP-Originating-Script named this script */
  namedByHeader: boolean;
  /** a few access-log lines that prove it */
  evidence: EvidenceLine[];
}

export type LoginConclusion = 'stolen' | 'unclear' | 'not-stolen';

export interface SaslAssessment {
  username: string;
  clients: { address: string; names: string[]; count: number }[];
  /** distinct /24 (IPv4) or /48 (IPv6) networks the login was used from */
  networks: number;
  heloNames: string[];
  randomHelo: boolean;
  recipientsPerMessage: number | null;
  /** failed AUTH attempts before the first success, from networks that later succeeded */
  failedBeforeFirstSuccess: number;
  failedTotal: number;
  conclusion: LoginConclusion;
  reasons: string[];
}
