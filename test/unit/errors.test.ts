import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERRORS } from '../../src/errors';
import { packageRoot } from '../helpers/run-cli';

test('every error code is documented in the README errors table, and nothing else is', () => {
  const readme = readFileSync(join(packageRoot(), 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Errors'), readme.indexOf('\n## ', readme.indexOf('## Errors') + 1));
  const documented = [...section.matchAll(/^\| `(E_[A-Z_]+)` \|/gm)].map((m) => m[1]);
  assert.deepEqual([...documented].sort(), Object.keys(ERRORS).sort());
});
