/**
 * Splits a mail log line after its timestamp into host, program, pid and text, and tells
 * Postfix's lines from the other programs that share the file (dovecot, amavis, opendkim).
 *
 * Postfix logs as `syslog_name/service`; syslog_name defaults to `postfix` but a
 * master.cf service may set its own (`postfix/submission/smtpd`, `postfix-out/smtp`,
 * anything an admin chose), so a Postfix line is recognised by its last component, one of
 * Postfix's programs, behind at least one `/`.
 */

export interface SyslogLine {
  host: string;
  /** the whole program token: `postfix/submission/smtpd` */
  program: string;
  /** the Postfix program: `smtpd`; null for other programs */
  service: string | null;
  pid: number | null;
  /** what follows `program[pid]: ` */
  text: string;
}

/** Postfix's daemons and commands (postfix/src/*), as they name themselves in the log. */
const POSTFIX_PROGRAMS = new Set([
  'anvil', 'bounce', 'cleanup', 'defer', 'discard', 'dnsblog', 'error', 'flush', 'lmtp', 'local',
  'master', 'nqmgr', 'oqmgr', 'pickup', 'pipe', 'postalias', 'postcat', 'postdrop', 'postfix',
  'postfix-script', 'postkick', 'postlock', 'postlog', 'postlogd', 'postmap', 'postmulti', 'postqueue',
  'postscreen', 'postsuper', 'proxymap', 'qmgr', 'qmqpd', 'relay', 'retry', 'scache', 'sendmail',
  'showq', 'smtp', 'smtpd', 'spawn', 'tlsmgr', 'tlsproxy', 'trace', 'trivial-rewrite', 'verify',
  'virtual',
]);

/** host, program (no spaces, brackets or colon), optional [pid], ": " */
const HEAD = /^(\S+) ([^\s[\]:]+)(?:\[(\d{1,10})\])?: /;

/**
 * `rest` is the line after its timestamp. Null when it has no syslog shape.
 * `syslogName`: this Postfix's own `postconf -xh syslog_name`; a program under it is
 * Postfix's even when its last component is not in the list above (a daemon added by a
 * later Postfix version, a renamed command), so nothing of this instance is passed over.
 */
export function parseSyslogLine(rest: string, syslogName: string | null = null): SyslogLine | null {
  const m = HEAD.exec(rest);
  if (!m) return null;
  const program = m[2]!;
  const slash = program.lastIndexOf('/');
  const last = slash === -1 ? '' : program.slice(slash + 1);
  const own = syslogName !== null && last !== '' && program.startsWith(`${syslogName}/`);
  return {
    host: m[1]!,
    program,
    service: slash > 0 && (own || POSTFIX_PROGRAMS.has(last)) ? last : null,
    pid: m[3] === undefined ? null : Number(m[3]),
    text: rest.slice(m[0].length),
  };
}
