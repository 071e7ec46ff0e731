/**
 * Structured logging. Logs go to stderr (stdout is the report), JSON when not on a
 * terminal. Never log message bodies, passwords or API keys: log counts and ids.
 */
import * as winston from 'winston';

export type Logger = winston.Logger;

export interface LoggerOptions {
  level?: string;
  json?: boolean;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const json = options.json ?? !process.stderr.isTTY;
  return winston.createLogger({
    level: options.level ?? process.env.SPAMTRACE_LOG_LEVEL ?? 'warn',
    format: json
      ? winston.format.combine(winston.format.timestamp(), winston.format.json())
      : winston.format.combine(
          winston.format.timestamp({ format: 'HH:mm:ss' }),
          winston.format.printf(({ level, message, timestamp, ...rest }) => {
            const extra = Object.keys(rest).length ? ' ' + JSON.stringify(rest) : '';
            return `${String(timestamp)} ${level}: ${String(message)}${extra}`;
          }),
        ),
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] })],
  });
}

/** For tests and library use: a logger that writes nothing. */
export function silentLogger(): Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console({ silent: true })] });
}
