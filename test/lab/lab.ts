/**
 * The Postfix lab: turns this (throw-away, root) machine's Postfix into a spam-tracing test
 * bed whose mail never leaves loopback. See test/lab/README.md.
 *
 *   labUp()                  back up config once, create lab users, configure Postfix, start fake MX + Postfix
 *   labDown()                stop both, restore the backed-up files byte for byte, remove what the lab created
 *   labStatus()              Postfix / fake MX / queue state
 *   runScenario(name|obj)    submit a scenario's messages (sendmail as users, SMTP with XCLIENT/AUTH)
 *   waitForQueueSettled(ms)  until maildrop, incoming and active are empty (all tried once)
 *   flushQueue()             postsuper -d ALL (refuses unless the lab is up)
 *   fillQueueFast({total})   bulk queue for benchmarks
 *
 * Every program is spawned with an argument array, never a shell.
 *
 * This file is the lab's public entry; the work is done in one module per job:
 *   lab-lifecycle.ts    up / down          postfix-config.ts   main.cf settings, tables, SASL, postfix check
 *   lab-status.ts       status             postfix-process.ts  start / stop / find the Postfix master
 *   config-backup.ts    backup / restore   fake-mx-process.ts  the fake MX as a background process
 *   lab-users.ts        users, groups      lab-state.ts        what the lab created
 *   scenario-runner.ts  scenarios          sendmail-submitter.ts, smtp-submitter.ts, weblog-writer.ts
 *   fill-queue.ts       bulk fill          queue-tools.ts      spool counts, postqueue -j, settle, flush, postcat
 */
export * from './config';
export type { Scenario, Submission, SendmailSubmission, SmtpSubmission, WeblogSubmission, ExpectedSource } from './scenarios';
export { SCENARIOS, scenarioByName } from './scenarios';
export { PERSONAS } from './personas';

export { run, type RunResult } from './run-program';
export { sha256File } from './lab-files';
export { labPostconfSettings, transportTable, aliasesTable, SASL_SMTPD_CONF_TEXT } from './postfix-config';
export { readFakeMxStatus } from './fake-mx-process';
export { labUp, labDown, type LabOptions, type LabUpResult, type LabDownResult } from './lab-lifecycle';
export { labStatus, type LabStatus } from './lab-status';
export {
  spoolCounts,
  postqueueJson,
  waitForQueueSettled,
  flushQueue,
  postcat,
  type QueueCounts,
  type QueueEntry,
  type SettleResult,
} from './queue-tools';
export { buildMessages } from './message-builder';
export type { SubmissionResult } from './submission-result';
export { runSubmission, runScenario, type RunScenarioOptions, type ScenarioRun } from './scenario-runner';
export { DEFAULT_FILL_MIX, fillQueueFast, type FillKind, type FillOptions, type FillResult } from './fill-queue';
