/**
 * Which files make up a mail log: the base file (`/var/log/mail.log`, `/var/log/maillog`,
 * Plesk's `/usr/local/psa/var/log/maillog`) and its rotations in the same directory,
 * found by pattern: `.1`, `.2.gz` (logrotate's default), `-20240205`, `-20240205.gz`
 * (dateext, RHEL), `-2024020512` (dateformat with the hour), and Postfix's own
 * `postfix logrotate` for `maillog_file`: `.20240205-091500(.gz)`
 * (maillog_file_rotate_suffix, default `%Y%m%d-%H%M%S`). Oldest first.
 */
import type { FileInfo, Host } from '../../host/host';

export const DEFAULT_MAILLOG_PATHS = ['/var/log/mail.log', '/var/log/maillog', '/usr/local/psa/var/log/maillog'];

export interface LogFile {
  path: string;
  info: FileInfo;
  /** a rotation we cannot decompress (.xz, .bz2, .zst): listed, not read */
  unsupportedCompression: string | null;
}

interface Rotation {
  name: string;
  /** 'number': .N (bigger is older); 'date': -YYYYMMDD[HH] or .YYYYMMDD-HHMMSS (smaller is older) */
  scheme: 'number' | 'date';
  order: number;
  compression: string | null;
}

/** `.N`, `-YYYYMMDD`, `-YYYYMMDDHH` or `.YYYYMMDD-HHMMSS`, then an optional compression suffix. */
function rotationOf(base: string, name: string): Rotation | null {
  if (!name.startsWith(base) || name === base) return null;
  const m = /^(?:\.(\d{1,4})|-(\d{8}(?:\d{2})?)|\.(\d{8})-(\d{6}))(?:\.(gz|xz|bz2|zst|lz4|Z))?$/.exec(name.slice(base.length));
  if (!m) return null;
  const compression = m[5] && m[5] !== 'gz' ? m[5] : null;
  if (m[1] !== undefined) return { name, scheme: 'number', order: Number(m[1]), compression };
  const stamp = m[2] ?? `${m[3]}${m[4]}`;
  return { name, scheme: 'date', order: Number(stamp.padEnd(14, '0')), compression };
}

function dirAndBase(path: string): { dir: string; base: string } {
  const i = path.lastIndexOf('/');
  if (i === -1) return { dir: '.', base: path };
  return { dir: i === 0 ? '/' : path.slice(0, i), base: path.slice(i + 1) };
}

function join(dir: string, name: string): string {
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

/**
 * The files of one mail log, oldest first: the rotations (numbered ones by number,
 * dated ones by date; when both schemes are present they are merged by mtime), then the
 * base file. Directories and other names are passed over. An unlistable directory still
 * yields the base file when it can be stat'ed.
 */
export async function discoverLogFiles(host: Host, basePath: string): Promise<LogFile[]> {
  const { dir, base } = dirAndBase(basePath);
  let names: string[] = [];
  try {
    names = await host.list(dir);
  } catch {
    names = [];
  }
  const rotations = names.map((n) => rotationOf(base, n)).filter((r): r is Rotation => r !== null);
  const withInfo: { r: Rotation; info: FileInfo }[] = [];
  for (const r of rotations) {
    const info = await host.stat(join(dir, r.name)).catch(() => null);
    if (info && (info.isFile || info.isSymbolicLink)) withInfo.push({ r, info });
  }
  const numbered = withInfo.filter((x) => x.r.scheme === 'number').sort((a, b) => b.r.order - a.r.order);
  const dated = withInfo.filter((x) => x.r.scheme === 'date').sort((a, b) => a.r.order - b.r.order);
  const ordered = mergeByMtime(dated, numbered);
  const files: LogFile[] = ordered.map(({ r, info }) => ({ path: join(dir, r.name), info, unsupportedCompression: r.compression }));
  const baseInfo = await host.stat(basePath).catch(() => null);
  if (baseInfo && (baseInfo.isFile || baseInfo.isSymbolicLink)) files.push({ path: basePath, info: baseInfo, unsupportedCompression: null });
  return files;
}

/** Two lists, each already oldest first, merged by mtime (a switch of rotation scheme). */
function mergeByMtime<T extends { info: FileInfo }>(a: T[], b: T[]): T[] {
  const out: T[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]!.info.mtime.getTime() <= b[j]!.info.mtime.getTime())) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  return out;
}
