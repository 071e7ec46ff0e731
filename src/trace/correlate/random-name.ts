/**
 * Does a script's file name look machine-made? Web shells and spam droppers are
 * uploaded under random names ("xkqzvp.php", "wp-kqzvmx.php", "a1b2c3d4.php") so that
 * no two infections look alike; real scripts are named by people, from words. The test
 * is deliberately one-sided: a random-looking name made of vowels ("ozikuba.php") passes
 * as a word, because wrongly calling a customer's own script random is the worse error.
 */
import { NAME_WORDS } from './name-words';

/** Words of three letters or more are found inside a token; shorter ones only as a whole token. */
const WORDS = new Set(NAME_WORDS);
const SUBWORDS = [...WORDS].filter((w) => w.length >= 3).sort((a, b) => b.length - a.length);

/**
 * Consonant pairs common in English, German and software names. A pair outside this
 * list ("kq", "zv", "xk") is hard to pronounce; several of them make a name random.
 */
const PLAUSIBLE_PAIRS = new Set(
  ('bb bl br bs by ch ck cl cr cs ct cy dd dg dl dm dn dr ds dt dw dy fb ff fl fr fs ft fy gg gh gl gm gn gr gs gt gy ' +
    'hl hm hn hr hs ht hw hy kf kg kk kl km kn kr ks kt ky lb lc ld lf lg lk ll lm ln lp lr ls lt lv lw ly lz ' +
    'mb mf ml mm mn mp mr ms mt my nb nc nd nf ng nh nk nl nm nn np nr ns nt nv nw nx ny nz pd pf ph pl pm pn pp pr ps pt py ' +
    'rb rc rd rf rg rh rk rl rm rn rp rr rs rt rv rw ry rz sb sc sd sf sg sh sk sl sm sn sp sq ss st sv sw sy sz ' +
    'tb tc td tf tg th tl tm tn tp tr ts tt tw ty tz wb wd wf wh wk wl wm wn wp wr ws wt xc xp xt xy ' +
    'zb zg zl zm zn zt zw zy').split(' '),
);
const VOWELS = /[aeiouy]/;

const MAX_NAME = 100;

/** Base name without the script extension, e.g. "wp-kqzvmx.php" -> "wp-kqzvmx". */
function stemOf(fileName: string): string {
  return fileName.slice(0, MAX_NAME).replace(/\.(php\d?|phtml|phar|pht|inc|cgi|pl|py|asp|aspx|jsp)$/i, '');
}

/** Split on punctuation and camelCase: "sendMail_form2" -> ["send", "mail", "form2"]. */
function tokensOf(stem: string): string[] {
  return stem
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((t) => t.length > 0);
}

/** Share of the token's letters covered by known words (greedy, longest word first). */
function wordCoverage(token: string): number {
  if (WORDS.has(token)) return 1;
  let covered = 0;
  let i = 0;
  while (i < token.length) {
    const word = SUBWORDS.find((w) => token.startsWith(w, i));
    if (word) {
      covered += word.length;
      i += word.length;
    } else {
      i += 1;
    }
  }
  return covered / token.length;
}

/** Longest run of consonant sounds; "sch", "ch", "ck", "ph", "th" are one sound each ("deutschland": 3). */
function longestConsonantRun(letters: string): number {
  let best = 0;
  const sounds = letters.replace(/sch|ch|ck|ph|th/g, 'C');
  for (const run of sounds.split(/[aeiouy]+/)) best = Math.max(best, run.length);
  return best;
}

function implausiblePairs(letters: string): { bad: number; pairs: number } {
  let bad = 0;
  let pairs = 0;
  for (let i = 0; i + 1 < letters.length; i++) {
    const a = letters[i]!;
    const b = letters[i + 1]!;
    if (VOWELS.test(a) || VOWELS.test(b)) continue;
    pairs += 1;
    if (!PLAUSIBLE_PAIRS.has(a + b)) bad += 1;
  }
  return { bad, pairs };
}

/** Shannon entropy in bits per character. */
export function entropyBits(s: string): number {
  if (s.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

function letterDigitSwitches(token: string): number {
  let switches = 0;
  for (let i = 1; i < token.length; i++) {
    if (/\d/.test(token[i - 1]!) !== /\d/.test(token[i]!)) switches += 1;
  }
  return switches;
}

/** Why one token looks machine-made, or null. */
function tokenReason(token: string): string | null {
  if (token.length < 4 || /^\d+$/.test(token)) return null;
  if (wordCoverage(token) >= 0.6) return null;
  if (letterDigitSwitches(token) >= 3) return 'letters and digits alternate';
  if (token.length >= 12 && /^[0-9a-f]+$/.test(token) && /\d/.test(token) && /[a-f]/.test(token)) return 'looks like a hash';
  const letters = token.replace(/\d/g, '');
  if (letters.length >= 5) {
    if (!VOWELS.test(letters)) return 'no vowels';
    const run = longestConsonantRun(letters);
    if (run >= 5) return `${run} consonants in a row`;
    const { bad, pairs } = implausiblePairs(letters);
    if (bad >= 3 && bad * 3 >= pairs) return 'unpronounceable letter pairs';
  }
  if (token.length >= 16 && entropyBits(token) >= 3.5) return 'letters look shuffled (high entropy)';
  return null;
}

/**
 * Why a script's file name looks random, in plain words, or null when it looks like a
 * name a person chose. Takes a base name ("xkqzvp.php"), not a path.
 */
export function randomNameReason(fileName: string): string | null {
  for (const token of tokensOf(stemOf(fileName))) {
    const reason = tokenReason(token);
    if (reason) return reason;
  }
  return null;
}

export function isRandomScriptName(fileName: string): boolean {
  return randomNameReason(fileName) !== null;
}
