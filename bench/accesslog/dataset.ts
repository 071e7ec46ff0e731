/**
 * The benchmark's data set, cached under /var/tmp/spamtrace-bench-accesslog: 30 daily
 * rotated files `access_log.processed.N.gz` (N = 1 newest) plus the live `access_log`,
 * together at least --size-mb MB uncompressed. Generated once (gzip -1, two at a time),
 * reused while manifest.json matches. Each file's mtime is its last line's time, as
 * logrotate and gzip leave it. `win-K/` holds hard links to the live file and the K
 * newest rotated files, for the window scan.
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../errors';
import { Prng, synthLine } from './synth-lines';

export const DEFAULT_DIR = '/var/tmp/spamtrace-bench-accesslog';
export const ROTATED = 30;
export const WINDOW_SETS = [1, 10, 30] as const;
const DAY = 86_400_000;
/** a fixed end: the data set is the same whenever it is generated */
const END = Date.UTC(2026, 0, 31, 0, 0, 0);
const FORMAT = 3;

export interface DataFile {
  name: string;
  /** 0 live, N rotated */
  generation: number;
  firstMs: number;
  lastMs: number;
  bytes: number;
  gzip: boolean;
}

export interface Dataset {
  format: number;
  sizeMb: number;
  endMs: number;
  files: DataFile[];
}

function fileName(generation: number): string {
  return generation === 0 ? 'access_log' : `access_log.processed.${generation}.gz`;
}

/** Writes one day of lines; through `gzip -1` for rotated files. */
async function writeDay(dir: string, generation: number, bytesWanted: number): Promise<DataFile> {
  const name = fileName(generation);
  const final = path.join(dir, name);
  const tmp = `${final}.tmp`;
  const firstMs = END - (generation + 1) * DAY;
  const r = new Prng(0x5eed + generation * 7919);
  const lines = Math.ceil(bytesWanted / 186); // the mix averages about 186 bytes a line
  const step = DAY / lines;
  const out = await fs.open(tmp, 'w');
  const gzip = generation > 0;
  const child = gzip ? spawn('gzip', ['-1', '-c'], { stdio: ['pipe', out.fd, 'inherit'] }) : null;
  const stdin = child?.stdin ?? null;
  const exited = child
    ? new Promise<void>((resolve, reject) => {
        child.on('error', reject);
        child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`gzip -1 exited ${code}`))));
      })
    : Promise.resolve();
  let bytes = 0;
  let lastMs = firstMs;
  let batch = '';
  const write = async (text: string): Promise<void> => {
    if (stdin) {
      if (!stdin.write(text)) await new Promise((res) => stdin.once('drain', res));
    } else {
      await out.write(text);
    }
  };
  for (let i = 0; i < lines; i++) {
    lastMs = Math.floor(firstMs + i * step);
    batch += synthLine(r, lastMs);
    if (batch.length > 1 << 22) {
      bytes += Buffer.byteLength(batch);
      await write(batch);
      batch = '';
    }
  }
  bytes += Buffer.byteLength(batch);
  await write(batch);
  stdin?.end();
  await exited;
  await out.close();
  const seconds = (lastMs + 1000) / 1000;
  await fs.utimes(tmp, seconds, seconds);
  await fs.rename(tmp, final);
  return { name, generation, firstMs, lastMs, bytes, gzip };
}

async function readManifest(dir: string): Promise<Dataset | null> {
  try {
    return JSON.parse(await fs.readFile(path.join(dir, 'manifest.json'), 'utf8')) as Dataset;
  } catch {
    return null;
  }
}

/** `win-K/`: the live file and the K newest rotations; `rotated/`: every .gz file (the zcat comparison). */
async function linkSubsets(dir: string, files: DataFile[]): Promise<void> {
  const sets: Array<[string, DataFile[]]> = WINDOW_SETS.map((k) => [`win-${k}`, files.filter((x) => x.generation <= k)]);
  sets.push(['rotated', files.filter((x) => x.gzip)]);
  for (const [name, members] of sets) {
    const sub = path.join(dir, name);
    await fs.rm(sub, { recursive: true, force: true });
    await fs.mkdir(sub);
    for (const f of members) await fs.link(path.join(dir, f.name), path.join(sub, f.name));
  }
}

export function subsetDir(dir: string, name: string): string {
  return path.join(dir, name);
}

/** Returns the cached data set, generating it when missing or of another size. */
export async function ensureDataset(dir: string, sizeMb: number, say: (s: string) => void): Promise<Dataset> {
  const have = await readManifest(dir);
  if (have && have.format === FORMAT && have.sizeMb === sizeMb) {
    await linkSubsets(dir, have.files); // cheap, and repairs a half-deleted cache
    return have;
  }
  // the directory is emptied before generating: only ever one of ours, or an empty one
  const present = await fs.readdir(dir).catch(() => [] as string[]);
  if (!have && present.length > 0) throw new UsageError(`${dir} holds files but no manifest.json of this bench: choose a new or empty --dir`);
  say(`generating ${sizeMb} MB of access logs in ${dir} (once; cached for later runs) ...`);
  const t0 = Date.now();
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true });
  const perFile = Math.ceil((sizeMb * 1024 * 1024) / (ROTATED + 1));
  const generations = Array.from({ length: ROTATED + 1 }, (_, i) => i);
  const files: DataFile[] = [];
  // two at a time: our line generation on one CPU, gzip -1 on the other
  const workers = [0, 1].map(async () => {
    for (let g = generations.shift(); g !== undefined; g = generations.shift()) files.push(await writeDay(dir, g, perFile));
  });
  await Promise.all(workers);
  files.sort((a, b) => a.generation - b.generation);
  await linkSubsets(dir, files);
  const set: Dataset = { format: FORMAT, sizeMb, endMs: END, files };
  await fs.writeFile(path.join(dir, 'manifest.json'), JSON.stringify(set, null, 1));
  say(`generated in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return set;
}
