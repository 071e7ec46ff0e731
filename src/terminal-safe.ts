/**
 * Attacker-controlled text (subjects, HELO names, addresses) printed to an admin's
 * terminal must not carry escape sequences that move the cursor, rewrite earlier
 * lines or set the window title. Non-printables become visible \xNN.
 */
export function terminalSafe(text: string, max = 200): string {
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20 || (c >= 0x7f && c < 0xa0) || c === 0x2028 || c === 0x2029 || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) {
      out += `\\x${c.toString(16).padStart(2, '0')}`;
    } else {
      out += ch;
    }
    if (out.length >= max) return out.slice(0, max) + '…';
  }
  return out;
}
