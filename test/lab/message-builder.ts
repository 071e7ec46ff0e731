/** Turns a scenario's message templates into concrete messages (sender, recipients, headers, body). */
import { LAB_HOSTNAME } from './config';
import type { MessageSubmission } from './scenarios';
import type { OutgoingMessage } from './smtp-client';
import { expand, type Rng, type TemplateContext } from './template';

export interface BuiltMessage extends OutgoingMessage {
  n: number;
}

/** Expands one message submission into concrete messages (deterministic for a given rng). */
export function buildMessages(sub: MessageSubmission, count: number, rng: Rng, firstN = 1): BuiltMessage[] {
  const out: BuiltMessage[] = [];
  const per = sub.rcptPerMessage ?? sub.to.length;
  if (sub.to.length === 0 || per < 1) throw new Error(`lab: submission ${sub.label ?? sub.via} has no recipients`);
  for (let i = 0; i < count; i++) {
    const n = firstN + i;
    const ctx: TemplateContext = { rng, n, host: LAB_HOSTNAME };
    const from = expand(sub.from, ctx);
    const to: string[] = [];
    for (let j = 0; j < per; j++) {
      const k = (n - 1) * per + j;
      to.push(expand(sub.to[k % sub.to.length] as string, { ...ctx, r: k + 1 }));
    }
    const hctx: TemplateContext = { ...ctx, from, to };
    const head = sub.headers.map(([name, value]) => `${name}: ${expand(value, hctx)}`).join('\n');
    const body = expand(sub.body, hctx);
    out.push({ n, from, to, data: `${head}\n\n${body}${body.endsWith('\n') ? '' : '\n'}` });
  }
  return out;
}
