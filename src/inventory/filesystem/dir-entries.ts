/**
 * Listing a root the customers can write into. A directory name can hold spaces, newlines
 * or escape sequences, and a symlink can point anywhere (`/`, another customer's home):
 * entries are lstat'ed, symlinks are never followed, and what is passed over is said.
 */
import type { FileInfo, Host } from '../../host/host';
import { quoteName } from './quote';

export interface DirEntry {
  name: string;
  path: string;
  info: FileInfo;
}

/** A directory that really is one (not a symlink to one), or null. */
export async function realDir(host: Host, path: string): Promise<FileInfo | null> {
  const info = await statQuietly(host, path);
  return info && info.isDirectory && !info.isSymbolicLink ? info : null;
}

/** lstat that treats "cannot look" like "not there": the caller warns when it matters. */
export async function statQuietly(host: Host, path: string): Promise<FileInfo | null> {
  try {
    return await host.stat(path);
  } catch {
    return null;
  }
}

export async function listQuietly(host: Host, dir: string, warnings: string[]): Promise<string[] | null> {
  try {
    return await host.list(dir);
  } catch (e) {
    warnings.push(`cannot list ${quoteName(dir)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    return null;
  }
}

/**
 * The sub-directories of `dir` whose names pass `accept`, each lstat'ed. Symlinks and
 * non-directories among accepted names are reported in `warnings` and left out.
 */
export async function listSubdirs(host: Host, dir: string, accept: (name: string) => boolean, warnings: string[]): Promise<DirEntry[]> {
  const names = await listQuietly(host, dir, warnings);
  return names ? subdirsAmong(host, dir, names, accept, warnings) : [];
}

/** listSubdirs on a listing the caller already has (one listing per directory, not two). */
export async function subdirsAmong(
  host: Host,
  dir: string,
  names: readonly string[],
  accept: (name: string) => boolean,
  warnings: string[],
): Promise<DirEntry[]> {
  const out: DirEntry[] = [];
  for (const name of names) {
    if (!accept(name)) continue;
    const path = `${dir}/${name}`;
    const info = await statQuietly(host, path);
    if (!info) {
      warnings.push(`${quoteName(path)} vanished or cannot be read; skipped`);
    } else if (info.isSymbolicLink) {
      warnings.push(`${quoteName(path)} is a symbolic link; not followed`);
    } else if (!info.isDirectory) {
      warnings.push(`${quoteName(path)} is not a directory; skipped`);
    } else {
      out.push({ name, path, info });
    }
  }
  return out;
}
