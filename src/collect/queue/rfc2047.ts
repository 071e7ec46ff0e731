/**
 * Header text as a person would read it: RFC 2047 encoded words decoded, control
 * characters removed. Spam subjects are written to be hostile: `=?UTF-8?B?...?=` can
 * hide `<script>`, ESC sequences that repaint a terminal, NUL bytes that cut strings in
 * C tools, or bidi overrides that flip a file name. This module makes text *printable*;
 * it stays untrusted and is still escaped wherever it is shown (HTML, terminal, CSV).
 */
import { TextDecoder } from 'node:util';

export interface DecodedText {
  text: string;
  /** encoded words whose charset Node cannot decode (kept raw) */
  unknownCharsets: number;
  /** encoded words that were not well-formed (kept raw) */
  malformed: number;
  /** control characters removed */
  controlsRemoved: number;
}

/**
 * C0 except TAB, DEL, C1 (NUL and ESC are in here), plus the Unicode line/paragraph
 * separators and the bidi embedding/override/isolate controls ("Trojan Source"): none of
 * them is printable text, all of them change how the text around them is shown.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000A-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/g;
/** the same set without the g flag: .test() on a g regex keeps state between calls */
const CONTROL_TEST = /[\u0000-\u0008\u000A-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/;

export function stripControlChars(text: string): { text: string; removed: number } {
  // Nearly every string is clean: test first, because replace() always allocates.
  if (!CONTROL_TEST.test(text)) return { text, removed: 0 };
  let removed = 0;
  const out = text.replace(CONTROL, () => {
    removed += 1;
    return '';
  });
  return { text: out, removed };
}

/** Just the cleaned string, for callers that only count elsewhere. */
export function printable(text: string): string {
  return CONTROL_TEST.test(text) ? text.replace(CONTROL, '') : text;
}

/**
 * =?charset[*lang]?B|Q?text?= ; RFC 2047 section 2: no whitespace or '?' inside the
 * text, at most 75 characters per word. We are lenient on length (real spam exceeds it)
 * but the pattern itself is linear: no nested quantifiers.
 */
const ENCODED_WORD = /=\?([^?\s*]{1,64})(?:\*[^?\s]{0,32})?\?([BbQq])\?([^?\s]*)\?=/g;

/** Decoders are cached: a scan decodes the same few charsets a hundred thousand times. */
const decoders = new Map<string, TextDecoder | null>();

function decoderFor(charset: string): TextDecoder | null {
  const key = charset.toLowerCase();
  let d = decoders.get(key);
  if (d === undefined) {
    try {
      d = new TextDecoder(key, { fatal: false });
      // WHATWG maps a few dangerous legacy labels (iso-2022-kr, hz-gb-2312 ...) to
      // "replacement", which turns any input into a single U+FFFD: that hides text, so
      // we treat it as unknown and keep the raw word instead.
      if (d.encoding === 'replacement') d = null;
    } catch {
      d = null;
    }
    decoders.set(key, d);
  }
  return d;
}

function decodeQ(text: string): Uint8Array {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5f /* _ */) bytes.push(0x20);
    else if (c === 0x3d /* = */ && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(c & 0xff);
  }
  return Uint8Array.from(bytes);
}

function decodeB(text: string): Uint8Array | null {
  // Lenient on missing padding (common in spam), strict on the alphabet.
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  return Buffer.from(text, 'base64');
}

/**
 * Decodes the encoded words in a header value (unfolded) and removes control
 * characters from the result. Whitespace between two adjacent encoded words is dropped
 * (RFC 2047 section 6.2); an encoded word that cannot be decoded stays as written.
 */
export function decodeHeaderText(raw: string): DecodedText {
  let unknownCharsets = 0;
  let malformed = 0;
  let out = '';
  let last = 0;
  let lastWasWord = false;
  ENCODED_WORD.lastIndex = 0;
  for (let m = ENCODED_WORD.exec(raw); m !== null; m = ENCODED_WORD.exec(raw)) {
    const between = raw.slice(last, m.index);
    const adjacent = lastWasWord && /^[ \t\r\n]*$/.test(between);
    if (!adjacent) out += between;
    const [word, charset, encoding, text] = m as unknown as [string, string, string, string];
    const decoder = decoderFor(charset);
    const bytes = encoding === 'B' || encoding === 'b' ? decodeB(text) : decodeQ(text);
    if (!decoder) {
      unknownCharsets += 1;
      out += word;
      lastWasWord = false;
    } else if (!bytes) {
      malformed += 1;
      out += word;
      lastWasWord = false;
    } else {
      out += decoder.decode(bytes);
      lastWasWord = true;
    }
    last = m.index + word.length;
  }
  out += raw.slice(last);
  const clean = stripControlChars(out);
  return { text: clean.text, unknownCharsets, malformed, controlsRemoved: clean.removed };
}
