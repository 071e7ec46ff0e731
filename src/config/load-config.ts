/**
 * Finds, reads and validates the config file once at start; the result is frozen.
 * Path: --config FILE, else $SPAMTRACE_CONFIG, else /etc/spamtrace/spamtrace.json.
 * A named file must exist; the default file may be absent (then the defaults apply, so
 * `spamtrace scan` works on a server nobody configured).
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { configError } from './config-error';
import { MAX_JSON_DEPTH } from './json-depth';
import { parseJsonConfig } from './config-check';
import { DEFAULT_CONFIG, DEFAULT_CONFIG_PATH, type SpamtraceConfig } from './config-types';
import { validateConfig } from './validate-config';

export interface LoadedConfig {
  readonly config: Readonly<SpamtraceConfig>;
  /** the file read, or null when the default file was absent and the defaults apply */
  readonly source: string | null;
}

export interface ConfigLocation {
  path: string;
  /** named on the command line or in the environment: it must exist */
  explicit: boolean;
}

const MAX_CONFIG_BYTES = 1024 * 1024;

export function resolveConfigPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): ConfigLocation {
  if (flag !== undefined && flag !== '') return { path: flag, explicit: true };
  const fromEnv = env.SPAMTRACE_CONFIG;
  if (fromEnv !== undefined && fromEnv !== '') return { path: fromEnv, explicit: true };
  return { path: DEFAULT_CONFIG_PATH, explicit: false };
}

export function loadConfig(location: ConfigLocation): LoadedConfig {
  const text = readConfigText(location);
  if (text === null) return { config: deepFreeze(structuredClone(DEFAULT_CONFIG)), source: null };
  const raw = parseJsonConfig(text, {
    tooDeep: `${location.path}: not a spamtrace config: nested more than ${MAX_JSON_DEPTH} levels deep`,
    notJson: (why) => `${location.path}: not valid JSON: ${why}`,
  });
  return { config: deepFreeze(validateConfig(raw, location.path)), source: location.path };
}

/** The file's text; null when the default file is simply not there. */
function readConfigText(location: ConfigLocation): string | null {
  let fd: number;
  try {
    fd = openSync(location.path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !location.explicit) return null;
    const why = code === 'ENOENT' ? 'no such file' : code === 'ELOOP' ? 'is a symbolic link' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw configError(`${location.path}: cannot read the config file: ${why}`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw configError(`${location.path}: the config file is not a regular file`);
    // The config tells a root service which files to read and where to listen: a file
    // others may write is a way in.
    if ((st.mode & 0o022) !== 0) {
      throw configError(`${location.path}: group or others may write the config file (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}); chmod go-w it`);
    }
    if (st.size > MAX_CONFIG_BYTES) throw configError(`${location.path}: larger than ${MAX_CONFIG_BYTES} bytes`);
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
