/**
 * Tiny, deterministic template language for lab scenarios.
 *
 * Tokens (in `{...}`):
 *   {n}          message number within its submission, 1-based
 *   {r}          recipient number within its submission, 1-based (only in `to` templates)
 *   {rand:N}     N random lower-case letters            e.g. {rand:10} -> cisqyltfbn
 *   {alnum:N}    N random lower-case letters and digits
 *   {digits:N}   N random digits
 *   {hex:N}      N random upper-case hex digits
 *   {int:A-B}    random integer between A and B inclusive
 *   {pick:a|b|c} one of the alternatives (no nesting)
 *   {host}       the lab's Postfix hostname (lab.spamtrace.test)
 *   {date}       RFC 5322 date of "now"
 *   {msgid}      a unique Message-ID local part (no angle brackets)
 *   {from}       the expanded envelope sender of this message (headers/body only)
 *   {to}         the expanded recipients of this message, comma separated (headers/body only)
 *   {{ and }}    literal braces
 *
 * Randomness comes from a seeded PRNG so a scenario run with the same seed produces the
 * same addresses and names.
 */

export type Template = string;

/** mulberry32: small, fast, good enough for test data. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Rng.pick: empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  chars(alphabet: string, n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(this.next() * alphabet.length)];
    return s;
  }
}

/** Stable 32-bit hash of a string (FNV-1a), used to derive default seeds from names. */
export function hashSeed(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export interface TemplateContext {
  rng: Rng;
  n: number;
  r?: number;
  host: string;
  from?: string;
  to?: readonly string[];
  now?: Date;
}

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
const DIGITS = '0123456789';
const HEX = '0123456789ABCDEF';

let msgidCounter = 0;

export function rfc5322Date(d: Date): string {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const abs = Math.abs(off);
  const pad = (x: number) => String(x).padStart(2, '0');
  return (
    `${days[d.getDay()]}, ${d.getDate()} ${months[d.getMonth()]} ${d.getFullYear()} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`
  );
}

function count(arg: string | undefined, token: string): number {
  const n = Number(arg);
  if (!Number.isInteger(n) || n < 0 || n > 1000) throw new Error(`template: bad length in {${token}}`);
  return n;
}

/** Index of the `}` that closes the token whose content starts at `i` (braces nest). */
function closing(t: string, i: number): number {
  let depth = 0;
  for (let k = i; k < t.length; k++) {
    const c = t[k];
    if (c === '{') depth++;
    else if (c === '}') {
      if (depth === 0) return k;
      depth--;
    }
  }
  throw new Error(`template: unclosed { in ${JSON.stringify(t)}`);
}

/** Splits at `|` outside nested braces. */
function splitTop(arg: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const c of arg) {
    if (c === '{') depth++;
    else if (c === '}') depth--;
    if (c === '|' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

function token(name: string, arg: string | undefined, whole: string, ctx: TemplateContext): string {
  switch (name) {
    case 'n':
      return String(ctx.n);
    case 'r':
      if (ctx.r === undefined) throw new Error('template: {r} is only defined in recipient templates');
      return String(ctx.r);
    case 'rand':
      return ctx.rng.chars(LOWER, count(arg, whole));
    case 'alnum':
      return ctx.rng.chars(ALNUM, count(arg, whole));
    case 'digits':
      return ctx.rng.chars(DIGITS, count(arg, whole));
    case 'hex':
      return ctx.rng.chars(HEX, count(arg, whole));
    case 'int': {
      const m = /^(\d+)-(\d+)$/.exec(arg ?? '');
      if (!m) throw new Error(`template: bad range in ${whole}`);
      return String(ctx.rng.int(Number(m[1]), Number(m[2])));
    }
    case 'host':
      return ctx.host;
    case 'date':
      return rfc5322Date(ctx.now ?? new Date());
    case 'msgid':
      msgidCounter = (msgidCounter + 1) % 1e9;
      return `${Date.now().toString(36)}.${process.pid.toString(36)}.${msgidCounter.toString(36)}.${ctx.rng.chars(ALNUM, 8)}`;
    case 'from':
      if (ctx.from === undefined) throw new Error('template: {from} is only defined in headers and body');
      return ctx.from;
    case 'to':
      if (ctx.to === undefined) throw new Error('template: {to} is only defined in headers and body');
      return ctx.to.join(', ');
    default:
      throw new Error(`template: unknown token ${whole}`);
  }
}

/** Expands a template; `{pick:...}` alternatives may contain tokens (only the chosen one is expanded). */
export function expand(template: Template, ctx: TemplateContext): string {
  let out = '';
  let i = 0;
  while (i < template.length) {
    const c = template[i] as string;
    if (c === '{' && template[i + 1] === '{') {
      out += '{';
      i += 2;
    } else if (c === '}' && template[i + 1] === '}') {
      out += '}';
      i += 2;
    } else if (c === '{') {
      const end = closing(template, i + 1);
      const inner = template.slice(i + 1, end);
      const whole = template.slice(i, end + 1);
      const m = /^([a-z]+)(?::([\s\S]*))?$/.exec(inner);
      if (!m || !m[1]) throw new Error(`template: bad token ${whole}`);
      if (m[1] === 'pick') out += expand(ctx.rng.pick(splitTop(m[2] ?? '')), ctx);
      else out += token(m[1], m[2] === undefined ? undefined : expand(m[2], ctx), whole, ctx);
      i = end + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}
