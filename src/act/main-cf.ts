/**
 * Editing one parameter of main.cf as text, so the plan can show the exact new bytes
 * and undo can compare hashes. Postfix's syntax (postconf(5), util/readlline.c): a
 * logical line starts in column 1 with "name = value"; lines that start with whitespace
 * continue it. Comment lines (first non-blank character '#') and blank lines are skipped,
 * and how they end a logical line depends on the version:
 * - 'skip' (Postfix 3.x, the lab's 3.7): they do not end it; `a = x,` / `# c` / `  y` is
 *   "x, y";
 * - 'end' (older readlline): a blank line or a comment in column 1 ends it; an indented
 *   comment does not.
 * The editor asks which rule this Postfix uses by comparing both readings with
 * `postconf -h` (main-cf-change.ts) and refuses to edit when neither agrees. The last
 * definition wins.
 */

export type ContinuationRule = 'skip' | 'end';

export interface ParameterSpan {
  /** index of the first and one past the last physical line of the logical line (its last continuation) */
  start: number;
  end: number;
  value: string;
}

const PARAM_NAME = /^[A-Za-z0-9_]{1,80}$/;

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

const isBlank = (line: string): boolean => line.trim() === '';
const isComment = (line: string): boolean => line.trimStart().startsWith('#');
const isContinuation = (line: string): boolean => /^[ \t]/.test(line) && !isBlank(line) && !isComment(line);

/** One past the last continuation line of the logical line starting at `start`. */
function logicalEnd(lines: readonly string[], start: number, rule: ContinuationRule): number {
  let end = start + 1;
  for (let i = start + 1; i < lines.length; i++) {
    const l = lines[i]!;
    if (isContinuation(l)) end = i + 1;
    else if (isBlank(l) || isComment(l)) {
      // skipped; under the older rule a blank line or a column-1 comment ends the line
      if (rule === 'end' && (isBlank(l) || l.startsWith('#'))) break;
    } else break;
  }
  return end;
}

/** The last definition of `name`, or null when main.cf does not set it. */
export function findParameter(text: string, name: string, rule: ContinuationRule = 'skip'): ParameterSpan | null {
  if (!PARAM_NAME.test(name)) throw new Error(`not a parameter name: ${name}`);
  const lines = splitLines(text);
  const head = new RegExp(`^${name}[ \\t]*=(.*)$`);
  let found: ParameterSpan | null = null;
  for (let i = 0; i < lines.length; i++) {
    const m = head.exec(lines[i]!);
    if (!m) continue;
    const end = logicalEnd(lines, i, rule);
    const parts = [m[1]!.trim(), ...lines.slice(i + 1, end).filter(isContinuation).map((l) => l.trim())];
    found = { start: i, end, value: parts.filter((p) => p !== '').join(' ') };
    i = end - 1;
  }
  return found;
}

/** Whitespace as Postfix compares values: runs are one space, none at the ends. */
export function sameValue(a: string, b: string): boolean {
  return a.replace(/\s+/g, ' ').trim() === b.replace(/\s+/g, ' ').trim();
}

/**
 * The rule under which main.cf's text gives Postfix's own reading of `name` (`postconf -h`),
 * or null when neither does (then the file is not edited by hand-parsing). A parameter
 * main.cf does not set reads the same under both.
 */
export function ruleMatching(text: string, name: string, postconfValue: string): ContinuationRule | null {
  const skip = findParameter(text, name, 'skip');
  if (!skip) return 'skip';
  if (sameValue(skip.value, postconfValue)) return 'skip';
  const end = findParameter(text, name, 'end');
  if (end && sameValue(end.value, postconfValue)) return 'end';
  return null;
}

/**
 * main.cf with `name = value`: the last definition's whole logical line replaced by one
 * line in place, the comment and blank lines that sat between its continuation lines kept
 * right after it; appended at the end when there was no definition.
 */
export function setParameter(text: string, name: string, value: string, rule: ContinuationRule = 'skip'): string {
  if (/[\r\n]/.test(value)) throw new Error('a main.cf value must be one line');
  const line = `${name} = ${value}`;
  const span = findParameter(text, name, rule);
  const lines = splitLines(text);
  if (span) {
    const kept = lines.slice(span.start + 1, span.end).filter((l) => !isContinuation(l));
    lines.splice(span.start, span.end - span.start, line, ...kept);
  } else lines.push(line);
  return lines.join('\n') + '\n';
}

/** -/+ lines for the plan: the whole logical line before (with the comments inside it) and after. */
export function parameterDiff(before: string, after: string, name: string, rule: ContinuationRule = 'skip'): string[] {
  const a = findParameter(before, name, rule);
  const b = findParameter(after, name, rule);
  const beforeLines = a ? splitLines(before).slice(a.start, a.end) : [];
  // the comment and blank lines setParameter kept right after the new line
  const kept = a ? splitLines(before).slice(a.start + 1, a.end).filter((l) => !isContinuation(l)).length : 0;
  const afterLines = b ? splitLines(after).slice(b.start, b.end + kept) : [];
  return [...beforeLines.map((l) => `- ${l}`), ...afterLines.map((l) => `+ ${l}`)];
}

/**
 * A Postfix list split into its elements, commas and whitespace as separators, a
 * `{ ... }` group kept whole. Each element keeps its position in the text.
 */
export interface ListElement {
  text: string;
  start: number;
  end: number;
}

export function splitList(value: string): ListElement[] {
  const out: ListElement[] = [];
  let i = 0;
  while (i < value.length) {
    while (i < value.length && /[\s,]/.test(value[i]!)) i++;
    if (i >= value.length) break;
    const start = i;
    let depth = 0;
    while (i < value.length) {
      const c = value[i]!;
      if (c === '{') depth++;
      else if (c === '}') depth = Math.max(0, depth - 1);
      else if (depth === 0 && /[\s,]/.test(c)) break;
      i++;
    }
    out.push({ text: value.slice(start, i), start, end: i });
  }
  return out;
}
