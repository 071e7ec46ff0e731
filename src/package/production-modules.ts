/**
 * Which node_modules folders the installed service needs: the package-lock's entries
 * that are not marked dev. Copying from the build tree (not `npm ci --omit=dev`) means
 * packaging needs no network and the zip installs with none.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface LockEntry {
  dev?: boolean;
  link?: boolean;
  optional?: boolean;
}

/** Paths like "node_modules/express", "node_modules/a/node_modules/b", sorted. */
export function productionModulePaths(root: string): string[] {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
    lockfileVersion?: number;
    packages?: Record<string, LockEntry>;
  };
  if (!lock.packages || (lock.lockfileVersion ?? 0) < 2) {
    throw new Error('package-lock.json has no "packages" map (lockfileVersion 2 or 3 needed): run npm install with npm 7 or later');
  }
  return Object.entries(lock.packages)
    .filter(([path, entry]) => path.startsWith('node_modules/') && !entry.dev && !entry.link)
    .map(([path]) => path)
    .sort();
}
