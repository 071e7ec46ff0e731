/** Where the benchmark finds what it runs and where it writes its results (from dist/bench/). */
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const CLI = path.join(ROOT, 'dist', 'src', 'cli.js');
export const FAKE_MX_JS = path.join(ROOT, 'dist', 'test', 'lab', 'fake-mx.js');
export const RESULTS_DIR = path.join(ROOT, 'bench', 'results');
