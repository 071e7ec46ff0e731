/**
 * Editing one parameter of main.cf as text, so the plan can show the exact new bytes
 * and undo can compare hashes. Postfix's syntax (postconf(5)): a logical line starts
 * in column 1 with "name = value"; lines that start with whitespace continue it;
 * lines starting with '#' and blank lines are comments. The last definition wins.
 */

export interface ParameterSpan {
  /** index of the first and one past the last physical line of the logical line */
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

/** The last definition of `name`, or null when main.cf does not set it. */
export function findParameter(text: string, name: string): ParameterSpan | null {
  if (!PARAM_NAME.test(name)) throw new Error(`not a parameter name: ${name}`);
  const lines = splitLines(text);
  const head = new RegExp(`^${name}[ \\t]*=(.*)$`);
  let found: ParameterSpan | null = null;
  for (let i = 0; i < lines.length; i++) {
    const m = head.exec(lines[i]!);
    if (!m) continue;
    let end = i + 1;
    const parts = [m[1]!.trim()];
    while (end < lines.length && /^[ \t]/.test(lines[end]!) && lines[end]!.trim() !== '') {
      if (!lines[end]!.trim().startsWith('#')) parts.push(lines[end]!.trim());
      end++;
    }
    found = { start: i, end, value: parts.filter((p) => p !== '').join(' ') };
  }
  return found;
}

/**
 * main.cf with `name = value`: the last definition replaced in place (continuation lines
 * folded into one line), or appended at the end when there was none.
 */
export function setParameter(text: string, name: string, value: string): string {
  if (/[\r\n]/.test(value)) throw new Error('a main.cf value must be one line');
  const line = `${name} = ${value}`;
  const span = findParameter(text, name);
  const lines = splitLines(text);
  if (span) lines.splice(span.start, span.end - span.start, line);
  else lines.push(line);
  return lines.join('\n') + '\n';
}

/** -/+ lines for the plan: what the edit removes and adds. */
export function parameterDiff(before: string, after: string, name: string): string[] {
  const a = findParameter(before, name);
  const b = findParameter(after, name);
  const beforeLines = a ? splitLines(before).slice(a.start, a.end) : [];
  const afterLines = b ? splitLines(after).slice(b.start, b.end) : [];
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
