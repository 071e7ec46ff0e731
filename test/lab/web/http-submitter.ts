/**
 * HTTP submissions: real requests to the lab's Apache on 127.0.0.1 with a Host header (the
 * site) and X-Forwarded-For (the "foreign" client Apache logs through mod_remoteip), one after
 * the other at the submission's interval, as a bot or a visitor would send them.
 */
import * as http from 'node:http';
import * as net from 'node:net';
import { LAB_HOSTNAME } from '../config';
import type { HttpSubmission } from '../scenarios';
import type { SubmissionResult } from '../submission-result';
import { expand, type Rng, type TemplateContext } from '../template';
import { sleep } from '../wait-for';
import { WEB_HOST, WEB_PORT } from './web-layout';

export interface HttpRequestSpec {
  host: string;
  ip: string;
  method: HttpSubmission['method'];
  path: string;
  body?: string;
  userAgent?: string;
  referer?: string;
}

export interface HttpAnswer {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

const MAX_BODY = 256 * 1024;

/** One request to the lab's Apache; the answer's body is kept up to 256 KiB. */
export function labHttpRequest(spec: HttpRequestSpec, timeoutMs = 15000): Promise<HttpAnswer> {
  if (!/^[A-Za-z0-9.-]{1,253}$/.test(spec.host)) throw new Error(`lab http: bad Host ${JSON.stringify(spec.host)}`);
  if (net.isIP(spec.ip) === 0) throw new Error(`lab http: bad client address ${JSON.stringify(spec.ip)}`);
  if (!/^\/[\x21-\x7e]*$/.test(spec.path)) throw new Error(`lab http: bad path ${JSON.stringify(spec.path)}`);
  const headers: Record<string, string> = { Host: spec.host, 'X-Forwarded-For': spec.ip, Accept: '*/*' };
  if (spec.userAgent !== undefined) headers['User-Agent'] = spec.userAgent;
  if (spec.referer !== undefined) headers['Referer'] = spec.referer;
  const body = spec.body !== undefined ? Buffer.from(spec.body, 'utf8') : undefined;
  if (body) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    headers['Content-Length'] = String(body.length);
  }
  return new Promise((resolve, reject) => {
    // agent: false = a fresh connection per request (Connection: close), as most bots do
    const req = http.request({ host: WEB_HOST, port: WEB_PORT, method: spec.method, path: spec.path, headers, agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (b: Buffer) => {
        if (size < MAX_BODY) chunks.push(b);
        size += b.length;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`lab http: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

export function expandRequest(sub: HttpSubmission, ctx: TemplateContext): HttpRequestSpec {
  const spec: HttpRequestSpec = { host: expand(sub.host, ctx), ip: expand(sub.ip, ctx), method: sub.method, path: expand(sub.path, ctx) };
  if (sub.form) spec.body = new URLSearchParams(sub.form.map(([k, v]): [string, string] => [k, expand(v, ctx)])).toString();
  if (sub.userAgent !== undefined) spec.userAgent = expand(sub.userAgent, ctx);
  if (sub.referer !== undefined) spec.referer = expand(sub.referer, ctx);
  return spec;
}

export async function runHttp(sub: HttpSubmission, count: number, rng: Rng): Promise<SubmissionResult> {
  const t0 = Date.now();
  const res: SubmissionResult = { label: sub.label ?? 'http', via: 'http', attempted: count, submitted: 0, failed: 0, recipients: 0, queueIds: [], errors: [], elapsedMs: 0 };
  if (sub.expect) res.expect = sub.expect;
  const okStatus = sub.okStatus ?? 200;
  for (let i = 0; i < count; i++) {
    if (i > 0 && sub.intervalMs) await sleep(sub.intervalMs);
    const spec = expandRequest(sub, { rng, n: i + 1, host: LAB_HOSTNAME });
    try {
      const a = await labHttpRequest(spec);
      if (a.status === okStatus) {
        res.submitted++;
        res.recipients += sub.recipientsPerRequest ?? 0;
      } else {
        res.failed++;
        if (res.errors.length < 5) res.errors.push(`${spec.method} ${spec.path}: HTTP ${a.status} ${a.body.slice(0, 120).trim()}`);
      }
    } catch (e) {
      res.failed++;
      if (res.errors.length < 5) res.errors.push(`${spec.method} ${spec.path}: ${(e as Error).message}`);
    }
  }
  res.elapsedMs = Date.now() - t0;
  return res;
}
