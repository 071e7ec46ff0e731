/**
 * `spamtrace config print | check [--config FILE] [--notify-config FILE] [--fleet FILE] [--watch-policy FILE]`.
 * print: the effective config as JSON with each secret file's state (never its content).
 * check: the checks `serve`, `scan --hosts` and `watch` run at start, over every file they
 * would load (the config with its secret files and static inventory map, notify.json, the
 * fleet file, the watch policy); each problem on
 * its own line with its file and JSON path; exit 0 when all are fine, 2 otherwise (the
 * first problem's code, E_CONFIG or E_SECRET_FILE).
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SpamtraceError } from '../errors';
import { loadConfig, resolveConfigPath } from '../config/load-config';
import { describeConfig, renderConfig, type OwnersFor } from '../config/print-config';
import { checkSecretFile, ownersAllowed } from '../config/secret-file';
import { ConfigProblemsError } from '../config/config-error';
import { problemLine } from '../config/config-check';
import { loadNotifyConfig, resolveNotifyConfigPath } from '../notify/load-notify-config';
import { loadFleetConfig } from '../fleet/fleet-config';
import { DEFAULT_FLEET_FILE } from './fleet-args';
import { DEFAULT_POLICY_PATH, loadWatchPolicy } from '../watch/watch-policy';
import { StaticInventory } from '../inventory/static/static-file';
import { LocalHost } from '../host/local-host';

export const CONFIG_HELP = `Usage: spamtrace config <print|check> [--config FILE] [--notify-config FILE] [--fleet FILE] [--watch-policy FILE]

  print    show the effective configuration (defaults filled in) as JSON, and the
           state of each secret file (ok, missing, unsafe: why); secrets are never shown
  check    validate every file serve and watch would load: the config file and the
           secret files and static inventory map it names, the notify settings, the
           fleet file and the watch policy; print each problem as
           "FILE: KEY.PATH: what is wrong"; exit 0 when all are fine, 2 otherwise

The config file is --config FILE, else $SPAMTRACE_CONFIG, else /etc/spamtrace/spamtrace.json
(absent: defaults). Keys: src/config/README.md.
The notify settings: --notify-config FILE, else $SPAMTRACE_NOTIFY_CONFIG, else
/etc/spamtrace/notify.json (absent: no customer notices). Keys: src/notify/README.md.
The fleet file: --fleet FILE, else $SPAMTRACE_FLEET, else /etc/spamtrace/fleet.json
(absent: none). Keys: src/fleet/README.md.
The watch policy: --watch-policy FILE, else ${DEFAULT_POLICY_PATH} (absent: the
defaults, dry-run). Keys: README, "spamtrace watch".
`;

export interface ConfigCommandIo {
  stdout: { write(text: string): unknown };
  env: NodeJS.ProcessEnv;
  /** uid of a system user (for the panel key's owner); default: getent passwd */
  lookupUid?: (name: string) => number | null;
}

export async function configCommand(args: string[], io: ConfigCommandIo = { stdout: process.stdout, env: process.env }): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { config: { type: 'string' }, 'notify-config': { type: 'string' }, fleet: { type: 'string' }, 'watch-policy': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (e) {
    throw new SpamtraceError('E_USAGE', `config: ${(e as Error).message}`);
  }
  const [sub, ...extra] = parsed.positionals;
  if (parsed.values.help || sub === 'help') {
    io.stdout.write(CONFIG_HELP);
    return 0;
  }
  if ((sub !== 'print' && sub !== 'check') || extra.length) {
    throw new SpamtraceError('E_USAGE', `config: expected "print" or "check"${sub ? `, got "${[sub, ...extra].join(' ')}"` : ''} (see spamtrace config --help)`);
  }

  if (sub === 'check') return checkAll(parsed.values, io);
  if (parsed.values['notify-config'] !== undefined || parsed.values.fleet !== undefined || parsed.values['watch-policy'] !== undefined) {
    throw new SpamtraceError('E_USAGE', 'config print shows the main configuration; --notify-config, --fleet and --watch-policy go with "config check"');
  }
  const loaded = loadConfig(resolveConfigPath(parsed.values.config, io.env));
  const panelOwners = ownersAllowed(loaded.config.service.panelUser, io.lookupUid);
  const ownersFor: OwnersFor = (key) => (key === 'service.panelSecretFile' ? panelOwners : [0]);
  const printed = describeConfig(loaded, ownersFor);

  io.stdout.write(renderConfig(printed));
  return 0;
}

interface Found {
  code: 'E_CONFIG' | 'E_SECRET_FILE' | 'E_INVENTORY_FILE';
  line: string;
}

/** Every problem of one file, each as "FILE: PATH: message". */
function problemsOf(e: unknown, file: string): Found[] {
  if (e instanceof ConfigProblemsError) return e.problems.map((p) => ({ code: 'E_CONFIG', line: `${e.file}: ${problemLine(p)}` }));
  if (e instanceof SpamtraceError && (e.code === 'E_CONFIG' || e.code === 'E_SECRET_FILE')) {
    return [{ code: e.code, line: e.message.startsWith(file) || e.message.includes(` ${file} `) ? e.message : `${file}: ${e.message}` }];
  }
  throw e;
}

async function checkAll(flags: { config?: string; 'notify-config'?: string; fleet?: string; 'watch-policy'?: string }, io: ConfigCommandIo): Promise<number> {
  const found: Found[] = [];
  const notes: string[] = [];
  const ok: string[] = [];

  const location = resolveConfigPath(flags.config, io.env);
  let staticFile: string | null = null;
  try {
    const loaded = loadConfig(location);
    const panelOwners = ownersAllowed(loaded.config.service.panelUser, io.lookupUid);
    const printed = describeConfig(loaded, (key) => (key === 'service.panelSecretFile' ? panelOwners : [0]));
    for (const [key, r] of Object.entries(printed.secretFiles)) {
      if (r.state === 'unsafe') found.push({ code: 'E_SECRET_FILE', line: `${printed.source ?? location.path}: ${key}: ${r.path}: ${r.problem}` });
      if (r.state === 'missing') notes.push(`note: ${key} ${r.path} does not exist yet`);
    }
    ok.push(`config ok: ${printed.source ?? `${location.path} is absent, the defaults apply`}`);
    staticFile = loaded.config.staticFile;
  } catch (e) {
    found.push(...problemsOf(e, location.path));
  }

  // the static inventory map the config names: every problem at its JSON path, passwd disagreements as notes
  if (staticFile) {
    try {
      const r = await new StaticInventory(new LocalHost(), staticFile).list();
      ok.push(`static inventory map ok: ${staticFile} (${r.subscriptions.length} subscriptions)`);
      for (const w of r.warnings) notes.push(`note: ${staticFile}: ${w}`);
    } catch (e) {
      if (!(e instanceof SpamtraceError) || e.code !== 'E_INVENTORY_FILE') throw e;
      for (const line of (e.detail ?? e.message).split('\n')) found.push({ code: 'E_INVENTORY_FILE', line: `${staticFile}: ${line}` });
    }
  }

  const notify = resolveNotifyConfigPath(flags['notify-config'], io.env);
  try {
    const settings = loadNotifyConfig(notify);
    if (!settings) notes.push(`note: ${notify.path} does not exist: no customer notices`);
    else {
      // the SMTP password file as the sender reads it (create-transport.ts): root's or the sender's own
      const secret = settings.transport.kind === 'smtp' ? settings.transport.auth?.passwordFile : undefined;
      const state = secret ? checkSecretFile(secret, [...new Set([0, process.getuid?.() ?? 0])]) : null;
      if (state?.state === 'unsafe') found.push({ code: 'E_SECRET_FILE', line: `${notify.path}: transport.auth.passwordFile: ${secret}: ${state.problem}` });
      else ok.push(`notify settings ok: ${notify.path}`);
      if (state?.state === 'missing') notes.push(`note: transport.auth.passwordFile ${secret} does not exist yet`);
    }
  } catch (e) {
    found.push(...problemsOf(e, notify.path));
  }

  const fleetFile = flags.fleet ?? io.env['SPAMTRACE_FLEET'] ?? (existsSync(DEFAULT_FLEET_FILE) ? DEFAULT_FLEET_FILE : null);
  if (fleetFile) {
    try {
      await loadFleetConfig(fleetFile);
      ok.push(`fleet file ok: ${fleetFile}`);
    } catch (e) {
      found.push(...problemsOf(e, fleetFile));
    }
  }

  // the watcher's policy: its default path only when it exists (absent: the defaults apply)
  const policyFile = flags['watch-policy'] ?? (existsSync(DEFAULT_POLICY_PATH) ? DEFAULT_POLICY_PATH : null);
  if (policyFile) {
    try {
      loadWatchPolicy(policyFile);
      ok.push(`watch policy ok: ${policyFile}`);
    } catch (e) {
      found.push(...problemsOf(e, policyFile));
    }
  }

  const [first] = found;
  if (first) {
    for (const f of found) io.stdout.write(`${f.line}\n`);
    throw new SpamtraceError(first.code, found.length > 1 ? `${first.line} (${found.length} problems in all, listed above)` : first.line);
  }
  for (const line of [...ok, ...notes]) io.stdout.write(`${line}\n`);
  return 0;
}
