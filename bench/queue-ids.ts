/** The queue's message IDs and size, from `postqueue -j`. */
import { capture } from './commands';
import { BrokenBenchmark } from './errors';
import type { Tools } from './prerequisites';

/** Queue IDs from `postqueue -j` output (one JSON object a line). */
export function parseIds(json: string): string[] {
  const ids: string[] = [];
  for (const line of json.split('\n')) {
    if (line.trim() === '') continue;
    const e = JSON.parse(line) as { queue_id?: unknown };
    if (typeof e.queue_id === 'string' && /^[0-9A-Za-z]{6,20}$/.test(e.queue_id)) ids.push(e.queue_id);
  }
  return ids;
}

export async function queueSize(tools: Tools): Promise<number> {
  const r = await capture(tools.postqueue, ['-j']);
  if (r.code !== 0) throw new BrokenBenchmark(`postqueue -j exited ${r.code}: ${r.stderr.trim()}`);
  return parseIds(r.stdout).length;
}
