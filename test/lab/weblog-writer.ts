/** Weblog submissions: web-server access-log lines (combined log format) beside the mail they explain. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { LAB_HOSTNAME } from './config';
import type { WeblogSubmission } from './scenarios';
import type { SubmissionResult } from './submission-result';
import { expand, type Rng, type TemplateContext } from './template';

function clfDate(d: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (x: number) => String(x).padStart(2, '0');
  const off = -d.getTimezoneOffset();
  const abs = Math.abs(off);
  return `${pad(d.getDate())}/${months[d.getMonth()]}/${d.getFullYear()}:${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${off >= 0 ? '+' : '-'}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`;
}

export async function runWeblog(sub: WeblogSubmission, count: number, rng: Rng): Promise<SubmissionResult> {
  const t0 = Date.now();
  const interval = (sub.intervalSeconds ?? 15) * 1000;
  const now = Date.now();
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const ctx: TemplateContext = { rng, n: i + 1, host: LAB_HOSTNAME };
    const when = new Date(now - (count - 1 - i) * interval);
    const q = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
    lines.push(
      `${expand(sub.ip, ctx)} - - [${clfDate(when)}] "${q(expand(sub.method, ctx))} ${q(expand(sub.path, ctx))} HTTP/1.1" ${sub.status} ${sub.bytes ?? '-'} ` +
        `"${q(sub.referer !== undefined ? expand(sub.referer, ctx) : '-')}" "${q(sub.userAgent !== undefined ? expand(sub.userAgent, ctx) : '-')}"`,
    );
  }
  await fs.mkdir(path.dirname(sub.file), { recursive: true });
  if (count > 0) await fs.appendFile(sub.file, lines.join('\n') + '\n');
  return { label: sub.label ?? 'weblog', via: 'weblog', attempted: count, submitted: count, failed: 0, recipients: 0, queueIds: [], errors: [], elapsedMs: Date.now() - t0 };
}
