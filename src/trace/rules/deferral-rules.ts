/**
 * What providers say when they defer or refuse our mail, sorted into what it means for
 * the server. Data, not code: add a row when a provider changes its wording, and a test
 * row in test/unit/trace/deferral-rules.test.ts. First match wins, so specific rows
 * come before generic ones.
 */
import type { DeferralClass } from '../../domain/report';

export interface DeferralRule {
  id: string;
  provider: string | null;
  class: DeferralClass;
  label: string;
  pattern: RegExp;
}

export const DEFERRAL_RULES: readonly DeferralRule[] = [
  // AOL: "421 4.7.1 : (DYN:T1)" = dynamic/blocklisted IP; RTR = reputation
  { id: 'aol-dyn-t1', provider: 'AOL', class: 'blocklisted', label: 'AOL DYN:T1', pattern: /\(DYN:T1\)/i },
  { id: 'aol-rtr', provider: 'AOL', class: 'blocklisted', label: 'AOL RTR', pattern: /\b554[- ].*\bRTR:/i },
  // Yahoo/AOL since 2017: TSS04 = "unexpected volume or user complaints"
  { id: 'yahoo-tss04', provider: 'Yahoo', class: 'rate-limited', label: 'Yahoo TSS04', pattern: /\[TSS0[1-9]\]/i },
  { id: 'gmail-unsolicited-rate', provider: 'Gmail', class: 'blocklisted', label: 'Gmail unusual rate of unsolicited mail', pattern: /unusual rate of\s+(?:\d{3}[- ]4\.7\.\d+\s+)?unsolicited mail/i },
  { id: 'gmail-4.7.28', provider: 'Gmail', class: 'rate-limited', label: 'Gmail 4.7.28 rate limit', pattern: /\b421[- ]4\.7\.28\b/ },
  { id: 'gmail-likely-unsolicited', provider: 'Gmail', class: 'blocklisted', label: 'Gmail likely unsolicited', pattern: /likely\s+(?:\d{3}[- ]5\.7\.1\s+)?unsolicited mail/i },
  { id: 'microsoft-s3140', provider: 'Microsoft', class: 'blocklisted', label: 'Microsoft S3140', pattern: /\(S3140\)/ },
  { id: 'microsoft-s3150', provider: 'Microsoft', class: 'blocklisted', label: 'Microsoft S3150', pattern: /\(S3150\)/ },
  { id: 'microsoft-block-list', provider: 'Microsoft', class: 'blocklisted', label: 'Microsoft block list', pattern: /\bpart of their network is on our block list\b/i },
  { id: 'spamhaus', provider: 'Spamhaus', class: 'blocklisted', label: 'listed by Spamhaus', pattern: /spamhaus/i },
  { id: 'dnsbl-blocked-using', provider: null, class: 'blocklisted', label: 'blocked using a DNSBL', pattern: /blocked using [a-z0-9.-]+/i },
  { id: 'generic-blacklist', provider: null, class: 'blocklisted', label: 'blocklisted', pattern: /\b(?:black|block|deny)[- ]?list(?:ed)?\b|\bpoor reputation\b|\breputation\b.*\b(?:low|bad)\b/i },
  { id: 'generic-rate', provider: null, class: 'rate-limited', label: 'rate limited', pattern: /\btoo many (?:messages|connections|recipients)\b|\brate limit|\bexceeded\b.*\b(?:rate|quota)\b|\bthrottl/i },
  { id: 'unknown-user-5.1.1', provider: null, class: 'unknown-user', label: 'unknown user', pattern: /\b5\.1\.1\b|user unknown|no such user|does not exist|unknown recipient|recipient address rejected: user unknown/i },
  { id: 'greylisted', provider: null, class: 'other', label: 'greylisted', pattern: /greylist|graylist/i },
  { id: 'connection-failure', provider: null, class: 'other', label: 'connection failed', pattern: /\bconnect to .* (?:Connection refused|Connection timed out|Network is unreachable)|\bconversation with .* timed out|lost connection/i },
];
