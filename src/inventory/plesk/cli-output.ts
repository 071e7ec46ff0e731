/**
 * Parsers for the text the Plesk command-line utilities print, whether they ran through
 * `POST /cli/{id}/call` or as `plesk bin ...` on the server (same program, same text).
 *
 * `plesk bin domain --info NAME` (Plesk CLI reference for Linux, utility "domain: Domains",
 * https://docs.plesk.com/en-US/obsidian/cli-linux/ ; page id not confirmed here)
 * prints sections ("General", "Hosting", ...) of `Key:   value` lines, e.g.
 *
 *     Domain name:                            example.com
 *     Owner's contact name:                   John Doe (jdoe)
 *     Domain status:                          OK
 *     Hosting type:                           Physical hosting
 *     FTP Login:                              jdoe_ftp
 *     SUCCESS: Gathering information for 'example.com' complete
 *
 * The system user of the webspace is the `FTP Login` value. Values are untrusted: a
 * login that is not a valid account name, or two different `FTP Login` lines, give no
 * system user (reported as unmapped), never a guess.
 *
 * `plesk bin subscription --list` ("subscription: Subscriptions",
 * https://docs.plesk.com/en-US/obsidian/cli-linux/using-command-line-utilities/subscription-subscriptions.37768/)
 * prints one subscription (main domain) name per line.
 */

/** The account-name rule of src/collect/users/passwd.ts; also keeps "-x" off command lines. */
const LOGIN_RE = /^[A-Za-z0-9_.][A-Za-z0-9_.@-]{0,63}$/;

export function isValidSystemLogin(text: string): boolean {
  return LOGIN_RE.test(text);
}

/** A domain name as Plesk lists it: no spaces, no control characters, not an option. */
export function isPlausibleDomainName(text: string): boolean {
  return (
    text.length > 0 &&
    text.length <= 253 &&
    !/^[-.]/.test(text) &&
    !text.includes('..') &&
    // eslint-disable-next-line no-control-regex
    !/[\s\u0000-\u001f\u007f/\\]/.test(text) &&
    text.includes('.')
  );
}

export interface DomainInfo {
  domainName: string | null;
  /** the webspace's system user; null when absent, invalid or ambiguous */
  ftpLogin: string | null;
  /** why ftpLogin is null, for the warning */
  ftpLoginProblem: string | null;
  ownerName: string | null;
  ownerLogin: string | null;
  /** the "Domain status" value as printed ("OK", "Suspended by ...") */
  status: string | null;
  suspended: boolean | null;
  hostingType: string | null;
}

/** `Key:   value` lines → key (lower-cased) → every value seen, in order. */
function keyValues(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const m = /^([A-Za-z][A-Za-z0-9 '()/.-]{0,80}?):[ \t]*(.*)$/.exec(line);
    if (!m) continue;
    const key = m[1]!.trim().toLowerCase();
    const value = m[2]!.trim();
    const list = out.get(key);
    if (list) list.push(value);
    else out.set(key, [value]);
  }
  return out;
}

function single(kv: Map<string, string[]>, key: string): string | null {
  const values = kv.get(key);
  if (!values || values.length === 0) return null;
  return new Set(values).size === 1 ? values[0]! : null;
}

export function parseDomainInfo(stdout: string): DomainInfo {
  const kv = keyValues(stdout);
  const ftpValues = [...new Set(kv.get('ftp login') ?? [])];
  let ftpLogin: string | null = null;
  let ftpLoginProblem: string | null = null;
  if (ftpValues.length === 0) ftpLoginProblem = 'no "FTP Login" line';
  else if (ftpValues.length > 1) ftpLoginProblem = 'several different "FTP Login" lines';
  else if (!isValidSystemLogin(ftpValues[0]!)) ftpLoginProblem = '"FTP Login" is not a valid account name';
  else ftpLogin = ftpValues[0]!;

  const owner = single(kv, "owner's contact name");
  const ownerMatch = owner ? /^(.*?)\s*\(([^()\s]+)\)$/.exec(owner) : null;
  const status = single(kv, 'domain status');
  return {
    domainName: single(kv, 'domain name')?.toLowerCase() ?? null,
    ftpLogin,
    ftpLoginProblem,
    ownerName: ownerMatch ? ownerMatch[1]! || null : owner,
    ownerLogin: ownerMatch ? ownerMatch[2]! : null,
    status,
    suspended: status === null ? null : status.toLowerCase() !== 'ok',
    hostingType: single(kv, 'hosting type'),
  };
}

/** One name per line; returns the plausible names and how many lines were not. */
export function parseNameList(stdout: string): { names: string[]; skipped: number } {
  const names: string[] = [];
  let skipped = 0;
  for (const raw of stdout.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (isPlausibleDomainName(line)) names.push(line.toLowerCase());
    else skipped++;
  }
  return { names: [...new Set(names)], skipped };
}

/**
 * `plesk bin customer --info LOGIN` ("customer: Customer Accounts"): `Key: value` lines
 * such as `Contact name:`, `Login:`, `E-mail:`. Only what we need, each null when absent.
 */
export function parseCustomerInfo(stdout: string): { login: string | null; name: string | null; email: string | null } {
  const kv = keyValues(stdout);
  return {
    login: single(kv, 'login'),
    name: single(kv, 'contact name'),
    email: single(kv, 'e-mail') ?? single(kv, 'email'),
  };
}
