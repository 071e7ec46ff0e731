/** Builders for access-log requests and submissions, times in seconds after T0. */
import type { WebRequest } from '../../../../src/domain/weblog';
import type { Submission } from '../../../../src/trace/correlate/match-submissions';

export const T0 = Date.UTC(2026, 10, 27, 10, 0, 0);
export const BROWSER = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36';
export const LOG = '/var/www/vhosts/system/example.de/logs/access_ssl_log';

let line = 0;

export function req(at: number, method: string, path: string, p: Partial<WebRequest> = {}): WebRequest {
  line += 1;
  return {
    time: new Date(T0 + at * 1000),
    client: '84.1.2.3',
    vhost: null,
    method,
    path,
    query: '',
    status: 200,
    bytes: 512,
    referer: 'https://example.de/',
    userAgent: BROWSER,
    file: LOG,
    line,
    ...p,
  };
}

let qid = 0;

export function sub(at: number, script?: string): Submission {
  qid += 1;
  return {
    time: new Date(T0 + at * 1000),
    queueId: `4B${qid.toString(16).toUpperCase().padStart(8, '0')}`,
    ...(script ? { phpScript: { uid: 4079, script } } : {}),
  };
}

/** Deterministic numbers in [0, 1) so tests are repeatable. */
export function seq(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}
