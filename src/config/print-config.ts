/**
 * `spamtrace config print`: the effective configuration (defaults filled in) as JSON, and
 * for each secret file its path and state. Secret contents are never read for printing.
 */
import { SECRET_FILE_KEYS, type SpamtraceConfig } from './config-types';
import type { LoadedConfig } from './load-config';
import { checkSecretFile, type SecretFileState } from './secret-file';

export interface SecretFileReport {
  path: string | null;
  state: SecretFileState['state'] | 'not set';
  problem?: string;
}

export interface PrintedConfig {
  source: string;
  config: SpamtraceConfig;
  secretFiles: Record<string, SecretFileReport>;
}

/** Owners allowed per secret key: the panel signing key may belong to the panel's user. */
export type OwnersFor = (key: (typeof SECRET_FILE_KEYS)[number]) => readonly number[];

export function describeConfig(loaded: LoadedConfig, ownersFor: OwnersFor): PrintedConfig {
  const secretFiles: Record<string, SecretFileReport> = {};
  for (const key of SECRET_FILE_KEYS) {
    const path = lookup(loaded.config, key);
    if (path === null) {
      secretFiles[key] = { path: null, state: 'not set' };
      continue;
    }
    const s = checkSecretFile(path, ownersFor(key));
    secretFiles[key] = s.state === 'unsafe' ? { path, state: s.state, problem: s.problem } : { path, state: s.state };
  }
  return {
    source: loaded.source ?? '(no config file: defaults)',
    config: loaded.config as SpamtraceConfig,
    secretFiles,
  };
}

export function renderConfig(printed: PrintedConfig): string {
  return `${JSON.stringify(printed, null, 2)}\n`;
}

function lookup(config: SpamtraceConfig, dotted: string): string | null {
  let v: unknown = config;
  for (const part of dotted.split('.')) v = (v as Record<string, unknown>)[part];
  return typeof v === 'string' ? v : null;
}
