import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEvidence } from '../../../src/trace/evidence-verdict';
import type { ReportSource } from '../../../src/domain/report';
import type { ScriptFinding } from '../../../src/domain/findings';

function source(over: Partial<ReportSource>): ReportSource {
  return {
    id: 'uid:4079', kind: 'local', uid: 4079, user: 'web274', home: null, saslUsername: null, clientAddresses: [], clientNames: [], heloNames: [],
    phpScripts: [], messages: 25, examinedMessages: 25, inferredMessages: 0, recipients: 100, uniqueRecipients: 100, firstSeen: null, lastSeen: null,
    ratePerHour: null, recipientDomains: [], distinctRecipientDomains: 4, freemailShare: 1, senders: [], distinctSenders: 1, senderFromMismatch: 0,
    listUnsubscribe: 0, verdict: 'suspicious', score: 5, reasons: ['100% of 100 recipients are at freemail providers'], rules: ['freemail-targets'],
    deferrals: { blocklisted: 0, 'rate-limited': 0, 'unknown-user': 0, other: 0 }, deferralRules: [], byQueue: {}, sampleQueueIds: [], sampleSubjects: [],
    ...over,
  };
}

function script(signals: string[], explained: number): ScriptFinding {
  return {
    urlPath: '/wp-content/uploads/x/kqzvmx.php', filePath: null, file: null, requests: explained, explainedSubmissions: explained, medianLagSeconds: 0.3,
    clients: [{ value: '185.220.101.47', count: explained }], userAgents: [], referers: [], firstSeen: null, lastSeen: null,
    signals: signals.map((id) => ({ id, text: id })), namedByHeader: true, evidence: [],
  };
}

test('a dropped script that explains the mail turns a suspicious source into spam, with the reason first', () => {
  const s = source({ scripts: [script(['random-name', 'php-in-upload-dir', 'steady-interval'], 25)] });
  applyEvidence(s);
  assert.equal(s.verdict, 'spam');
  assert.equal(s.score, 9);
  assert.ok(s.rules.includes('dropped-script'));
  assert.match(s.reasons[0]!, /25 of 25 messages followed requests to \/wp-content\/uploads\/x\/kqzvmx\.php/);
});

test('a contact form without bad signs, or a script explaining little, changes nothing', () => {
  const form = source({ verdict: 'normal', score: 2, scripts: [script([], 3)], messages: 3 });
  applyEvidence(form);
  assert.equal(form.verdict, 'normal');
  assert.equal(form.score, 2);
  const little = source({ scripts: [script(['random-name', 'steady-interval'], 5)] });
  applyEvidence(little);
  assert.equal(little.verdict, 'suspicious');
});

test('a stolen login raises a SASL source; applying twice adds nothing', () => {
  const s = source({
    id: 'sasl:a@b.de', kind: 'sasl', uid: null, saslUsername: 'a@b.de', score: 4,
    login: { username: 'a@b.de', clients: [], networks: 6, heloNames: [], randomHelo: true, recipientsPerMessage: 8, failedBeforeFirstSuccess: 40, failedTotal: 40, conclusion: 'stolen', reasons: ['40 failed logins before the first success'] },
  });
  applyEvidence(s);
  applyEvidence(s);
  assert.equal(s.score, 7);
  assert.equal(s.verdict, 'spam');
});

test('an unknown origin is never raised to spam', () => {
  const s = source({ id: 'unknown:no-origin', kind: 'unknown', uid: null, scripts: [script(['random-name', 'steady-interval'], 25)] });
  applyEvidence(s);
  assert.equal(s.verdict, 'suspicious');
});
