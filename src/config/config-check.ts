/**
 * The checks every JSON settings file of ours shares (the main config, notify.json, the
 * fleet file): read it with the depth guard, collect every problem at once with its JSON
 * path ("service.listen.port", "hosts[2].roles"), refuse unknown keys ("$comment" is
 * allowed anywhere, for notes), and check the common value types. Each file's validator
 * says what its keys are; `spamtrace config check` prints the problems one per line.
 */
import { configError, ConfigProblemsError } from './config-error';
import { jsonNestsDeeperThan } from './json-depth';

export interface ConfigProblem {
  /** the JSON path of the value ("" for the file as a whole) */
  path: string;
  message: string;
}

/** The problems of one file, in the order found. */
export class ConfigProblems {
  readonly list: ConfigProblem[] = [];

  add(path: string, message: string): void {
    this.list.push({ path, message });
  }

  get count(): number {
    return this.list.length;
  }

  /** "path: message; path: message" */
  text(): string {
    return this.list.map(problemLine).join('; ');
  }

  /** Throws E_CONFIG carrying the list, with `message` (the file's own wording) when there is any problem. */
  throwIfAny(file: string, message: (problems: ConfigProblems) => string): void {
    if (this.count > 0) throw new ConfigProblemsError(file, this.list, message(this));
  }
}

export function problemLine(p: ConfigProblem): string {
  return p.path ? `${p.path}: ${p.message}` : p.message;
}

/** `at.key`, or `key` at the top. */
export function pathOf(at: string, key: string | number): string {
  if (typeof key === 'number') return `${at}[${key}]`;
  return at ? `${at}.${key}` : key;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A value as a short JSON snippet for a message. */
export function show(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * Every key of `obj` not in `allowed` is a problem: a typo silently ignored would run with
 * the default. `describe` words the message (default: "unknown key" with a suggestion).
 */
export function checkUnknownKeys(
  obj: Record<string, unknown>,
  at: string,
  allowed: readonly string[],
  problems: ConfigProblems,
  describe: (key: string, allowed: readonly string[]) => string = (k, known) => `unknown key${suggest(k, known)}`,
): void {
  for (const k of Object.keys(obj)) {
    // "$comment" is JSON Schema's spelling for a note; JSON itself has no comments.
    if (k === '$comment' || allowed.includes(k)) continue;
    problems.add(pathOf(at, k), describe(k, allowed));
  }
}

function suggest(k: string, known: readonly string[]): string {
  const near = known.find((n) => n.toLowerCase().startsWith(k.toLowerCase().slice(0, 4)) || k.toLowerCase().startsWith(n.toLowerCase()));
  return near ? ` (did you mean "${near}"?)` : ` (known here: ${known.join(', ')})`;
}

/** A number from min to max (whole when `whole`); the default when absent. */
export function numberIn(v: unknown, path: string, dflt: number, min: number, max: number, problems: ConfigProblems, whole = false): number {
  if (v === undefined) return dflt;
  if (typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max && (!whole || Number.isInteger(v))) return v;
  problems.add(path, `must be a ${whole ? 'whole number' : 'number'} from ${min} to ${max}`);
  return dflt;
}

export function booleanOr(v: unknown, path: string, dflt: boolean, problems: ConfigProblems): boolean {
  if (v === undefined) return dflt;
  if (typeof v === 'boolean') return v;
  problems.add(path, 'must be true or false');
  return dflt;
}

/** An absolute path without NUL, trailing slashes trimmed; undefined (and a problem) otherwise. */
export function absolutePath(v: unknown, path: string, problems: ConfigProblems, detail = true): string | undefined {
  if (typeof v === 'string' && v.startsWith('/') && !v.includes('\0') && v.length <= 4096) {
    return v.length > 1 ? v.replace(/\/+$/, '') : v;
  }
  problems.add(path, `must be an absolute path${detail ? `, got ${show(v)}` : ''}`);
  return undefined;
}

export interface JsonFileWords {
  /** "${file}: not a spamtrace config: nested ..." and the like: each file keeps its own wording */
  tooDeep: string;
  notJson: (why: string) => string;
}

/**
 * The file's text parsed, after the depth guard: walking a 20,000-deep value would end in
 * a RangeError (E_INTERNAL) instead of the file's own E_CONFIG.
 */
export function parseJsonConfig(text: string, words: JsonFileWords): unknown {
  if (jsonNestsDeeperThan(text)) throw configError(words.tooDeep);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw configError(words.notJson((e as Error).message));
  }
}
