/**
 * Runs a scenario (scenarios.ts) against the running lab: each submission through sendmail,
 * SMTP, a web-server log or real HTTP requests to the lab's Apache, then optionally waits
 * until the queue has settled.
 */
import { requireRunning } from './lab-guards';
import { buildMessages } from './message-builder';
import { waitForQueueSettled, type SettleResult } from './queue-tools';
import { scenarioByName, type Scenario, type Submission } from './scenarios';
import { runSendmail } from './sendmail-submitter';
import { runSmtp } from './smtp-submitter';
import type { SubmissionResult } from './submission-result';
import { Rng, hashSeed } from './template';
import { runHttp } from './web/http-submitter';
import { requireWebRunning } from './web/web-lifecycle';
import { runWeblog } from './weblog-writer';

export interface RunScenarioOptions {
  /** replaces `count` of every message submission (and of weblog submissions with scaleWithCount) */
  count?: number;
  /** PRNG seed (default: derived from the scenario name, so runs are reproducible) */
  seed?: number;
  /** wait for the queue to settle afterwards (default false) */
  wait?: boolean;
  waitTimeoutMs?: number;
  /** parallel sendmail processes (default 8) */
  sendmailParallel?: number;
  /** override every SMTP submission's parallel connections */
  smtpParallel?: number;
  /** override every SMTP submission's messagesPerConnection */
  messagesPerConnection?: number;
  log?: (line: string) => void;
}

export interface ScenarioRun {
  scenario: string;
  seed: number;
  startedAt: string;
  elapsedMs: number;
  submissions: SubmissionResult[];
  settled?: SettleResult;
}

/** Runs one submission with an explicit message count. */
export async function runSubmission(sub: Submission, count: number, rng: Rng, opts: RunScenarioOptions = {}): Promise<SubmissionResult> {
  if (sub.via === 'weblog') return runWeblog(sub, count, rng);
  if (sub.via === 'http') return runHttp(sub, count, rng);
  const msgs = buildMessages(sub, count, rng);
  if (sub.via === 'sendmail') return runSendmail(sub, msgs, opts.sendmailParallel ?? 8);
  return runSmtp(sub, msgs, rng, opts);
}

/**
 * Runs a built-in scenario (by name) or your own `Scenario` object. Submissions run one after
 * the other; messages inside a submission run in parallel.
 */
export async function runScenario(nameOrScenario: string | Scenario, opts: RunScenarioOptions = {}): Promise<ScenarioRun> {
  await requireRunning();
  const scenario = typeof nameOrScenario === 'string' ? scenarioByName(nameOrScenario) : nameOrScenario;
  if (scenario.submissions.some((s) => s.via === 'http')) await requireWebRunning();
  const seed = opts.seed ?? hashSeed(scenario.name);
  const rng = new Rng(seed);
  const t0 = Date.now();
  const startedAt = new Date().toISOString();
  const results: SubmissionResult[] = [];
  for (const sub of scenario.submissions) {
    const scaled = (sub.via !== 'weblog' && sub.via !== 'http') || sub.scaleWithCount === true;
    const count = opts.count !== undefined && scaled ? opts.count : sub.count;
    const r = await runSubmission(sub, count, rng, opts);
    const what = sub.via === 'weblog' ? 'log lines' : sub.via === 'http' ? `requests ok${r.recipients ? ` (${r.recipients} recipients)` : ''}` : `messages (${r.recipients} recipients)`;
    opts.log?.(`${r.label}: ${r.submitted}/${r.attempted} ${what} in ${r.elapsedMs} ms${r.failed ? `, ${r.failed} failed: ${r.errors[0]}` : ''}`);
    results.push(r);
  }
  const run: ScenarioRun = { scenario: scenario.name, seed, startedAt, elapsedMs: Date.now() - t0, submissions: results };
  if (opts.wait) run.settled = await waitForQueueSettled(opts.waitTimeoutMs ?? 120000);
  return run;
}
