/** Waiting in the lab: a plain sleep, and polling a condition until it holds or time runs out. */

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function waitFor(cond: () => Promise<boolean>, timeoutMs: number, what: string, pollMs = 100): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`lab: timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(pollMs);
  }
}
