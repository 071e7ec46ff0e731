/**
 * `spamtrace act plan|apply|undo|list|status`: containment actions through the engine
 * in src/act/ (the same one the UI's buttons use). Every start reports actions a crash
 * left half-done. With `--host ALIAS` the actions run on that host over SSH (one
 * connection, one remote session for the whole command); journal, lock and audit stay
 * here on the scanner.
 */
import { parseArgs } from 'node:util';
import { userInfo } from 'node:os';
import { SpamtraceError } from '../errors';
import { LocalHost } from '../host/local-host';
import { loadConfig, resolveConfigPath } from '../config/load-config';
import { renderPlan } from '../act/action';
import { ACTION_ID, DEFAULT_JOURNAL, type JournalEntry } from '../act/journal';
import type { ActionEngine, EngineDeps } from '../act/engine';
import { terminalSafe } from '../terminal-safe';
import { openCliActEngine } from './cli-act-engine';
import { DEFAULT_QUARANTINE_DIR } from '../act/quarantine';
import { DEFAULT_ACTIONS_DIR } from '../act/journal';
import type { Host } from '../host/host';
import { SshHost } from '../host/ssh-host';
import { isSshError } from '../host/ssh/ssh-errors';
import { defaultSshConfigPath } from '../host/ssh/ssh-config-file';
import { validAlias } from '../host/ssh/ssh-command';
import { selectHosts } from '../fleet/fleet-config';
import { DEFAULT_WEB_ROOTS, RoutedHost } from '../fleet/routed-host';
import { resolveFleetConfig } from './fleet-command';
import { DEFAULT_FLEET_FILE } from './fleet-args';

export const ACT_HELP = `Usage: spamtrace act <plan|apply|undo|list|status> [ACTION TARGET | ID] [options]

  plan ACTION TARGET     show exactly what would change (commands, config diffs); changes nothing
  apply ACTION TARGET    do it: journaled before it starts, checked on the system afterwards, audited
  undo ID                take an action back (ID from list); also undo ACTION TARGET (the latest one)
  list                   every action in the journal with its state
  status [ID]            actions left half-done by a crash, or one action in detail

Actions:
  queue-hold SOURCE      put all queued mail of a source on hold (postsuper -h)
  queue-release SOURCE   release it (postsuper -H)
  queue-requeue SOURCE   requeue its queued mail (postsuper -r); nothing to undo
  queue-delete SOURCE    delete its HELD mail; needs --confirm-delete N naming the count; cannot be undone
  block-submit USER      stop a local user from submitting with sendmail (authorized_submit_users)
  block-login LOGIN      refuse mail from a SASL login (check_sasl_access)
  defer-login LOGIN      pause a SASL login: its submissions get a 4xx and stay with the client
  defer-client IP        pause an SMTP client address (check_client_access DEFER); not 127.0.0.1
  quarantine-script PATH move a script out of its docroot into the root-only quarantine
  policy-hook 127.0.0.1:PORT hook the watcher's policy service into Postfix (who speaks SMTP to 127.0.0.1)
  plesk-mail-limit ADDRESS   Plesk: the mailbox's outgoing limit to 0 (when Plesk is installed)
  plesk-suspend DOMAIN#ID    Plesk: suspend the subscription
  confixx-lock webN          Confixx: lock the customer (kunden.gesperrt)
  SOURCE is a source as the scan report names it: uid:N, user:NAME, sasl:LOGIN, client:IP

On another server, over SSH (nothing is installed there; Confixx-era hosts included):
  --host ALIAS           run plan/apply/undo on that host: the queue actions, block-submit,
                         block-login, defer-login, defer-client and confixx-lock (its
                         MySQL through its own mysql client); not quarantine-script,
                         policy-hook or Plesk's. Files are read and replaced there
                         atomically and read back; a file changed there since it was
                         read is never overwritten.
                         The journal, lock and audit stay here, by default in
                         ${DEFAULT_ACTIONS_DIR}/hosts/ALIAS/; an action is undone only
                         through the alias it was taken through
  --fleet FILE           resolve ALIAS like scan --hosts: the fleet file (default
                         $SPAMTRACE_FLEET or ${DEFAULT_FLEET_FILE}), else the SSH config
  --ssh-config FILE      the SSH config (default: the fleet file's, else ~/.ssh/config)

Options:
  --confirm-delete N     queue-delete: the number of held messages you agree to delete
  --json                 machine-readable output
  --journal FILE         the action journal (default ${DEFAULT_JOURNAL}, or $SPAMTRACE_ACT_JOURNAL);
                         the lock and audit.jsonl live beside it
  --quarantine-dir DIR   default ${DEFAULT_QUARANTINE_DIR}
  --root DIR             where scripts may be quarantined from (repeatable; default the config's roots)
  --actor NAME           who is acting, for the audit (default $SUDO_USER or the login)
  --config FILE          spamtrace config file

Exit codes: 0 done and verified, 1 done but the check on the system failed (or half-done
actions found by status), 2 error (nothing applied, or see the journal; with --host also
E_ACT_SSH: the host could not be reached or was lost).
`;

export interface ActIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: NodeJS.ProcessEnv;
}

/** What tests inject; the command line sets none of it. */
export interface ActHooks {
  /** called after each journaled step: the crash tests kill the process there */
  afterStep?: EngineDeps['afterStep'];
}

export async function actCommand(
  argv: string[],
  io: ActIo = { stdout: process.stdout, stderr: process.stderr, env: process.env },
  hooks: ActHooks = {},
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'confirm-delete': { type: 'string' },
        json: { type: 'boolean' },
        journal: { type: 'string' },
        'quarantine-dir': { type: 'string' },
        root: { type: 'string', multiple: true },
        actor: { type: 'string' },
        config: { type: 'string' },
        host: { type: 'string' },
        fleet: { type: 'string' },
        'ssh-config': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new SpamtraceError('E_USAGE', `act: ${(e as Error).message}`);
  }
  const v = parsed.values;
  const [sub, ...rest] = parsed.positionals;
  if (v.help || sub === 'help') {
    io.stdout.write(ACT_HELP);
    return 0;
  }
  if (!sub || !['plan', 'apply', 'undo', 'list', 'status'].includes(sub)) {
    throw new SpamtraceError('E_USAGE', `act: expected plan, apply, undo, list or status${sub ? `, got "${sub.slice(0, 20)}"` : ''} (see spamtrace act --help)`);
  }
  let confirmDelete: number | undefined;
  if (v['confirm-delete'] !== undefined) {
    if (!/^\d{1,9}$/.test(v['confirm-delete'])) throw new SpamtraceError('E_USAGE', '--confirm-delete takes the number of messages');
    confirmDelete = Number(v['confirm-delete']);
  }
  if (v.host === undefined && (v.fleet !== undefined || v['ssh-config'] !== undefined)) throw new SpamtraceError('E_USAGE', `act: ${v.fleet !== undefined ? '--fleet' : '--ssh-config'} needs --host ALIAS`);
  if (v.host !== undefined && (v.root !== undefined || v['quarantine-dir'] !== undefined)) throw new SpamtraceError('E_USAGE', 'act: --root and --quarantine-dir are for quarantine-script, which does not run over SSH (--host)');
  const { config } = loadConfig(resolveConfigPath(v.config, io.env));
  const remote = v.host !== undefined ? await remoteTarget(v.host, v.fleet, v['ssh-config'], io.env) : null;
  const journalPath = v.journal ?? (io.env.SPAMTRACE_ACT_JOURNAL || (remote ? `${DEFAULT_ACTIONS_DIR}/hosts/${remote.alias}/journal.jsonl` : DEFAULT_JOURNAL));
  // list and status read the local journal only: no connection needed
  const needsHost = sub === 'plan' || sub === 'apply' || sub === 'undo';
  let host: Host = new LocalHost();
  let ssh: SshHost | null = null;
  let web: SshHost | null = null;
  if (remote) {
    ssh = new SshHost({ alias: remote.alias, configPath: remote.sshConfig });
    host = ssh;
    // a mail node whose sites live on a web node (fleet file `webFrom`): seen as the scan sees it
    if (remote.webFrom !== null && remote.webFrom !== remote.alias) {
      web = new SshHost({ alias: remote.webFrom, configPath: remote.sshConfig });
      host = new RoutedHost(ssh, web, [...new Set([...DEFAULT_WEB_ROOTS, config.roots.vhosts, config.roots.confixx])]);
    }
  }
  try {
    if (ssh && needsHost) await ssh.connect();
    if (web && needsHost) await web.connect();
    const { engine, store } = await openCliActEngine({
      host,
      config,
      journalPath,
      ...(v.root ? { roots: v.root } : {}),
      ...(v['quarantine-dir'] ? { quarantineDir: v['quarantine-dir'] } : {}),
      actor: (v.actor ?? io.env.SUDO_USER ?? userInfo().username).slice(0, 64),
      ...(hooks.afterStep ? { afterStep: hooks.afterStep } : {}),
      ...(remote ? { remote: remote.alias } : {}),
      // list/status over --host never connect: the panel actions are not looked for
      ...(remote && !needsHost ? { noPanels: true } : {}),
    });
    try {
      return await runSub(sub, rest, engine, confirmDelete, v.json === true, io, remote?.alias);
    } finally {
      store?.close();
    }
  } catch (e) {
    if (isSshError(e)) throw new SpamtraceError('E_ACT_SSH', e.message);
    throw e;
  } finally {
    await ssh?.close();
    await web?.close();
  }
}

/** --host ALIAS resolved as scan --hosts resolves it: the fleet file, else the SSH config. */
async function remoteTarget(alias: string, fleetFile: string | undefined, sshConfig: string | undefined, env: NodeJS.ProcessEnv): Promise<{ alias: string; sshConfig: string; webFrom: string | null }> {
  if (!validAlias(alias)) throw new SpamtraceError('E_USAGE', `--host: not an SSH alias: ${JSON.stringify(alias.slice(0, 80))}`);
  const fleet = await resolveFleetConfig({ hosts: [alias], fleetFile: fleetFile ?? null, sshConfig: sshConfig ?? null, parallel: null, hostTimeoutSeconds: null }, env);
  const [entry] = selectHosts(fleet, [alias]);
  return { alias, sshConfig: sshConfig ?? fleet.sshConfig ?? defaultSshConfigPath(), webFrom: entry?.webFrom ?? null };
}

async function runSub(sub: string, rest: string[], engine: ActionEngine, confirmDelete: number | undefined, json: boolean, io: ActIo, remote: string | undefined): Promise<number> {
  // paths and logins in plans may be attacker-named (a dropped script's file name)
  const out = (text: string, data: unknown): void => {
    io.stdout.write(json ? JSON.stringify(data) + '\n' : safe(text));
  };

  // Every start: say what a crash left behind, before doing anything else.
  const half = await engine.halfDone();
  if (sub !== 'status' && sub !== 'list') {
    for (const e of half) io.stderr.write(safe(`spamtrace: half-done action ${e.id} (${e.action} ${e.target}${onHost(e)}, started ${e.startedAt} by ${e.actor}): ${halfDoneWhy(e)}; "${undoCommand(e)}" takes it back\n`));
  }

  switch (sub) {
    case 'plan': {
      const [name, target] = need(rest, 2, 'plan ACTION TARGET');
      const plan = await engine.plan(name, target, confirmDelete === undefined ? {} : { confirmDelete });
      out(renderPlan(plan), plan);
      return 0;
    }
    case 'apply': {
      const [name, target] = need(rest, 2, 'apply ACTION TARGET');
      const r = await engine.apply(name, target, confirmDelete === undefined ? {} : { confirmDelete });
      if (r.tookOverLock) io.stderr.write(`spamtrace: took over a ${r.tookOverLock}\n`);
      if (r.id === null) {
        out(renderPlan(r.plan), { id: null, noop: true, plan: r.plan });
        return 0;
      }
      const ver = r.verification!;
      out(
        `${renderPlan(r.plan)}applied as ${r.id}; check: ${ver.ok ? 'OK' : 'FAILED'}\n${ver.observations.map((o) => `  ${o}\n`).join('')}${r.plan.reversible ? `undo: spamtrace act undo ${r.id}\n` : ''}`,
        { id: r.id, plan: r.plan, verification: ver },
      );
      return ver.ok ? 0 : 1;
    }
    case 'undo': {
      const id = await undoId(engine, rest, remote);
      const r = await engine.undo(id);
      out(
        `undone ${id} (${r.entry.action} ${r.entry.target}); check: ${r.verification.ok ? 'OK' : 'FAILED'}\n${r.verification.observations.map((o) => `  ${o}\n`).join('')}${r.warnings.map((w) => `  note: ${w}\n`).join('')}`,
        { id, action: r.entry.action, target: r.entry.target, verification: r.verification, warnings: r.warnings },
      );
      return r.verification.ok ? 0 : 1;
    }
    case 'list': {
      const { entries, badLines } = await engine.list();
      const rows = entries.map((e) => `${e.id}  ${e.state.padEnd(14)} ${e.action.padEnd(18)} ${e.target}${onHost(e)}  (${e.actor})\n`);
      out(rows.join('') + (badLines ? `(${badLines} unreadable journal lines skipped)\n` : '') || 'no actions in the journal\n', { entries: entries.map(summary), badLines });
      return 0;
    }
    case 'status': {
      if (rest.length) {
        const id = checkId(rest[0]!);
        const e = (await engine.list()).entries.find((x) => x.id === id);
        if (!e) throw new SpamtraceError('E_USAGE', `no action ${id} in the journal`);
        out(`${e.id} ${e.state}: ${e.action} ${e.target}\nphases: ${e.phases.join(' -> ')}\n${renderPlan(e.plan)}`, { ...summary(e), plan: e.plan, after: e.after ?? null });
        return 0;
      }
      out(
        half.length ? half.map((e) => `HALF-DONE ${e.id} ${e.action} ${e.target}${onHost(e)}: ${halfDoneWhy(e)}; undo: ${undoCommand(e)}\n`).join('') : 'no half-done actions\n',
        { halfDone: half.map(summary) },
      );
      return half.length ? 1 : 0;
    }
  }
  return 2;
}

function safe(text: string): string {
  return text
    .split('\n')
    .map((l) => terminalSafe(l, 8000))
    .join('\n');
}

function need(rest: string[], n: number, usage: string): string[] {
  if (rest.length !== n) throw new SpamtraceError('E_USAGE', `act ${usage} (see spamtrace act --help)`);
  return rest;
}

function checkId(id: string): string {
  if (!ACTION_ID.test(id)) throw new SpamtraceError('E_USAGE', `not an action id: ${JSON.stringify(id.slice(0, 40))} (see spamtrace act list)`);
  return id;
}

/** undo ID, or undo ACTION TARGET: the latest entry of that action on that target not undone yet. */
async function undoId(engine: ActionEngine, rest: string[], remote: string | undefined): Promise<string> {
  if (rest.length === 1) return checkId(rest[0]!);
  const [name, target] = need(rest, 2, 'undo ID | undo ACTION TARGET');
  const entries = (await engine.list()).entries.filter((e) => e.action === name && (e.target === target || e.requested === target) && e.remote === remote && e.state !== 'undone');
  const last = entries[entries.length - 1];
  if (!last) throw new SpamtraceError('E_USAGE', `no ${name} on ${target} to undo in the journal (see spamtrace act list)`);
  return last.id;
}

function halfDoneWhy(e: JournalEntry): string {
  if (e.state === 'undo-half-done') return 'undo started and did not finish';
  const last = e.phases[e.phases.length - 1];
  return last === 'failed' ? `apply failed: ${e.error ?? 'unknown error'}` : `intent recorded, no record after "${last}"`;
}

function onHost(e: JournalEntry): string {
  return e.remote !== undefined ? ` on ${e.remote}` : '';
}

function undoCommand(e: JournalEntry): string {
  return `spamtrace act undo ${e.id}${e.remote !== undefined ? ` --host ${e.remote}` : ''}`;
}

function summary(e: JournalEntry): Record<string, unknown> {
  return { id: e.id, state: e.state, action: e.action, target: e.target, host: e.remote ?? null, actor: e.actor, startedAt: e.startedAt, phases: e.phases, verified: e.verification?.ok ?? null };
}
