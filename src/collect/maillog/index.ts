/** The mail log collector: Postfix's history, including messages that already left the queue. */
export { collectMailLog, streamMailLog, type MailLogEvent, type MailLogFile, type MailLogOptions, type MailLogResult } from './maillog-collector';
export { DEFAULT_MAILLOG_PATHS } from './log-files';
