/** The README's Layout table names every folder of src/, so a newcomer finds each capability. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../helpers/run-cli';

test('every folder of src/ has its line in the README Layout table', () => {
  const readme = readFileSync(join(packageRoot(), 'README.md'), 'utf8');
  const start = readme.indexOf('## Layout');
  assert.ok(start >= 0);
  const end = readme.indexOf('\n## ', start + 1);
  const table = readme.slice(start, end < 0 ? undefined : end);
  const folders = readdirSync(join(packageRoot(), 'src'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  assert.ok(folders.length > 10, folders.join(', '));
  assert.deepEqual(folders.filter((f) => !new RegExp(`^\\|[^\\n]*\`src/${f}/`, 'm').test(table)), [], 'folders without a line');
});
