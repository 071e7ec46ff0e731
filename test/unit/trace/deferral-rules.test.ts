import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyDeferral } from '../../../src/trace/classify-deferral';
import { DEFERRAL_RULES } from '../../../src/trace/rules/deferral-rules';

/** One row per rule: a real-world reason text and the rule it must hit. */
const ROWS: { reason: string; rule: string | null; cls: string }[] = [
  { reason: 'delivery temporarily suspended: host mailin-03.mx.aol.com[64.12.88.163] refused to talk to me: 421 4.7.1 : (DYN:T1) http://postmaster.info.aol.com/errors/421dynt1.html', rule: 'aol-dyn-t1', cls: 'blocklisted' },
  { reason: 'host mx-aol.mail.gm0.yahoodns.net[67.195.204.72] said: 554 5.7.9 RTR:BL http://postmaster.aol.com (in reply to end of DATA command)', rule: 'aol-rtr', cls: 'blocklisted' },
  { reason: 'host mta7.am0.yahoodns.net[67.195.228.94] refused to talk to me: 421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints', rule: 'yahoo-tss04', cls: 'rate-limited' },
  { reason: 'host gmail-smtp-in.l.google.com[142.250.1.26] said: 421-4.7.0 [192.0.2.1] Our system has detected an unusual rate of 421-4.7.0 unsolicited mail originating from your IP address. (in reply to end of DATA command)', rule: 'gmail-unsolicited-rate', cls: 'blocklisted' },
  { reason: 'host gmail-smtp-in.l.google.com[142.250.1.26] said: 421 4.7.28 Gmail has detected an unusual rate of mail originating from your SPF domain', rule: 'gmail-4.7.28', cls: 'rate-limited' },
  { reason: 'host gmail-smtp-in.l.google.com[142.250.1.26] said: 550-5.7.1 [192.0.2.1] Our system has detected that this message is likely unsolicited mail.', rule: 'gmail-likely-unsolicited', cls: 'blocklisted' },
  { reason: 'host hotmail-com.olc.protection.outlook.com[104.47.1.33] said: 550 5.7.1 Unfortunately, messages from [192.0.2.1] weren\'t sent. Please contact your Internet service provider since part of their network is on our block list (S3140).', rule: 'microsoft-s3140', cls: 'blocklisted' },
  { reason: 'host outlook-com.olc.protection.outlook.com[104.47.1.33] said: 550 5.7.1 Unfortunately, messages from [192.0.2.1] weren\'t sent. (S3150)', rule: 'microsoft-s3150', cls: 'blocklisted' },
  { reason: 'host eur.olc.protection.outlook.com[104.47.1.33] said: 550 5.7.1 Service unavailable, Client host [192.0.2.1] part of their network is on our block list', rule: 'microsoft-block-list', cls: 'blocklisted' },
  { reason: 'host mx.example.net[198.51.100.1] said: 554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org', rule: 'spamhaus', cls: 'blocklisted' },
  { reason: 'host mx.example.net[198.51.100.1] said: 554 5.7.1 Client host [192.0.2.1] blocked using bl.spamcop.net', rule: 'dnsbl-blocked-using', cls: 'blocklisted' },
  { reason: 'host mx.example.net[198.51.100.1] said: 550 Your IP is blacklisted', rule: 'generic-blacklist', cls: 'blocklisted' },
  { reason: 'host mx.example.net[198.51.100.1] said: 421 Too many connections from your IP', rule: 'generic-rate', cls: 'rate-limited' },
  { reason: 'host mx.example.net[198.51.100.1] said: 550 5.1.1 <nobody@example.net>: Recipient address rejected: User unknown', rule: 'unknown-user-5.1.1', cls: 'unknown-user' },
  { reason: 'host mx.example.net[198.51.100.1] said: 450 4.7.1 <a@example.net>: Recipient address rejected: Greylisted, try again later', rule: 'greylisted', cls: 'other' },
  { reason: 'connect to mx.example.net[198.51.100.1]:25: Connection refused', rule: 'connection-failure', cls: 'other' },
  { reason: 'host mx.example.net[198.51.100.1] said: 452 4.2.2 Mailbox full', rule: null, cls: 'other' },
];

for (const row of ROWS) {
  test(`the deferral "${row.reason.slice(0, 70)}..." is classified ${row.cls} by ${row.rule ?? 'no rule'}`, () => {
    const m = classifyDeferral(row.reason);
    assert.equal(m.rule, row.rule);
    assert.equal(m.class, row.cls);
  });
}

test('every rule in the deferral table has a test row', () => {
  const covered = new Set(ROWS.map((r) => r.rule));
  const missing = DEFERRAL_RULES.filter((r) => !covered.has(r.id)).map((r) => r.id);
  assert.deepEqual(missing, []);
});
