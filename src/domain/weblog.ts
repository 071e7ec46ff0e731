/**
 * Web server access-log evidence. Every string here came from a request (path, agent,
 * referer) and is attacker-controlled: keep it as data, escape it where shown.
 */

export interface WebRequest {
  time: Date;
  /** client address as logged (IPv4 or IPv6 text) */
  client: string;
  /** vhost from a vhost-prefixed line, else null */
  vhost: string | null;
  method: string;
  /** path without the query string, percent-decoding NOT applied */
  path: string;
  /** query string without "?", '' when none */
  query: string;
  status: number;
  /** null for "-" */
  bytes: number | null;
  referer: string | null;
  userAgent: string | null;
  /** where the line was read: exact evidence */
  file: string;
  line: number;
}

/** One access-log file with what its name says about it. */
export interface AccessLogFile {
  path: string;
  /** "access_log", "access_ssl_log", "proxy_access_log", "proxy_access_ssl_log", or the name's stem */
  kind: string;
  gzip: boolean;
  /** rotation order: 0 = live file, 1 = newest rotated, ...; dated rotations by date */
  generation: number;
  size: number;
  mtime: Date;
}
