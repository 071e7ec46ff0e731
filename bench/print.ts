/** Where the benchmark writes: progress to stderr (with the time since start), results to stdout; number formats. */

export const t0Bench = Date.now();
function elapsed(): string {
  return `${((Date.now() - t0Bench) / 1000).toFixed(1).padStart(6)} s`;
}
/** progress and lab messages: stderr */
export function note(line: string): void {
  process.stderr.write(`[bench ${elapsed()}] ${line}\n`);
}
/** results: stdout */
export function out(line = ''): void {
  process.stdout.write(line + '\n');
}
export const fmt = (n: number, d = 2): string => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
export const mb = (kb: number): number => kb / 1024;
