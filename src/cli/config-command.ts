/**
 * `spamtrace config print | check [--config FILE]`.
 * print: the effective config as JSON with each secret file's state (never its content).
 * check: the same checks the service runs at start; exit 0 when it would start, 2 with
 * the first problem otherwise (E_CONFIG / E_SECRET_FILE).
 */
import { parseArgs } from 'node:util';
import { SpamtraceError } from '../errors';
import { loadConfig, resolveConfigPath } from '../config/load-config';
import { describeConfig, renderConfig, type OwnersFor } from '../config/print-config';
import { ownersAllowed } from '../config/secret-file';
import { secretFileError } from '../config/config-error';

export const CONFIG_HELP = `Usage: spamtrace config <print|check> [--config FILE]

  print    show the effective configuration (defaults filled in) as JSON, and the
           state of each secret file (ok, missing, unsafe: why); secrets are never shown
  check    validate the config file and the secret files it names; exit 0 when the
           service would start, 2 with the reason otherwise

The config file is --config FILE, else $SPAMTRACE_CONFIG, else /etc/spamtrace/spamtrace.json
(absent: defaults). Keys: src/config/README.md.
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
    parsed = parseArgs({ args, allowPositionals: true, options: { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
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

  const loaded = loadConfig(resolveConfigPath(parsed.values.config, io.env));
  const panelOwners = ownersAllowed(loaded.config.service.panelUser, io.lookupUid);
  const ownersFor: OwnersFor = (key) => (key === 'service.panelSecretFile' ? panelOwners : [0]);
  const printed = describeConfig(loaded, ownersFor);

  if (sub === 'print') {
    io.stdout.write(renderConfig(printed));
    return 0;
  }
  const unsafe = Object.entries(printed.secretFiles).find(([, r]) => r.state === 'unsafe');
  if (unsafe) throw secretFileError(`${unsafe[0]} ${unsafe[1].path}: ${unsafe[1].problem}`);
  const missing = Object.entries(printed.secretFiles).filter(([, r]) => r.state === 'missing');
  io.stdout.write(`config ok: ${printed.source}\n`);
  for (const [key, r] of missing) io.stdout.write(`note: ${key} ${r.path} does not exist yet\n`);
  return 0;
}
