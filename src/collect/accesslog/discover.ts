/**
 * The access-log files of a log directory, oldest first. Names are matched by pattern
 * (name-pattern.ts); error logs and other files are passed over silently, directories
 * too. A symlink is read only when it resolves to a file inside the directory (a customer
 * may own the directory and link `access_log` to /etc/shadow); a name that looks like an
 * access log but cannot be used is counted.
 */
import * as path from 'node:path';
import type { AccessLogFile } from '../../domain/weblog';
import type { FileInfo, Host } from '../../host/host';
import type { SkipTally } from '../skip-tally';
import { classifyAccessLogName, compareByAge, IGNORED, type AccessLogName } from './name-pattern';

export const FILE_WHAT = 'access-log file';

export const FILE_SKIPS = {
  dirUnreadable: 'log directory could not be listed',
  symlinkOut: 'symlink pointing outside the log directory, not followed',
  notFile: 'not a regular file',
  statFailed: 'could not be examined',
} as const;

interface Candidate {
  name: AccessLogName;
  info: FileInfo;
  /** the path to read: the file itself, or a symlink's target inside the directory */
  readPath: string;
}

/** `realpath -e`, run on the host (a symlink is rare: one process per link is fine). */
async function realPath(host: Host, p: string): Promise<string | null> {
  const r = await host.run('realpath', ['-e', '--', p], { timeoutMs: 10_000, maxOutputBytes: 8192 });
  const out = r.stdout.replace(/\n$/, '');
  return r.code === 0 && out.startsWith('/') && !out.includes('\n') ? out : null;
}

async function resolveInside(host: Host, link: string, realDir: () => Promise<string | null>): Promise<FileInfo | null> {
  const target = await realPath(host, link);
  const base = await realDir();
  if (!target || !base || path.dirname(target) !== base) return null;
  const info = await host.stat(target);
  return info && info.isFile ? info : null;
}

async function candidates(host: Host, dir: string, skipped: SkipTally): Promise<Candidate[]> {
  let names: string[];
  try {
    names = await host.list(dir);
  } catch (e) {
    skipped.add(FILE_WHAT, `${FILE_SKIPS.dirUnreadable} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    return [];
  }
  let realDirMemo: Promise<string | null> | undefined;
  const realDir = (): Promise<string | null> => (realDirMemo ??= realPath(host, dir));
  const out: Candidate[] = [];
  for (const fileName of names) {
    const verdict = classifyAccessLogName(fileName);
    if (!verdict.ok) {
      if (verdict.ignored === IGNORED.compression || verdict.ignored === IGNORED.suffix) skipped.add(FILE_WHAT, verdict.ignored);
      continue;
    }
    const p = path.join(dir, fileName);
    let info: FileInfo | null;
    try {
      info = await host.stat(p);
    } catch (e) {
      skipped.add(FILE_WHAT, `${FILE_SKIPS.statFailed} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
      continue;
    }
    if (!info || info.isDirectory) continue; // gone since the listing, or a directory
    if (info.isSymbolicLink) {
      const target = await resolveInside(host, p, realDir);
      if (!target) skipped.add(FILE_WHAT, FILE_SKIPS.symlinkOut);
      else out.push({ name: verdict.name, info: { ...target, path: p }, readPath: target.path });
      continue;
    }
    if (!info.isFile) {
      skipped.add(FILE_WHAT, FILE_SKIPS.notFile);
      continue;
    }
    out.push({ name: verdict.name, info, readPath: p });
  }
  // a link to a log that is listed itself would be read twice; one whose target's name
  // disagrees about gzip would be decoded wrongly (the reader decides by the name)
  const direct = new Set(out.filter((c) => c.readPath === c.info.path).map((c) => c.readPath));
  return out.filter((c) => c.readPath === c.info.path || (!direct.has(c.readPath) && c.readPath.endsWith('.gz') === c.name.gzip));
}

/** Generation per kind: 0 for the live file, then 1, 2 ... from newest to oldest. */
function withGenerations(list: Candidate[]): Array<AccessLogFile & { readPath: string }> {
  const byKind = new Map<string, Candidate[]>();
  for (const c of list) {
    const group = byKind.get(c.name.kind);
    if (group) group.push(c);
    else byKind.set(c.name.kind, [c]);
  }
  const files: Array<AccessLogFile & { readPath: string }> = [];
  for (const group of byKind.values()) {
    group.sort((a, b) => compareByAge(a.name, b.name) || (a.info.path < b.info.path ? -1 : 1));
    const offset = group[0]?.name.live ? 0 : 1;
    group.forEach((c, i) => {
      files.push({ path: c.info.path, readPath: c.readPath, kind: c.name.kind, gzip: c.name.gzip, generation: i + offset, size: c.info.size, mtime: c.info.mtime });
    });
  }
  return files;
}

/**
 * Access-log files in `dir`, oldest first by mtime (the time of the last line written;
 * gzip keeps it), ties broken by rotation generation. `readPath` differs from `path` only
 * for a symlink to a file in the same directory.
 */
export async function discoverAccessLogs(host: Host, dir: string, skipped: SkipTally): Promise<Array<AccessLogFile & { readPath: string }>> {
  const files = withGenerations(await candidates(host, dir, skipped));
  files.sort((a, b) => a.mtime.getTime() - b.mtime.getTime() || b.generation - a.generation || (a.path < b.path ? -1 : 1));
  return files;
}
