/** The access-log collector: discovery, parsing and windowed reading of Apache/nginx logs. */
export { readAccessLogs, prefetchAccessLogs, DEFAULT_SLACK_MS, DEFAULT_MAX_LINE_BYTES, type AccessLogReadOptions } from './read-window';
export { newReadStats, type AccessLogReadStats } from './read-stats';
export { discoverAccessLogs } from './discover';
export { classifyAccessLogName, type AccessLogName } from './name-pattern';
export { parseAccessLine, JUNK, type ParseResult } from './parse-line';
export { parseLogTime } from './log-time';
