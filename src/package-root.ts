import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The package's own folder, found from the calling file wherever it was compiled to. */
export function packageRoot(from: string = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${from}`);
    dir = up;
  }
  return dir;
}
