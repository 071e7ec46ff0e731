/** The bench's table on stdout: fixed-width rows, ratios against the targets. */

export const TARGET_OURS_OVER_ZCAT = 0.8;
/** (b): the 30-file window scan may take at most this much longer than the 1-file one */
export const TARGET_WINDOW_GROWTH = 1.25;

export interface Row {
  what: string;
  seconds: number;
  mbUncompressed: number | null;
  mbCompressed: number | null;
  rssKb: number | null;
  note: string;
}

function cell(v: number | null, digits: number, width: number): string {
  return (v === null ? '-' : v.toFixed(digits)).padStart(width);
}

export function printRows(title: string, rows: readonly Row[]): void {
  console.log(`\n${title}`);
  console.log(`${'run'.padEnd(44)} ${'s'.padStart(7)} ${'MB/s unc'.padStart(9)} ${'MB/s gz'.padStart(8)} ${'RSS MB'.padStart(7)}  note`);
  for (const r of rows) {
    const unc = r.mbUncompressed === null ? null : r.mbUncompressed / r.seconds;
    const gz = r.mbCompressed === null ? null : r.mbCompressed / r.seconds;
    console.log(`${r.what.padEnd(44)} ${cell(r.seconds, 3, 7)} ${cell(unc, 0, 9)} ${cell(gz, 0, 8)} ${cell(r.rssKb === null ? null : r.rssKb / 1024, 0, 7)}  ${r.note}`);
  }
}

export function verdict(label: string, value: number, target: number, higherIsBetter: boolean): string {
  const ok = higherIsBetter ? value >= target : value <= target;
  return `${label}: ${value.toFixed(2)} (target ${higherIsBetter ? '>=' : '<='} ${target}) ${ok ? 'ok' : 'FAIL <-- target MISSED'}`;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
