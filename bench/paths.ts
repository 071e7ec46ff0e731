/** Where the benchmark finds what it runs and where it writes its results (from dist/bench/). */
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
/** beside this build of the bench (dist/, or a copy of it that a rebuild cannot pull away) */
export const CLI = path.join(__dirname, '..', 'src', 'cli.js');
export const FAKE_MX_JS = path.join(__dirname, '..', 'test', 'lab', 'fake-mx.js');
export const RESULTS_DIR = path.join(ROOT, 'bench', 'results');
