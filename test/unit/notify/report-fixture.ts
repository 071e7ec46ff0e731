/**
 * A scan report as `spamtrace scan --json` writes it, with two spam sources that belong
 * to panel subscriptions: a hacked WordPress upload (German customer) and a stolen
 * mailbox password (English customer), plus a normal newsletter. Built from the seed
 * case's numbers; names and addresses are anonymised.
 */
import type { Report, ReportSource } from '../../../src/domain/report';

const base: Omit<ReportSource, 'id' | 'kind' | 'verdict' | 'score'> = {
  uid: null,
  user: null,
  home: null,
  saslUsername: null,
  clientAddresses: [],
  clientNames: [],
  heloNames: [],
  phpScripts: [],
  messages: 0,
  examinedMessages: 0,
  inferredMessages: 0,
  recipients: 0,
  uniqueRecipients: 0,
  firstSeen: null,
  lastSeen: null,
  ratePerHour: null,
  recipientDomains: [],
  distinctRecipientDomains: 0,
  freemailShare: 0,
  senders: [],
  distinctSenders: 0,
  senderFromMismatch: 0,
  listUnsubscribe: 0,
  reasons: [],
  rules: [],
  deferrals: { blocklisted: 0, 'rate-limited': 0, 'unknown-user': 0, other: 0 },
  deferralRules: [],
  byQueue: {},
  sampleQueueIds: [],
  sampleSubjects: [],
};

export const SCRIPT_PATH = '/var/www/vhosts/beispiel-shop.de/httpdocs/wp-content/uploads/2014/02/xmlrpclAag.php';
export const SCRIPT_ATTACKER = '198.51.100.23';
export const SASL_ATTACKER = '93.120.196.244';
export const GERMAN_EMAIL = 'inhaber@beispiel-shop.de';
export const ENGLISH_EMAIL = 'owner@example-store.com';

export function localSpamSource(overrides: Partial<ReportSource> = {}): ReportSource {
  return {
    ...base,
    id: 'uid:4079',
    kind: 'local',
    uid: 4079,
    user: 'web274',
    home: '/var/www/vhosts/beispiel-shop.de',
    phpScripts: ['xmlrpclAag.php'],
    messages: 412,
    examinedMessages: 412,
    recipients: 2060,
    uniqueRecipients: 2011,
    firstSeen: '2026-11-28T06:30:16.000Z',
    lastSeen: '2026-11-28T09:02:09.000Z',
    recipientDomains: [{ domain: 'aol.com', count: 1500 }, { domain: 'yahoo.com', count: 500 }],
    distinctRecipientDomains: 2,
    freemailShare: 0.98,
    verdict: 'spam',
    score: 11,
    reasons: ['412 different envelope senders'],
    rules: ['random-senders'],
    sampleSubjects: ['<script>alert(1)</script> Cheap \u001b[31mpills\u202e now, best offer of the whole year for you and your family'],
    subscription: {
      id: '17',
      panel: 'plesk',
      domains: ['beispiel-shop.de', 'www.beispiel-shop.de'],
      customer: 'beispiel',
      customerEmail: GERMAN_EMAIL,
      reseller: 'agentur',
    },
    scripts: [
      {
        urlPath: '/wp-content/uploads/2014/02/xmlrpclAag.php',
        filePath: SCRIPT_PATH,
        file: null,
        requests: 415,
        explainedSubmissions: 410,
        medianLagSeconds: 0,
        clients: [{ value: SCRIPT_ATTACKER, count: 415 }],
        userAgents: [],
        referers: [],
        firstSeen: '2026-11-28T06:30:15.000Z',
        lastSeen: '2026-11-28T09:02:08.000Z',
        signals: [{ id: 'php-in-upload-dir', text: 'a PHP file in an upload folder' }],
        namedByHeader: true,
        evidence: [],
      },
    ],
    ...overrides,
  };
}

export function saslSpamSource(overrides: Partial<ReportSource> = {}): ReportSource {
  return {
    ...base,
    id: 'sasl:info@example-store.com',
    kind: 'sasl',
    saslUsername: 'info@example-store.com',
    clientAddresses: [SASL_ATTACKER],
    heloNames: ['cisqyltfbn'],
    messages: 120,
    examinedMessages: 120,
    recipients: 960,
    firstSeen: '2026-11-28T01:00:00.000Z',
    lastSeen: '2026-11-28T03:00:00.000Z',
    verdict: 'spam',
    score: 9,
    sampleSubjects: ['Your parcel is waiting'],
    subscription: { id: '23', panel: 'plesk', domains: ['example-store.com'], customer: 'store', customerEmail: ENGLISH_EMAIL, reseller: null },
    login: {
      username: 'info@example-store.com',
      clients: [{ address: SASL_ATTACKER, names: [], count: 120 }],
      networks: 4,
      heloNames: ['cisqyltfbn'],
      randomHelo: true,
      recipientsPerMessage: 8,
      failedBeforeFirstSuccess: 37,
      failedTotal: 40,
      conclusion: 'stolen',
      reasons: [],
    },
    ...overrides,
  };
}

export function normalSource(): ReportSource {
  return {
    ...base,
    id: 'uid:5001',
    kind: 'local',
    uid: 5001,
    user: 'web300',
    messages: 40,
    verdict: 'normal',
    score: 0,
    subscription: { id: '30', panel: 'plesk', domains: ['newsletter.example'], customer: 'news', customerEmail: 'news@newsletter.example', reseller: null },
  };
}

export function sampleReport(sources: ReportSource[] = [localSpamSource(), saslSpamSource(), normalSource()], generatedAt = '2026-11-28T09:05:00.000Z'): Report {
  return {
    version: 1,
    host: 'web01.hoster.example',
    generatedAt,
    input: { mode: 'live', queueSource: 'postqueue -j', postcat: true },
    postfix: { version: '3.7.11' },
    queue: { total: 532, byQueue: { deferred: 532 }, examined: 532 },
    skipped: [],
    warnings: [],
    sources,
  };
}

/** The German customer's locale comes from the inventory (or a later report field). */
export function withLocale(source: ReportSource, locale: string): ReportSource {
  return { ...source, subscription: { ...source.subscription!, customerLocale: locale } as ReportSource['subscription'] };
}
