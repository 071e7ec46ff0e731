/**
 * Where this Postfix writes its log and under which name: `postconf -xh maillog_file
 * syslog_name`. With `maillog_file` set (Postfix >= 3.4, postlogd) the log is that file,
 * not syslog's; `syslog_name` is the prefix of every program name this Postfix logs
 * (`postfix/smtpd`, or `postfix-out/smtp` for a second instance). Asked, not assumed
 * (STYLE.md 6); a host without postconf (a log copied elsewhere) answers nothing.
 */
import type { Host } from '../../host/host';
import { PostconfValues } from '../postconf-values';

export interface PostfixLogSettings {
  /** absolute path of maillog_file, or null (unset, /dev/stdout, or not asked) */
  maillogFile: string | null;
  /** expanded syslog_name (e.g. "postfix"), or null when postconf did not say */
  syslogName: string | null;
}

export const NO_POSTFIX_LOG_SETTINGS: PostfixLogSettings = { maillogFile: null, syslogName: null };

const SAFE_PATH = /^\/[A-Za-z0-9._/-]{1,300}$/;
/** syslog_name may hold a slash itself ("postfix/submission"); nothing that could break the program-token match */
const SAFE_NAME = /^[A-Za-z0-9._/-]{1,100}$/;

/** The parameters read here (a scan announces them to its shared PostconfValues). */
export const LOG_SETTING_PARAMETERS = ['maillog_file', 'syslog_name'] as const;

/** `postconf`: the scan's shared values (asked together with the other stages'), else asked here. */
export async function readPostfixLogSettings(host: Host, timeoutMs = 15_000, postconf = new PostconfValues(host, timeoutMs)): Promise<PostfixLogSettings> {
  const r = await postconf.get(LOG_SETTING_PARAMETERS);
  if (typeof r === 'string') return NO_POSTFIX_LOG_SETTINGS;
  return parsePostfixLogSettings(r.values.join('\n'));
}

/** The two answer lines of `postconf -xh maillog_file syslog_name`. */
export function parsePostfixLogSettings(stdout: string): PostfixLogSettings {
  const [file = '', name = ''] = stdout.split('\n').map((s) => s.trim());
  // /dev/stdout is for containers whose runtime collects the log: there is no file to read
  const maillogFile = SAFE_PATH.test(file) && !file.includes('..') && !file.startsWith('/dev/') ? file : null;
  const syslogName = SAFE_NAME.test(name) && !name.endsWith('/') ? name : null;
  return { maillogFile, syslogName };
}
