/**
 * The rule kit (src/trace/rules/): every row of every table has a case here that makes
 * it apply, and the benign cases of issue 13 are regression tests. A row without a case
 * fails the last test, as in deferral-rules.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReportSource } from '../../../src/domain/report';
import type { WebRequest } from '../../../src/domain/weblog';
import { EVIDENCE_RULES } from '../../../src/trace/rules/evidence-rules';
import { EVAL_CODE, scoreRows, VERDICT_RANK, worseVerdict, type RuleRow, type Thresholds } from '../../../src/trace/rules/rule-kit';
import { SASL_RULES, type SaslFacts } from '../../../src/trace/rules/sasl-rules';
import { SCRIPT_SIGNAL_RULES, type ScriptFacts } from '../../../src/trace/rules/script-signal-rules';
import { SPAM_SCORE, SUSPICIOUS_SCORE, VERDICT_RULES } from '../../../src/trace/rules/verdict-rules';
import type { SourceFacts } from '../../../src/trace/source-facts';
import { judge } from '../../../src/trace/verdict';
import { keyRequest } from '../../../src/trace/correlate/match-submissions';

const facts = (o: Partial<SourceFacts> = {}): SourceFacts => ({
  kind: 'local', messages: 3, recipients: 3, recipientsPerMessage: 1, freemailShare: 0, distinctSenders: 1, fromCompared: 0, fromMismatch: 0,
  listUnsubscribeShare: null, deferrals: { blocklisted: 0, 'rate-limited': 0, 'unknown-user': 0, other: 0 }, reputationShare: 0,
  topReputationLabels: '', bogusHelos: [], dynamicClients: [], evalScripts: 0, messagesPerDay: 3, ...o,
});

const VERDICT_CASES: Record<string, Partial<SourceFacts>> = {
  'php-eval': { evalScripts: 2 },
  'random-senders': { messages: 10, distinctSenders: 9 },
  'sender-from-mismatch': { fromCompared: 4, fromMismatch: 3 },
  'freemail-targets': { recipients: 10, freemailShare: 0.9 },
  'many-recipients-per-message': { recipientsPerMessage: 8, freemailShare: 0.8, listUnsubscribeShare: 0 },
  'unauthenticated-relay': { kind: 'smtp-client', recipients: 10, freemailShare: 0.5 },
  'reputation-deferrals': { deferrals: { blocklisted: 4, 'rate-limited': 0, 'unknown-user': 0, other: 0 }, reputationShare: 0.8, topReputationLabels: 'AOL DYN:T1' },
  'unknown-users': { recipients: 5, deferrals: { blocklisted: 0, 'rate-limited': 0, 'unknown-user': 3, other: 0 } },
  'bogus-helo': { kind: 'smtp-client', bogusHelos: ['bot'] },
  'dynamic-client': { kind: 'smtp-client', dynamicClients: ['1-2-3-4.dyn.example'] },
  volume: { messages: 25, recipients: 25, distinctSenders: 2 },
  'unsubscribe-link': { listUnsubscribeShare: 1 },
  'one-consistent-sender': { fromCompared: 3 },
};

const SASL_BASE: SaslFacts = {
  networks: ['198.51.100.0/24'], countries: [], spanSeconds: null, randomHelos: [], clientNames: [], failedBeforeFirstSuccess: 0,
  topFailureNetwork: null, successTimeKnown: true, failedTotal: 0, failedNamingLogin: 0, recipientsPerMessage: 1,
};
const NETS = (n: number) => Array.from({ length: n }, (_, i) => `198.51.${i}.0/24`);
const SASL_CASES: Record<string, Partial<SaslFacts>> = {
  'brute-force-then-success': { failedBeforeFirstSuccess: 12 },
  'many-networks': { networks: NETS(6) },
  'random-helo': { randomHelos: ['cisqyltfbn'] },
  'failures-then-success': { failedBeforeFirstSuccess: 6 },
  'many-countries': { countries: ['RU', 'CN', 'BR'] },
  'several-networks': { networks: NETS(3) },
  'fast-spread': { networks: NETS(3), spanSeconds: 3600 },
  'attacked-login': { failedNamingLogin: 25 },
  'dynamic-client': { clientNames: ['93-120-196-244.dynamic.mts-nn.ru'], randomHelos: ['cisqyltfbn'] },
  'many-recipients': { recipientsPerMessage: 8 },
  'one-network': {},
};

const source = (o: Partial<ReportSource>): ReportSource => ({ id: 'uid:4079', kind: 'local', messages: 10, rules: [], reasons: [], score: 0, verdict: 'normal', ...o }) as ReportSource;
const EVIDENCE_CASES: Record<string, ReportSource> = {
  'dropped-script': source({
    scripts: [{ urlPath: '/wp-content/uploads/x7k2q.php', explainedSubmissions: 8, signals: [{ id: 'random-name', text: '' }, { id: 'php-in-upload-dir', text: '' }] }] as ReportSource['scripts'],
  }),
  'stolen-login': source({ kind: 'sasl', login: { conclusion: 'stolen', reasons: ['a', 'b'] } as ReportSource['login'] }),
};

const request = (i: number, o: Partial<WebRequest> = {}): WebRequest => ({
  time: new Date(Date.UTC(2026, 2, 10, 12, 0, i * 30)), client: '203.0.113.5', vhost: null, method: 'POST', path: '/index.php', query: '', status: 200, bytes: 10, referer: null, userAgent: null, file: 'access_log', line: i + 1, ...o,
});
const script = (o: Partial<ScriptFacts>): ScriptFacts => ({ key: '/contact/send.php', baseName: 'send.php', requests: [], headerScripts: [], ...o });
const SCRIPT_CASES: Record<string, ScriptFacts> = {
  'random-name': script({ key: '/x7kq2vzp.php', baseName: 'x7kq2vzp.php' }),
  'php-in-upload-dir': script({ key: '/wp-content/uploads/2026/03/send.php' }),
  'no-agent-no-referer': script({ requests: [keyRequest(request(0))] }),
  'steady-interval': script({ requests: Array.from({ length: 8 }, (_, i) => keyRequest(request(i, { userAgent: 'Mozilla' }))) }),
  'eval-code': script({ headerScripts: ["x.php(2) : eval()'d code"] }),
};

function eachRow<F>(name: string, rows: readonly RuleRow<F, Thresholds>[], caseOf: (id: string) => F | undefined, base: F): void {
  for (const r of rows) {
    test(`${name} row ${r.id} applies to its case and says why`, () => {
      const f = caseOf(r.id);
      assert.ok(f !== undefined, `${r.id} has no case`);
      const reason = r.test(f!);
      assert.equal(typeof reason, 'string', r.id);
      assert.ok(reason!.length > 10, r.id);
      assert.ok(Object.isFrozen(r.thresholds));
    });
  }
  test(`${name}: the base facts trigger no row that counts against the source`, () => {
    const { hits } = scoreRows(rows, base);
    assert.deepEqual(hits.filter((h) => h.weight > 0), []);
  });
}

eachRow('verdict', VERDICT_RULES, (id) => (VERDICT_CASES[id] ? facts(VERDICT_CASES[id]) : undefined), facts());
eachRow('sasl', SASL_RULES, (id) => (SASL_CASES[id] ? { ...SASL_BASE, ...SASL_CASES[id] } : undefined), SASL_BASE);
eachRow('evidence', EVIDENCE_RULES, (id) => EVIDENCE_CASES[id], source({}));
eachRow('script signal', SCRIPT_SIGNAL_RULES, (id) => SCRIPT_CASES[id], script({ requests: [keyRequest(request(0, { userAgent: 'Mozilla', referer: 'https://shop.example/' }))] }));

test('every row of every table has a case, and no case names a row that does not exist', () => {
  const tables: [readonly RuleRow<never, Thresholds>[], object][] = [
    [VERDICT_RULES, VERDICT_CASES], [SASL_RULES, SASL_CASES], [EVIDENCE_RULES, EVIDENCE_CASES], [SCRIPT_SIGNAL_RULES, SCRIPT_CASES],
  ];
  for (const [rows, cases] of tables) {
    assert.deepEqual(rows.map((r) => r.id).sort(), Object.keys(cases).sort());
    assert.equal(new Set(rows.map((r) => r.id)).size, rows.length, 'ids are unique');
  }
});

test('the scorer: against first, heaviest first, then in favour; the sum is the score', () => {
  const r = scoreRows(VERDICT_RULES, facts({ messages: 10, distinctSenders: 9, listUnsubscribeShare: 1, evalScripts: 1 }));
  assert.deepEqual(r.hits.map((h) => h.id), ['php-eval', 'random-senders', 'unsubscribe-link']);
  assert.equal(r.score, 5 + 3 - 3);
});

test('verdict order and the eval() pattern are defined once', () => {
  assert.deepEqual(Object.keys(VERDICT_RANK).sort((a, b) => VERDICT_RANK[a as 'spam'] - VERDICT_RANK[b as 'spam']), ['normal', 'suspicious', 'spam']);
  assert.equal(worseVerdict('suspicious', 'normal'), 'suspicious');
  assert.equal(worseVerdict('suspicious', 'spam'), 'spam');
  assert.ok(EVAL_CODE.test("wp-content/x.php(2) : eval()'d code"));
  assert.ok(!EVAL_CODE.test('kontakt.php'));
});

// ---- issue 13's benign cases, as regression tests ----------------------------------

const homeOffice = (o: Partial<SourceFacts> = {}) =>
  facts({ kind: 'sasl', messages: 22, recipients: 26, recipientsPerMessage: 26 / 22, freemailShare: 0.85, distinctSenders: 1, dynamicClients: ['dslb-178-006-123-045.178.006.pools.vodafone-ip.de'], bogusHelos: ['anna-laptop'], messagesPerDay: 11, ...o });

test('a dynamic address alone never counts against an authenticated login', () => {
  const r = judge(facts({ kind: 'sasl', dynamicClients: ['ip-88-152-10-21.hsi03.unitymediagroup.de'], bogusHelos: ['DESKTOP-4F7QK2L'] }), { originKnown: true });
  assert.equal(r.verdict, 'normal');
  assert.ok(!r.rules.includes('dynamic-client'));
  const sasl = scoreRows(SASL_RULES, { ...SASL_BASE, clientNames: ['p5b0c3d21.dip0.t-ipconnect.de'] });
  assert.ok(!sasl.hits.some((h) => h.id === 'dynamic-client'));
});

test('freemail share alone is not suspicious for a login with one consistent sender and normal volume', () => {
  const r = judge(homeOffice(), { originKnown: true });
  assert.equal(r.verdict, 'normal', r.reasons.join('; '));
  assert.ok(!r.rules.includes('freemail-targets'));
  assert.ok(r.score < SUSPICIOUS_SCORE);
});

test('the same freemail share counts again once the login is not ordinary: many senders, or bulk', () => {
  assert.ok(judge(homeOffice({ distinctSenders: 15 }), { originKnown: true }).rules.includes('freemail-targets'));
  assert.ok(judge(homeOffice({ recipientsPerMessage: 8 }), { originKnown: true }).rules.includes('freemail-targets'));
  assert.ok(judge(homeOffice({ messagesPerDay: 900 }), { originKnown: true }).rules.includes('freemail-targets'));
});

test('a bot on a stolen login (random HELO from a dynamic address, eight freemail recipients a message) stays spam', () => {
  const r = judge(facts({ kind: 'sasl', messages: 1, recipients: 8, recipientsPerMessage: 8, freemailShare: 1, fromCompared: 1, listUnsubscribeShare: 0, bogusHelos: ['cisqyltfbn'], dynamicClients: ['93-120-196-244.dynamic.mts-nn.ru'] }), { originKnown: true });
  assert.ok(r.score >= SPAM_SCORE, r.reasons.join('; '));
  assert.ok(r.rules.includes('dynamic-client'));
});
