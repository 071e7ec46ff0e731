/**
 * The import direction of src/, checked: data flows collect -> trace -> report -> scan ->
 * act/notify/fleet -> web -> cli, and nothing imports against that flow or in a circle.
 * LAYERS below is the one place the layers are named; a new top-level folder of src/ fails
 * this test until it is given its row.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { findCycles, layerViolations, readImportGraph, relativeImports, unitOf, type Layer } from '../helpers/import-graph';
import { packageRoot } from '../helpers/run-cli';

/**
 * Lowest first. A unit (a top-level folder of src/, or a file at its root) may import its
 * own unit and units of lower rows; units of one row do not import each other.
 */
const LAYERS: readonly Layer[] = [
  { name: 'foundation', units: ['errors', 'log', 'log-codes', 'package-root', 'terminal-safe', 'bounded-map'] },
  { name: 'domain types', units: ['domain'] },
  { name: 'host', units: ['host'] },
  { name: 'collect and store', units: ['collect', 'store'] },
  { name: 'config', units: ['config'] },
  { name: 'inventory, trace, report, blocklists', units: ['inventory', 'trace', 'report', 'dnsbl'] },
  { name: 'scan', units: ['scan'] },
  { name: 'act, notify, fleet, auth', units: ['act', 'notify', 'fleet', 'auth'] },
  { name: 'watch', units: ['watch'] },
  { name: 'web', units: ['web'] },
  { name: 'entry points', units: ['cli', 'package'] },
];

const graph = readImportGraph(join(packageRoot(), 'src'));

test('src/ has no import circle', () => {
  assert.deepEqual(findCycles(graph), []);
});

test('no import in src/ runs against the layer order, and every unit of src/ has its row', () => {
  assert.deepEqual(graph.unresolved, [], 'relative imports that name no file: the check would miss them');
  assert.deepEqual(layerViolations(graph, LAYERS), []);
});

test('the layer table names each unit once, and only units that exist', () => {
  const named = LAYERS.flatMap((l) => l.units);
  assert.equal(new Set(named).size, named.length);
  assert.deepEqual([...named].sort(), [...new Set(graph.files.map(unitOf))].sort());
});

test('the graph is the real one: it sees the pipeline and its entry point', () => {
  // guards against a reader that silently finds nothing (then every check above passes)
  assert.ok(graph.files.length > 100, `${graph.files.length} files`);
  const has = (from: string, to: string) => graph.edges.some((e) => e.from === from && e.to === to);
  assert.ok(has('src/scan/run-scan.ts', 'src/trace/source-tracer.ts'));
  assert.ok(has('src/cli.ts', 'src/cli/scan-command.ts'));
  assert.ok(has('src/web/app.ts', 'src/web/web-context.ts'));
});

test('every import form counts; comments and strings do not', () => {
  const source = [
    "// import { x } from './in-comment';",
    "/* const y = require('./in-block-comment'); */",
    "import type { A } from './a';",
    "import { b } from '../b';",
    "export { c } from './c';",
    "export * from './d';",
    "const e = require('./e');",
    "const s = \"import f from './in-string'\";",
    'async function g() { return import(\'./g\'); }',
    "let h: import('./h').H;",
    "import './i';",
    "import express from 'express';",
    "import { join } from 'node:path';",
  ].join('\n');
  assert.deepEqual(
    relativeImports(source).map((i) => `${i.line}:${i.specifier}`),
    ['3:./a', '4:../b', '5:./c', '6:./d', '7:./e', '9:./g', '10:./h', '11:./i'],
  );
});

test('a backward import fails the check and the message names the file, its line and both layers', () => {
  const edges = [
    { from: 'src/scan/run-scan.ts', to: 'src/trace/source-tracer.ts', line: 3 },
    { from: 'src/scan/run-scan.ts', to: 'src/cli/progress.ts', line: 10 },
  ];
  const files = ['src/scan/run-scan.ts', 'src/trace/source-tracer.ts', 'src/cli/progress.ts'];
  assert.deepEqual(layerViolations({ files, edges }, LAYERS), [
    'src/scan/run-scan.ts:10 imports src/cli/progress.ts: cli (layer "entry points") sits above scan (layer "scan")',
  ]);
});

test('an import between siblings of one row fails, and so does a unit the table lacks', () => {
  const edges = [{ from: 'src/act/engine.ts', to: 'src/notify/policy.ts', line: 7 }];
  const files = ['src/act/engine.ts', 'src/notify/policy.ts', 'src/newthing/x.ts'];
  assert.deepEqual(layerViolations({ files, edges }, LAYERS), [
    'newthing is in no layer of the table: add it where it belongs',
    'src/act/engine.ts:7 imports src/notify/policy.ts: act and notify are siblings in layer "act, notify, fleet, auth"',
  ]);
});

test('a circle between files fails and is named file by file', () => {
  const edges = [
    { from: 'src/web/app.ts', to: 'src/web/routes-pages.ts', line: 1 },
    { from: 'src/web/routes-pages.ts', to: 'src/web/app.ts', line: 5 },
    { from: 'src/trace/a.ts', to: 'src/trace/b.ts', line: 1 },
    { from: 'src/trace/b.ts', to: 'src/trace/c.ts', line: 1 },
    { from: 'src/trace/c.ts', to: 'src/trace/a.ts', line: 1 },
    { from: 'src/trace/c.ts', to: 'src/domain/x.ts', line: 2 },
    { from: 'src/host/self.ts', to: 'src/host/self.ts', line: 1 },
  ];
  assert.deepEqual(findCycles({ edges }).sort(), [
    'src/host/self.ts -> src/host/self.ts',
    'src/trace/a.ts -> src/trace/b.ts -> src/trace/c.ts -> src/trace/a.ts',
    'src/web/app.ts -> src/web/routes-pages.ts -> src/web/app.ts',
  ]);
});

test('on a copy of a tree, adding one backward import turns the check red', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'spamtrace-arch-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  const tree: Record<string, string> = {
    'src/domain/report.ts': 'export interface Report { n: number }\n',
    'src/scan/progress.ts': 'export interface Progress { update(): void }\n',
    'src/scan/run-scan.ts': "import type { Report } from '../domain/report';\nimport type { Progress } from './progress';\nexport type Run = (p: Progress) => Report;\n",
    'src/cli/scan-command.ts': "import type { Run } from '../scan/run-scan';\nexport const run: Run | null = null;\n",
    'src/cli.ts': "import { run } from './cli/scan-command';\nvoid run;\n",
  };
  for (const [path, text] of Object.entries(tree)) write(path, text);
  const before = readImportGraph(join(dir, 'src'));
  assert.equal(before.edges.length, 4);
  assert.deepEqual([...findCycles(before), ...layerViolations(before, LAYERS)], []);

  write('src/scan/run-scan.ts', tree['src/scan/run-scan.ts']!.replace("'./progress'", "'../cli/scan-command'"));
  const after = readImportGraph(join(dir, 'src'));
  assert.deepEqual(layerViolations(after, LAYERS), [
    'src/scan/run-scan.ts:2 imports src/cli/scan-command.ts: cli (layer "entry points") sits above scan (layer "scan")',
  ]);
  assert.deepEqual(findCycles(after), ['src/cli/scan-command.ts -> src/scan/run-scan.ts -> src/cli/scan-command.ts']);
});
