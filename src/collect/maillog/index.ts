/** The mail log collector: Postfix's history, including messages that already left the queue. */
export { collectMailLog, mailLogPaths, streamMailLog, type MailLogEvent, type MailLogFile, type MailLogOptions, type MailLogResult } from './maillog-collector';
export { DEFAULT_MAILLOG_PATHS } from './log-files';
export { NO_POSTFIX_LOG_SETTINGS, parsePostfixLogSettings, readPostfixLogSettings, type PostfixLogSettings } from './postfix-log-settings';
export { parsePostfixText, type PostfixEvent } from './postfix-events';
export { parseSyslogLine, type SyslogLine } from './syslog-line';
export { parseLineTime, YearClock, type LineTime } from './timestamp';
export { parseMailLogLine, NOQUEUE_REASON, type ParsedLogLine } from './log-line';
