/**
 * Text taken from the scan (subjects, script paths, user agents, log lines) is written
 * by the attacker. Before it reaches a notice it loses control characters (a newline in
 * a plain-text mail could fake a paragraph, ESC sequences a terminal), bidi overrides
 * (which can turn "gpj.php" into "php.jpg" on screen), and its length. HTML escaping is
 * EJS's job (`<%=`); this is for both formats.
 */

// C0/C1 controls, DEL, zero-width and bidi formatting characters, line/paragraph separators.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

export function safeText(value: unknown, max = 200): string {
  const text = String(value ?? '').replace(UNSAFE, ' ').replace(/ {2,}/g, ' ').trim();
  return text.length > max ? `${text.slice(0, Math.max(1, max - 1))}…` : text;
}

/** An excerpt: a few dozen characters, for proof, not for reading the spam. */
export function excerpt(value: unknown, max = 60): string {
  return safeText(value, max);
}
